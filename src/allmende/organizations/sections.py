"""What organizations add to the navigation, the start page and the dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section
from allmende.organizations import selectors
from allmende.organizations.models import Membership


def start_section(request: HttpRequest) -> Section | None:
    highlights = selectors.organization_highlights(limit=6)
    if not highlights["newest_organizations"]:
        return None
    return Section(
        title=_("Newest organizations"),
        template="organizations/sections/start.html",
        context=highlights,
    )


def dashboard(request: HttpRequest) -> Section:
    memberships = selectors.memberships_of(request.user)
    missing_description = [
        membership.organization
        for membership in memberships
        if membership.role == Membership.Role.ADMIN
        and not (
            membership.organization.description_de
            or membership.organization.description_en
        )
    ]
    return Section(
        title=_("My organizations"),
        template="organizations/sections/dashboard.html",
        context={
            "memberships": memberships,
            "missing_description": missing_description,
        },
    )


MODULE = Module(
    key="organizations",
    label=_("Organizations"),
    url_name="organizations:directory",
    icon="users",
    order=70,
    start_section=start_section,
    dashboard=dashboard,
)
