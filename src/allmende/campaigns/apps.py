from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "allmende.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from allmende.campaigns import sections
        from allmende.core.modules import register

        register(sections.CAMPAIGNS)

        from allmende.campaigns.models import Campaign
        from allmende.campaigns.selectors import visible_campaigns
        from allmende.core import search

        search.register(
            search.SearchType(
                key="campaign",
                label=_("Campaigns"),
                model=Campaign,
                visible=visible_campaigns,
                order=60,
            )
        )
