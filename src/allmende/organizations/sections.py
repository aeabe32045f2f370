"""What organizations add to the navigation, the start page and the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section, everyone
from allmende.organizations import selectors
from allmende.organizations.models import Membership, Organization

if TYPE_CHECKING:
    from allmende.core.modules import Viewer


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
            "join_request_counts": selectors.join_request_counts(admin=request.user),
        },
    )


def staff_queue(request: HttpRequest) -> Section:
    queue = list(selectors.verification_queue()[:QUEUE_SHOWN])
    return Section(
        title=_("Organizations waiting for verification"),
        template="organizations/_staff_queue.html",
        context={"verification_queue": queue},
        urgent=bool(queue),
    )


def _staff(user: Viewer) -> bool:
    return bool(getattr(user, "is_staff", False))


# Requests shown on the dashboard; the queue page lists all of them.
QUEUE_SHOWN = 10

MODULE = Module(
    key="organizations",
    label=_("Organizations"),
    url_name="organizations:directory",
    icon="users",
    order=70,
    start_section=start_section,
    start_section_audience=everyone,
    start_section_models=(Organization,),
    dashboard=dashboard,
)

# Staff's verification queue on their dashboard; no entry in the navigation.
STAFF_QUEUE = Module(
    key="organizations-verification",
    label=_("Verification requests"),
    url_name="",
    icon="badge-check",
    order=71,
    visible=_staff,
    dashboard=staff_queue,
)
