"""What events and the academy add to the navigation, the start page and the
dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section, everyone
from allmende.events import selectors
from allmende.events.models import Event

if TYPE_CHECKING:
    from allmende.core.modules import Viewer


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


def proposal_queue(request: HttpRequest) -> Section:
    queue = list(selectors.event_proposal_queue()[:QUEUE_SHOWN])
    return Section(
        title=_("Events proposed by organizations"),
        template="events/_proposal_queue.html",
        context={"proposal_queue": queue},
        urgent=bool(queue),
    )


def _staff(user: Viewer) -> bool:
    return bool(getattr(user, "is_staff", False))


# Proposals shown on the dashboard; the queue page lists all of them.
QUEUE_SHOWN = 10

EVENTS = Module(
    key="events",
    label=_("Events"),
    url_name="events:list",
    icon="calendar",
    order=20,
    start_section=start_section,
    start_section_audience=everyone,
    start_section_models=(Event,),
    dashboard=dashboard,
)

ACADEMY = Module(
    key="academy",
    label=_("Academy"),
    url_name="events:academy",
    icon="book-open",
    order=25,
)

# Staff's queue of proposed events on their dashboard; no navigation entry.
PROPOSAL_QUEUE = Module(
    key="events-proposals",
    label=_("Proposed events"),
    url_name="",
    icon="inbox",
    order=21,
    visible=_staff,
    dashboard=proposal_queue,
)
