"""Reminders before events, each sent exactly once per person and reminder."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from allmende.events import notifications as kinds
from allmende.events.models import Event, EventStatus, Registration, SentReminder
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services.common import current_time
from allmende.events.services.mail import tell_participant


def due_reminder(event: Event, now: datetime) -> int | None:
    """The reminder (minutes before the start) whose time has come, if any.

    Each reminder is due from its moment until the next, shorter one is: with
    reminders a day and an hour before, the day reminder is due from 24 hours
    to 1 hour before the start. A scheduler that was down for a while sends
    the one reminder that fits now rather than all it missed.
    """
    if now >= event.starts_at:
        return None
    offsets = sorted({int(m) for m in event.reminder_minutes or [] if int(m) > 0})
    for index, minutes in enumerate(offsets):
        window_end = event.starts_at - timedelta(
            minutes=offsets[index - 1] if index else 0
        )
        if event.starts_at - timedelta(minutes=minutes) <= now < window_end:
            return minutes
    return None


def reminders_send(*, now: datetime | None = None) -> int:
    """Send the reminders that are due. Safe to run any number of times.

    The :class:`SentReminder` row is written in the same transaction that
    queues the mail; its unique constraint lets only one run (or worker) win.
    """
    now = current_time(now)
    longest = max(
        [0]
        + [
            int(m)
            for minutes in Event.objects.filter(
                status=EventStatus.PUBLISHED, starts_at__gt=now
            )
            .values_list("reminder_minutes", flat=True)
            .distinct()
            for m in (minutes or [])
        ]
    )
    if not longest:
        return 0
    events = Event.objects.filter(
        status=EventStatus.PUBLISHED,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(minutes=longest),
    )
    sent = 0
    for event in events:
        minutes = due_reminder(event, now)
        if minutes is None:
            continue
        registrations = (
            Registration.objects.filter(event=event, state=S.CONFIRMED)
            .exclude(reminders__minutes_before=minutes)
            .select_related("event", "slot")
        )
        for registration in registrations:
            try:
                with transaction.atomic():
                    SentReminder.objects.create(
                        registration=registration,
                        minutes_before=minutes,
                        sent_at=now,
                    )
                    tell_participant(
                        registration,
                        kinds.REMINDER,
                        template="reminder",
                        subject=gettext_noop("Reminder: %(event)s"),
                    )
            except IntegrityError:
                continue
            sent += 1
    return sent
