"""Reads of events and registrations: who sees what, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from allmende.accounts.models import User as Account
from allmende.core.models import FocusArea
from allmende.core.search import search_queryset
from allmende.events.models import (
    Event,
    EventProposal,
    EventStatus,
    ProposalState,
    Registration,
    Slot,
)
from allmende.events.models.registrations import ACTIVE_STATES
from allmende.events.models.registrations import RegistrationState as S
from allmende.organizations.models import Membership, Organization

Viewer = Account | AnonymousUser
# How far back the public feeds reach, so calendars keep recent events.
FEED_PAST = timedelta(days=90)


@dataclass(frozen=True)
class EventFilters:
    q: str = ""
    event_type: str = ""
    format: str = ""
    level: str = ""
    topic: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


# The first and last days whose local midnights (and the day after the last)
# can still be stored and compared in UTC; a filter beyond them limits nothing.
FIRST_DAY = date.min + timedelta(days=1)
LAST_DAY = date.max - timedelta(days=1)


def event_list(
    *, filters: EventFilters, now: datetime | None = None
) -> QuerySet[Event]:
    """Upcoming public events (published or cancelled), soonest first."""
    now = now or timezone.now()
    queryset = (
        Event.objects.exclude(status=EventStatus.DRAFT)
        .filter(ends_at__gte=now)
        .select_related("organization")
        .prefetch_related(
            Prefetch("topics", queryset=FocusArea.objects.order_by("name_de"))
        )
    )
    if filters.event_type:
        queryset = queryset.filter(event_type=filters.event_type)
    if filters.format:
        queryset = queryset.filter(format=filters.format)
    if filters.level:
        queryset = queryset.filter(level=filters.level)
    if filters.topic:
        queryset = queryset.filter(topics__slug=filters.topic)
    if filters.date_from and filters.date_from > FIRST_DAY:
        queryset = queryset.filter(ends_at__gte=_local_midnight(filters.date_from))
    if filters.date_to and filters.date_to < LAST_DAY:
        queryset = queryset.filter(
            starts_at__lt=_local_midnight(filters.date_to + timedelta(days=1))
        )
    if filters.q:
        return search_queryset(queryset, filters.q)
    return queryset.order_by("starts_at", "id")


def event_for_viewer(*, slug: str, viewer: Viewer) -> Event | None:
    event = (
        Event.objects.select_related("organization", "course")
        .prefetch_related("topics")
        .filter(slug=slug)
        .first()
    )
    if event is None or not viewer.has_perm("events.view_event", event):
        return None
    return event


def registration_of(*, event: Event, viewer: Viewer) -> Registration | None:
    """The viewer's current registration for the event, if any."""
    if not viewer.is_authenticated:
        return None
    return (
        Registration.objects.select_related("slot")
        .filter(event=event, user=viewer, state__in=ACTIVE_STATES)
        .first()
    )


def free_slots(*, event: Event) -> list[Slot]:
    taken = Registration.objects.filter(
        event=event, state__in=ACTIVE_STATES - {S.UNCONFIRMED}, slot__isnull=False
    ).values("slot_id")
    return list(event.slots.exclude(pk__in=taken).order_by("starts_at"))


def waiting_position(*, registration: Registration) -> int:
    if registration.state != S.WAITING or registration.waiting_since is None:
        return 0
    ahead = Registration.objects.filter(
        event_id=registration.event_id, state=S.WAITING
    ).filter(
        Q(waiting_since__lt=registration.waiting_since)
        | Q(waiting_since=registration.waiting_since, pk__lt=registration.pk)
    )
    return ahead.count() + 1


PARTICIPANT_ORDER = [
    S.CONFIRMED,
    S.ATTENDED,
    S.OFFERED,
    S.PENDING,
    S.WAITING,
    S.UNCONFIRMED,
    S.CANCELLED,
    S.EXPIRED,
    S.REJECTED,
]


def event_participants(*, event: Event, state: str = "") -> list[Registration]:
    """The registrations of an event for its organizers, grouped by state."""
    queryset = Registration.objects.filter(event=event).select_related("slot", "user")
    if state:
        queryset = queryset.filter(state=state)
    rank = {value: index for index, value in enumerate(PARTICIPANT_ORDER)}
    return sorted(
        queryset,
        key=lambda r: (
            rank.get(S(r.state), 99),
            r.waiting_since or r.created_at,
            r.pk,
        ),
    )


def registrations_of(*, user: Viewer) -> QuerySet[Registration]:
    """The person's registrations, one per event: the active one, else the
    latest (cancelling and registering again leaves several rows)."""
    if not user.is_authenticated:
        return Registration.objects.none()
    shown = Registration.objects.filter(user=user).exclude(state=S.UNCONFIRMED)
    first_of_event = (
        shown.filter(event=OuterRef("event"))
        .annotate(
            inactive=Case(
                When(state__in=sorted(ACTIVE_STATES), then=Value(0)), default=Value(1)
            )
        )
        .order_by("inactive", "-created_at", "-pk")
        .values("pk")[:1]
    )
    return (
        shown.filter(pk=Subquery(first_of_event))
        .select_related("event", "slot")
        .order_by("-event__starts_at")
    )


def public_feed_events(
    *, topic: FocusArea | None = None, now: datetime | None = None
) -> QuerySet[Event]:
    now = now or timezone.now()
    queryset = Event.objects.exclude(status=EventStatus.DRAFT).filter(
        ends_at__gte=now - FEED_PAST
    )
    if topic is not None:
        queryset = queryset.filter(topics=topic)
    return queryset.select_related("organization").order_by("starts_at")


def private_feed_events(
    *, user: Viewer, now: datetime | None = None
) -> QuerySet[Event]:
    """The events the person holds a place at: nothing about anyone else."""
    now = now or timezone.now()
    return (
        Event.objects.filter(
            registrations__user_id=int(user.pk or 0),
            registrations__state__in=[S.CONFIRMED, S.ATTENDED],
            ends_at__gte=now - FEED_PAST,
        )
        .exclude(status=EventStatus.DRAFT)
        .distinct()
        .order_by("starts_at")
    )


def events_managed_by(*, user: Viewer) -> QuerySet[Event]:
    if not user.is_authenticated:
        return Event.objects.none()
    if getattr(user, "is_staff", False):
        return Event.objects.order_by("-starts_at")
    return Event.objects.filter(
        organization__memberships__user=user,
        organization__memberships__role="admin",
        organization__event_host__isnull=False,
    ).order_by("-starts_at")


def event_form_organizations(
    *, user: Account | AnonymousUser
) -> QuerySet[Organization]:
    """Organizations offered on the event form: the hosts for staff; for anyone
    else every organization ``user`` administers (a host's events are created,
    the others' are proposed)."""
    if getattr(user, "is_staff", False):
        return host_organizations(user=user)
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user, memberships__role="admin"
    ).order_by("name")


def proposal_of(*, event: Event) -> EventProposal | None:
    if event.status != EventStatus.DRAFT:
        return None
    return EventProposal.objects.filter(event=event).first()


def host_organizations(*, user: Account | AnonymousUser) -> QuerySet[Organization]:
    """Organizations ``user`` may host events for: all approved hosts for staff,
    otherwise the approved hosts where ``user`` is an administrator."""
    hosts = Organization.objects.filter(event_host__isnull=False).order_by("name")
    if getattr(user, "is_staff", False):
        return hosts
    if not user.is_authenticated:
        return hosts.none()
    return hosts.filter(memberships__user=user, memberships__role="admin")


def organization_upcoming_events(
    *, organization: Organization, limit: int = 10, now: datetime | None = None
) -> list[Event]:
    """The organization's public events that have not ended, soonest first."""
    now = now or timezone.now()
    return list(
        Event.objects.filter(organization=organization, ends_at__gte=now)
        .exclude(status=EventStatus.DRAFT)
        .order_by("starts_at", "id")[:limit]
    )


def event_proposal_queue() -> QuerySet[EventProposal]:
    """Proposed events waiting for the staff, the longest waiting first."""
    return (
        EventProposal.objects.filter(state=ProposalState.PROPOSED)
        .select_related("event__organization", "proposed_by")
        .order_by("proposed_at", "id")
    )


def organization_proposals(*, organization: Organization) -> list[EventProposal]:
    """The events the organization proposed, newest first, for its administrators."""
    return list(
        EventProposal.objects.filter(event__organization=organization)
        .select_related("event")
        .order_by("-proposed_at", "-id")[:20]
    )


def events_with_free_places(
    *, limit: int = 6, now: datetime | None = None
) -> list[Event]:
    """Published events still to come that take registrations and have a
    place left, soonest first."""
    now = now or timezone.now()
    return list(
        Event.objects.filter(
            status=EventStatus.PUBLISHED,
            starts_at__gte=now,
            places_taken__lt=F("capacity"),
        )
        .filter(
            Q(registration_opens_at__isnull=True) | Q(registration_opens_at__lte=now),
            Q(registration_closes_at__isnull=True) | Q(registration_closes_at__gt=now),
        )
        .select_related("organization")
        .order_by("starts_at", "id")[:limit]
    )


def upcoming_registrations_of(
    *, user: Viewer, limit: int = 10, now: datetime | None = None
) -> list[Registration]:
    """The person's active registrations and bookings of events still to come,
    soonest first."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    # Two queries: joined in one, SQLite walks all events by date and looks
    # for the person's registrations at each; the person's own rows first
    # (by the index on user) keep the page fast however many events exist.
    active = list(
        Registration.objects.filter(
            user=user, state__in=sorted(ACTIVE_STATES - {S.UNCONFIRMED})
        ).values_list("pk", flat=True)
    )
    if not active:
        return []
    return list(
        Registration.objects.filter(pk__in=active, event__ends_at__gte=now)
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event", "slot")
        # What the list shows: an event's texts are long and not needed.
        .only(
            "state",
            "event__title_de",
            "event__title_en",
            "event__slug",
            "event__starts_at",
            "slot__starts_at",
        )
        .order_by("event__starts_at", "id")[:limit]
    )


def visible_events_filter(viewer: Viewer) -> Q:
    """The events ``viewer`` may see (the query form of ``events.view_event``)."""
    public = ~Q(status=EventStatus.DRAFT)
    if not viewer.is_authenticated:
        return public
    if viewer.is_staff:
        return Q()
    hosts = Organization.objects.filter(
        event_host__isnull=False,
        memberships__user=viewer,
        memberships__role=Membership.Role.ADMIN,
    ).values("pk")
    return public | Q(organization__in=hosts)


def visible_events(viewer: Viewer) -> QuerySet[Event]:
    return Event.objects.filter(visible_events_filter(viewer))
