from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "allmende.programmes"
    label = "programmes"
    verbose_name = _("Calls and applications")

    def ready(self) -> None:
        from allmende.core.modules import register
        from allmende.programmes import (  # noqa: F401
            notifications_projects,
            rules,
            rules_projects,
            sections,
            sections_projects,
        )

        register(sections.CALLS)
        register(sections.SCREENING_QUEUE)
        register(sections.REVIEWS_ASSIGNED)
        register(sections_projects.PROJECTS)
        register(sections_projects.PROJECT_QUEUE)

        from allmende.core import search
        from allmende.programmes.models import Call
        from allmende.programmes.selectors import visible_calls

        search.register(
            search.SearchType(
                key="call",
                label=_("Calls"),
                model=Call,
                visible=visible_calls,
                order=40,
            )
        )

        from allmende.catalog import dcat
        from allmende.programmes.selectors_projects import dataset_relations

        dcat.register_relations(dataset_relations)
