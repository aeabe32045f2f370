"""Events: create, change, cancel; hosts; consultation-hour series; messages."""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from allmende.core.models import FocusArea
from allmende.core.search import index_object
from allmende.core.services import audit_log_record
from allmende.events import notifications as kinds
from allmende.events.models import (
    CalendarToken,
    ConsultationSeries,
    Event,
    EventStatus,
    EventType,
    Host,
    Registration,
    SentReminder,
    Slot,
)
from allmende.events.models.registrations import ACTIVE_STATES
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services.common import (
    User,
    account,
    current_time,
    require,
    require_aware,
)
from allmende.events.services.mail import (
    event_context,
    send_message,
    send_to_registration,
)
from allmende.events.services.registrations import fill_places
from allmende.notifications.services import notify
from allmende.organizations.models import Organization

EVENT_FIELDS = (
    "title_de",
    "title_en",
    "event_type",
    "format",
    "level",
    "language",
    "status",
    "description_de",
    "description_en",
    "starts_at",
    "ends_at",
    "online_url",
    "venue",
    "street",
    "postal_code",
    "city",
    "latitude",
    "longitude",
    "step_free",
    "sign_language",
    "captions",
    "quiet_room",
    "accessibility_notes",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "requires_approval",
    "questions",
    "offer_hours",
    "reminder_minutes",
    "course",
)
TIME_FIELDS = (
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown event fields: {sorted(unknown)}")
    require_aware(**{name: fields.get(name) for name in TIME_FIELDS})


def _unique_slug(title: str, starts_at: datetime) -> str:
    day = timezone.localtime(starts_at).date().isoformat()
    base = f"{slugify(title)[:180] or 'event'}-{day}"
    slug = base
    counter = 2
    while Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def event_index(event: Event) -> None:
    topics = " ".join(f"{t.name_de} {t.name_en}" for t in event.topics.all())
    index_object(
        event,
        title=f"{event.title_de} {event.title_en}".strip(),
        body=" ".join(
            [
                event.city,
                event.venue,
                topics,
                event.description_de,
                event.description_en,
            ]
        ),
    )


@transaction.atomic
def event_create(
    *,
    actor: User,
    organization: Organization | None = None,
    topics: Iterable[FocusArea] = (),
    series: ConsultationSeries | None = None,
    **fields: Any,
) -> Event:
    """Create an event; staff for the programme, hosts for their organization."""
    if organization is None:
        require(actor, "events.add_programme_event")
    else:
        require(actor, "events.host_for_organization", organization)
    _check_fields(fields)
    event = Event(
        organization=organization,
        created_by=account(actor),
        series=series,
        slug=_unique_slug(fields.get("title_de", ""), fields["starts_at"]),
        **fields,
    )
    event.full_clean()
    event.save()
    event.topics.set(topics)
    audit_log_record(actor=actor, action="event.created", obj=event)
    event_index(event)
    return event


@transaction.atomic
def event_update(
    *,
    actor: User,
    event: Event,
    topics: Iterable[FocusArea] | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> Event:
    """Change an event. Places cannot drop below those already taken."""
    require(actor, "events.change_event", event)
    now = current_time(now)
    _check_fields(changes)
    event = Event.objects.select_for_update().get(pk=event.pk)
    capacity = changes.get("capacity", event.capacity)
    if capacity is not None and capacity < event.places_taken:
        raise ValidationError(
            {
                "capacity": _(
                    "%(taken)d places are already taken, so the event needs at "
                    "least %(taken)d places. Move people to the waiting list "
                    "first if you need fewer."
                )
                % {"taken": event.places_taken}
            }
        )
    if changes.get("status") == EventStatus.CANCELLED:
        raise ValidationError(_("Use “Cancel event” to cancel an event."))
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("A cancelled event can no longer be changed."))
    changed = [f for f, v in changes.items() if getattr(event, f) != v]
    for field in changed:
        setattr(event, field, changes[field])
    event.full_clean()
    event.save()
    if topics is not None:
        event.topics.set(topics)
    if changed:
        audit_log_record(
            actor=actor,
            action="event.updated",
            obj=event,
            data={"fields": sorted(changed)},
        )
    if "capacity" in changed:
        fill_places(event, now)
    if "starts_at" in changed:
        # Reminders follow the new time, including those already sent for the
        # old one.
        SentReminder.objects.filter(registration__event=event).delete()
    event_index(event)
    return event


@transaction.atomic
def event_cancel(*, actor: User, event: Event, reason: str = "") -> Event:
    """Cancel the event and tell everyone signed up."""
    require(actor, "events.change_event", event)
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == EventStatus.CANCELLED:
        return event
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    audit_log_record(
        actor=actor, action="event.cancelled", obj=event, data={"reason": reason}
    )
    told = Registration.objects.filter(
        event=event, state__in=ACTIVE_STATES - {S.UNCONFIRMED}
    )
    notify(
        kinds.EVENT_CANCELLED,
        get_user_model().objects.filter(
            event_registrations__in=told.filter(user__isnull=False)
        ),
        obj=event,
        context=event_context(event, reason=reason),
        actor=account(actor),
    )
    for registration in told.filter(user__isnull=True).select_related("event"):
        send_to_registration(
            registration,
            template="event_cancelled",
            subject=gettext_noop("Cancelled: %(event)s"),
            context={"reason": reason},
        )
    return event


@transaction.atomic
def event_message_participants(
    *, actor: User, event: Event, subject: str, body: str
) -> int:
    """Send one message to every confirmed participant: a notification to each
    account holder, a mail of their own to each guest. Returns how many people
    it is sent to."""
    require(actor, "events.manage_registrations", event)
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ValidationError(_("Please write a subject and a message."))
    participants = Registration.objects.filter(
        event=event, state__in=[S.CONFIRMED, S.ATTENDED]
    )
    users = list(
        participants.filter(user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    if users:
        notify(
            kinds.ORGANIZER_MESSAGE,
            users,
            obj=event,
            context=event_context(event, subject=subject, body=body),
            actor=account(actor),
        )
    emails = list(
        participants.filter(user__isnull=True)
        .values_list("email", flat=True)
        .distinct()
    )
    for email in emails:
        send_message(event, email, subject, body)
    count = len(users) + len(emails)
    audit_log_record(
        actor=actor,
        action="event.participants_messaged",
        obj=event,
        data={"recipients": count, "subject": subject[:200]},
    )
    return count


@transaction.atomic
def host_grant(*, actor: User, organization: Organization) -> Host:
    require(actor, "events.manage_hosts")
    host, created = Host.objects.get_or_create(
        organization=organization, defaults={"approved_by": account(actor)}
    )
    if created:
        audit_log_record(actor=actor, action="event_host.granted", obj=organization)
    return host


@transaction.atomic
def host_revoke(*, actor: User, organization: Organization) -> None:
    require(actor, "events.manage_hosts")
    if Host.objects.filter(organization=organization).delete()[0]:
        audit_log_record(actor=actor, action="event_host.revoked", obj=organization)


# ``ConsultationSeries.week_of_month`` for "the last such weekday of the month".
LAST_WEEK_OF_MONTH = 6


def series_dates(series: ConsultationSeries, until: date) -> list[date]:
    """The dates of a series from its first date up to ``until``."""
    last = min(d for d in (until, series.last_date) if d is not None)
    dates: list[date] = []
    if series.week_of_month == 0:
        day = series.first_date + timedelta(
            days=(series.weekday - series.first_date.weekday()) % 7
        )
        while day <= last:
            dates.append(day)
            day += timedelta(days=7)
        return dates
    year, month = series.first_date.year, series.first_date.month
    while date(year, month, 1) <= last:
        month_days = calendar.monthrange(year, month)[1]
        if series.week_of_month == LAST_WEEK_OF_MONTH:
            last_weekday = date(year, month, month_days).weekday()
            day_number = month_days - (last_weekday - series.weekday) % 7
        else:
            first_weekday = date(year, month, 1).weekday()
            day_number = (
                1
                + (series.weekday - first_weekday) % 7
                + 7 * (series.week_of_month - 1)
            )
        if day_number <= month_days:
            day = date(year, month, day_number)
            if series.first_date <= day <= last:
                dates.append(day)
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return dates


SERIES_FIELDS = (
    "title_de",
    "title_en",
    "description_de",
    "description_en",
    "weekday",
    "week_of_month",
    "start_time",
    "end_time",
    "slot_minutes",
    "format",
    "online_url",
    "first_date",
    "last_date",
)
# How far ahead the dates of a series are created at a time.
SERIES_MONTHS_AHEAD = 3


def _require_organizer(actor: User, organization: Organization | None) -> None:
    if organization is None:
        require(actor, "events.add_programme_event")
    else:
        require(actor, "events.host_for_organization", organization)


def _calendar_day(value: date | None, name: str) -> date | None:
    """A plain date; a datetime counts only with its time zone, as a local day."""
    if isinstance(value, datetime):
        require_aware(**{name: value})
        return timezone.localdate(value)
    return value


def series_horizon(
    series: ConsultationSeries, *, months: int, now: datetime | None = None
) -> date:
    """The last day to create dates for: ``months`` on from today or the first date."""
    start = max(timezone.localdate(current_time(now)), series.first_date)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) - timedelta(days=1)


@transaction.atomic
def consultation_series_create(
    *,
    actor: User,
    organization: Organization | None = None,
    months: int = SERIES_MONTHS_AHEAD,
    now: datetime | None = None,
    **fields: Any,
) -> tuple[ConsultationSeries, list[Event]]:
    """Create a consultation-hour series and its dates for the next ``months``."""
    _require_organizer(actor, organization)
    unknown = set(fields) - set(SERIES_FIELDS)
    if unknown:
        raise TypeError(f"Unknown series fields: {sorted(unknown)}")
    for name in ("first_date", "last_date"):
        if name in fields:
            fields[name] = _calendar_day(fields[name], name)
    series = ConsultationSeries(organization=organization, **fields)
    series.full_clean()
    series.save()
    audit_log_record(actor=actor, action="consultation_series.created", obj=series)
    until = series_horizon(series, months=months, now=now)
    if not series_dates(series, until):
        raise ValidationError(
            {
                "first_date": _(
                    "No date of this series falls between the first date and "
                    "%(until)s. Please check the weekday, the week of the month "
                    "and the dates."
                )
                % {"until": until.isoformat()}
            }
        )
    return series, consultation_series_generate(actor=actor, series=series, until=until)


def consultation_series_extend(
    *,
    actor: User,
    series: ConsultationSeries,
    months: int = SERIES_MONTHS_AHEAD,
    now: datetime | None = None,
) -> list[Event]:
    """Create the dates of the next ``months`` that do not exist yet."""
    until = series_horizon(series, months=months, now=now)
    return consultation_series_generate(actor=actor, series=series, until=until)


@transaction.atomic
def consultation_series_generate(
    *, actor: User, series: ConsultationSeries, until: date, **fields: Any
) -> list[Event]:
    """Create the occurrences of a series up to ``until``, with their slots.

    Occurrences that exist already are left alone, so this can run again to
    extend a series.
    """
    _require_organizer(actor, series.organization)
    zone = ZoneInfo(settings.TIME_ZONE)
    fields.setdefault("description_de", series.description_de)
    fields.setdefault("description_en", series.description_en)
    created = []
    existing = set(series.occurrences.values_list("starts_at", flat=True))
    for day in series_dates(series, until):
        starts_at = datetime.combine(day, series.start_time, tzinfo=zone)
        ends_at = datetime.combine(day, series.end_time, tzinfo=zone)
        if starts_at in existing:
            continue
        step = timedelta(minutes=series.slot_minutes)
        slot_starts = []
        start = starts_at
        while start + step <= ends_at:
            slot_starts.append(start)
            start += step
        if not slot_starts:
            raise ValidationError(_("The slots do not fit between start and end."))
        event = event_create(
            actor=actor,
            organization=series.organization,
            series=series,
            title_de=series.title_de,
            title_en=series.title_en,
            event_type=EventType.CONSULTATION,
            format=series.format,
            online_url=series.online_url,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=len(slot_starts),
            **fields,
        )
        Slot.objects.bulk_create(
            [Slot(event=event, starts_at=s, ends_at=s + step) for s in slot_starts]
        )
        created.append(event)
    return created


def calendar_token_for(user: User) -> str:
    """The secret of the person's private calendar feed, made on first use."""
    token, _created = CalendarToken.objects.get_or_create(
        user=user,  # type: ignore[misc]
        defaults={"token": secrets.token_urlsafe(32)},
    )
    return token.token


@transaction.atomic
def calendar_token_reset(*, actor: User) -> str:
    """A new feed address; the old one stops working."""
    CalendarToken.objects.filter(user=actor).delete()  # type: ignore[misc]
    audit_log_record(actor=actor, action="calendar_feed.reset")
    return calendar_token_for(actor)
