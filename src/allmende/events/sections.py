"""What events and the academy add to the navigation, the start page and the
dashboard."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section
from allmende.events import selectors


def start_section(request: HttpRequest) -> Section | None:
    events = selectors.events_with_free_places(limit=6)
    if not events:
        return None
    return Section(
        title=_("Upcoming events with free places"),
        template="events/sections/start.html",
        context={"events": events},
    )


def dashboard(request: HttpRequest) -> Section:
    return Section(
        title=_("My upcoming registrations and bookings"),
        template="events/sections/dashboard.html",
        context={
            "registrations": selectors.upcoming_registrations_of(
                user=request.user, limit=10
            )
        },
    )


EVENTS = Module(
    key="events",
    label=_("Events"),
    url_name="events:list",
    icon="calendar",
    order=20,
    start_section=start_section,
    dashboard=dashboard,
)

ACADEMY = Module(
    key="academy",
    label=_("Academy"),
    url_name="events:academy",
    icon="graduation-cap",
    order=25,
)
