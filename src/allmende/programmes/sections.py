"""What calls add to the navigation, the start page and the dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section
from allmende.programmes import review_selectors, selectors

if TYPE_CHECKING:
    from allmende.core.modules import Viewer

# Applications shown on a dashboard; the full lists are a click away.
SHOWN = 10


def start_section(request: HttpRequest) -> Section | None:
    calls = selectors.open_calls(limit=6)
    if not calls:
        return None
    return Section(
        title=_("Open calls"),
        template="programmes/sections/start.html",
        context={"calls": calls},
    )


def dashboard(request: HttpRequest) -> Section | None:
    applications = selectors.applications_of(user=request.user, limit=SHOWN)
    if not applications:
        return None
    return Section(
        title=_("My applications"),
        template="programmes/sections/dashboard.html",
        context={"applications": applications},
        urgent=any(a.state == "more_information" for a in applications),
    )


def screening_queue(request: HttpRequest) -> Section:
    queue = list(selectors.screening_queue()[:SHOWN])
    return Section(
        title=_("Applications waiting for screening"),
        template="programmes/sections/queue.html",
        context={"queue": queue},
        urgent=bool(queue),
    )


def reviews_assigned(request: HttpRequest) -> Section | None:
    reviews = list(review_selectors.reviews_for(user=request.user, open_only=True))
    if not reviews:
        return None
    return Section(
        title=_("Reviews assigned to me"),
        template="programmes/sections/reviews.html",
        context={"reviews": reviews[:SHOWN]},
        urgent=True,
    )


def _signed_in(user: Viewer) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _staff(user: Viewer) -> bool:
    return bool(getattr(user, "is_staff", False))


CALLS = Module(
    key="calls",
    label=_("Calls"),
    url_name="programmes:list",
    icon="megaphone",
    order=40,
    start_section=start_section,
    dashboard=dashboard,
)

SCREENING_QUEUE = Module(
    key="calls-screening",
    label=_("Applications waiting for screening"),
    url_name="",
    icon="inbox",
    order=41,
    visible=_staff,
    dashboard=screening_queue,
)

REVIEWS_ASSIGNED = Module(
    key="calls-reviews",
    label=_("Reviews assigned to me"),
    url_name="",
    icon="check",
    order=42,
    visible=_signed_in,
    dashboard=reviews_assigned,
)
