"""What campaigns add to the navigation, the start page and the dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.campaigns import selectors
from allmende.core.modules import Module, Section


def start_section(request: HttpRequest) -> Section | None:
    campaigns = selectors.open_campaigns(limit=4)
    if not campaigns:
        return None
    return Section(
        title=_("Open campaigns"),
        template="campaigns/sections/start.html",
        context={"campaigns": campaigns},
    )


def dashboard(request: HttpRequest) -> Section | None:
    campaigns = selectors.campaigns_signed_by_organizations_of(
        user=request.user, limit=10
    )
    if not campaigns:
        return None
    return Section(
        title=_("Campaigns my organization signed"),
        template="campaigns/sections/dashboard.html",
        context={"campaigns": campaigns},
    )


CAMPAIGNS = Module(
    key="campaigns",
    label=_("Campaigns"),
    url_name="campaigns:list",
    icon="megaphone",
    order=60,
    start_section=start_section,
    dashboard=dashboard,
)
