from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "allmende.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        from allmende.core.modules import register
        from allmende.knowledge import sections

        register(sections.MODULE)
        register(sections.MAINTENANCE_QUEUE)

        from allmende.core import search
        from allmende.knowledge.models import Tool
        from allmende.knowledge.selectors import visible_tools

        search.register(
            search.SearchType(
                key="tool",
                label=_("Tools"),
                model=Tool,
                visible=visible_tools,
                order=5,
            )
        )
