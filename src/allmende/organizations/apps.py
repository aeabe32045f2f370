from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "allmende.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from allmende.core.modules import register
        from allmende.organizations import sections

        register(sections.MODULE)
        register(sections.STAFF_QUEUE)

        from allmende.core import search
        from allmende.organizations.models import Organization
        from allmende.organizations.selectors import DirectoryFilters, organization_list

        search.register(
            search.SearchType(
                key="organization",
                label=_("Organizations"),
                model=Organization,
                visible=lambda viewer: organization_list(filters=DirectoryFilters()),
                order=10,
            )
        )
