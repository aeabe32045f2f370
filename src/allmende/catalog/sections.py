"""What the data catalog adds to the navigation and the start page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.catalog import selectors
from allmende.catalog.models import Dataset
from allmende.core.modules import Module, Section
from allmende.organizations.models import Organization


def start_section(request: HttpRequest) -> Section | None:
    datasets = selectors.datasets_recently_changed(viewer=request.user, limit=6)
    if not datasets:
        return None
    return Section(
        title=_("New and updated datasets"),
        template="catalog/sections/start.html",
        context={"datasets": datasets},
    )


def start_section_audience(request: HttpRequest) -> str | None:
    """Who sees the same new datasets: every visitor who may see no more
    published datasets than the public ones, all staff, else the person alone."""
    user = request.user
    if user.is_staff:
        return "staff"
    if selectors.sees_only_public_published_datasets(viewer=user):
        return "public"
    return f"user-{user.pk}"


MODULE = Module(
    key="data",
    label=_("Data"),
    url_name="catalog:index",
    icon="database",
    order=30,
    start_section=start_section,
    start_section_audience=start_section_audience,
    start_section_models=(Dataset, Organization),
)
