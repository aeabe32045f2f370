from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "allmende.helpdesk"
    label = "helpdesk"
    verbose_name = _("Help")

    def ready(self) -> None:
        from allmende.core import search
        from allmende.core.modules import register
        from allmende.helpdesk import sections
        from allmende.helpdesk.models import FaqEntry
        from allmende.helpdesk.selectors import visible_faq

        register(sections.HELP)
        register(sections.QUEUE)
        search.register(
            search.SearchType(
                key="faq",
                label=_("Help: frequently asked questions"),
                model=FaqEntry,
                visible=visible_faq,
                order=50,
                title=lambda entry: entry.question,
            )
        )
