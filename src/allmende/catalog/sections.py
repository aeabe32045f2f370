"""What the data catalog adds to the navigation and the start page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.catalog import selectors
from allmende.core.modules import Module, Section


def start_section(request: HttpRequest) -> Section | None:
    datasets = selectors.datasets_recently_changed(viewer=request.user, limit=6)
    if not datasets:
        return None
    return Section(
        title=_("New and updated datasets"),
        template="catalog/sections/start.html",
        context={"datasets": datasets},
    )


MODULE = Module(
    key="data",
    label=_("Data"),
    url_name="catalog:index",
    icon="database",
    order=30,
    start_section=start_section,
)
