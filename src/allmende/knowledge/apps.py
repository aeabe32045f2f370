from typing import Any

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
        register(sections.GUIDES)
        register(sections.GUIDE_REVIEW)
        register(sections.SERVICES)
        register(sections.SERVICE_QUEUE)

        from allmende.core import search
        from allmende.knowledge.models import Page, Report, Tool
        from allmende.knowledge.selectors import (
            visible_pages,
            visible_reports,
            visible_tools,
        )

        search.register(
            search.SearchType(
                key="tool",
                label=_("Tools"),
                model=Tool,
                visible=visible_tools,
                order=5,
            )
        )
        search.register(
            search.SearchType(
                key="report",
                label=_("Experience reports"),
                model=Report,
                visible=visible_reports,
                order=6,
            )
        )
        search.register(
            search.SearchType(
                key="guide",
                label=_("Guides"),
                model=Page,
                visible=visible_pages,
                order=7,
                title=_published_title,
            )
        )


def _published_title(page: Any) -> str:
    revision = page.published_revision
    return str(revision.title if revision is not None else page.title)
