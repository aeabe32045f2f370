"""Waiting-list offers, their expiry and reminders, driven by a controlled clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from allmende.events.models import Registration, SentReminder
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import registrations as services
from allmende.events.services.reminders import due_reminder, reminders_send
from allmende.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2031, 3, 10, 18, 0, tzinfo=BERLIN)


class Clock:
    """``django.utils.timezone.now`` under the test's control."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> Iterator[Clock]:
    clock = Clock(START - timedelta(days=5))
    cache.clear()
    with mock.patch("django.utils.timezone.now", clock):
        yield clock
    cache.clear()


def _event(**kwargs: object):  # type: ignore[no-untyped-def]
    return EventFactory(
        starts_at=START, ends_at=START + timedelta(hours=2), offer_hours=24, **kwargs
    )


def _guest(event, email: str) -> Registration:  # type: ignore[no-untyped-def]
    """A registration by e-mail alone, confirmed: its messages are mails."""
    registration = services.registration_create(
        event=event, actor=AnonymousUser(), name="Guest", email=email
    )
    return services.registration_confirm(registration=registration)


def _told() -> list[tuple[str, str]]:
    """Who was told what since the last :func:`_forget`: (address, type or
    subject), notifications for account holders and mails for guests."""
    notified = Notification.objects.values_list("recipient__email", "type")
    mailed = [(m.to[0], m.subject) for m in mail.outbox]
    return sorted([*notified, *mailed])


def _forget() -> None:
    mail.outbox.clear()
    Notification.objects.all().delete()


def test_unanswered_offer_expires_and_passes_to_the_next_person(clock: Clock) -> None:
    event = _event(capacity=1)
    first_user = UserFactory()
    first = services.registration_create(event=event, actor=first_user)
    second = services.registration_create(event=event, actor=UserFactory())
    third = services.registration_create(event=event, actor=UserFactory())
    assert [second.state, third.state] == [S.WAITING, S.WAITING]

    services.registration_cancel(registration=first, actor=first_user)
    second.refresh_from_db()
    assert second.state == S.OFFERED
    assert second.offer_expires_at == clock.now + timedelta(hours=24)

    clock.advance(hours=23)
    call_command("run_periodic", "--all")
    second.refresh_from_db()
    assert second.state == S.OFFERED, "still within the offer time"

    clock.advance(hours=2)
    _forget()
    call_command("run_periodic", "--all")
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.state == S.EXPIRED
    assert third.state == S.OFFERED
    assert _told() == sorted(
        [
            (second.email, "events.offer_expired"),
            (third.email, "events.place_offered"),
        ]
    )

    _forget()
    call_command("run_periodic", "--all")
    assert _told() == []
    event.refresh_from_db()
    assert event.places_taken == 1


def test_accepting_an_offer_in_time_confirms_the_place(clock: Clock) -> None:
    event = _event(capacity=1)
    first_user, second_user = UserFactory(), UserFactory()
    first = services.registration_create(event=event, actor=first_user)
    second = services.registration_create(event=event, actor=second_user)
    services.registration_cancel(registration=first, actor=first_user)
    clock.advance(hours=3)
    services.registration_accept_offer(registration=second, actor=second_user)
    second.refresh_from_db()
    assert second.state == S.CONFIRMED


def test_accepting_a_late_offer_is_refused_even_before_the_job_runs(
    clock: Clock,
) -> None:
    from django.core.exceptions import ValidationError

    event = _event(capacity=1)
    first_user, second_user = UserFactory(), UserFactory()
    first = services.registration_create(event=event, actor=first_user)
    second = services.registration_create(event=event, actor=second_user)
    services.registration_cancel(registration=first, actor=first_user)
    clock.advance(hours=25)
    with pytest.raises(ValidationError, match="expired"):
        services.registration_accept_offer(registration=second, actor=second_user)
    second.refresh_from_db()
    assert second.state == S.EXPIRED


def test_reminders_go_out_once_per_person_and_reminder(clock: Clock) -> None:
    event = _event(capacity=5, reminder_minutes=[1440, 60])
    people = [
        services.registration_create(event=event, actor=UserFactory()) for _ in range(2)
    ]
    people.append(_guest(event, "guest@example.org"))
    waiting = _event(capacity=1)
    services.registration_create(event=waiting, actor=UserFactory())

    def reminders() -> list[str]:
        return [
            email
            for email, what in _told()
            if what == "events.reminder" or what.startswith("Reminder")
        ]

    _forget()
    clock.now = START - timedelta(days=2)
    call_command("run_periodic", "--all")
    assert reminders() == []

    clock.now = START - timedelta(hours=23)
    call_command("run_periodic", "--all")
    assert sorted(reminders()) == sorted(
        [p.email for p in people] + [waiting.registrations.get().email]
    )
    assert ("guest@example.org", f"Reminder: {event.title}") in _told()
    _forget()
    call_command("run_periodic", "--all")  # the scheduler runs twice
    clock.advance(minutes=5)
    assert reminders_send() == 0
    assert reminders() == []

    clock.now = START - timedelta(minutes=50)
    call_command("run_periodic", "--all")
    assert len(reminders()) == 4
    _forget()
    call_command("run_periodic", "--all")
    assert reminders() == []
    assert SentReminder.objects.count() == 8


def test_reminder_is_not_sent_to_someone_who_cancelled(clock: Clock) -> None:
    event = _event(capacity=5, reminder_minutes=[60])
    user = UserFactory()
    registration = services.registration_create(event=event, actor=user)
    services.registration_cancel(registration=registration, actor=user)
    clock.now = START - timedelta(minutes=30)
    mail.outbox.clear()
    assert reminders_send() == 0


def test_a_late_scheduler_sends_only_the_reminder_that_fits_now() -> None:
    event = EventFactory.build(starts_at=START, reminder_minutes=[1440, 60])
    assert due_reminder(event, START - timedelta(hours=30)) is None
    assert due_reminder(event, START - timedelta(hours=5)) == 1440
    assert due_reminder(event, START - timedelta(minutes=30)) == 60
    assert due_reminder(event, START) is None


def test_run_periodic_runs_only_due_jobs(clock: Clock) -> None:
    from allmende.core import scheduler

    first = scheduler.run_due()
    assert "events.expire_offers" in first
    assert "events.send_reminders" in first
    assert scheduler.run_due() == []
    clock.advance(minutes=1)
    assert set(scheduler.run_due()) >= {"events.expire_offers"}


def test_beat_schedule_is_built_from_the_registry() -> None:
    from allmende.core import scheduler

    schedule = scheduler.beat_schedule()
    assert schedule["events.send_reminders"]["task"] == "events.send_reminders"
    assert schedule["events.send_reminders"]["schedule"] == 60.0


def test_registration_count_stays_consistent_after_many_changes(
    clock: Clock,
) -> None:
    event = _event(capacity=3)
    users = [UserFactory() for _ in range(8)]
    registrations = [services.registration_create(event=event, actor=u) for u in users]
    for user, registration in list(zip(users, registrations, strict=True))[:4]:
        registration.refresh_from_db()
        services.registration_cancel(registration=registration, actor=user)
    clock.advance(hours=30)
    call_command("run_periodic", "--all")
    event.refresh_from_db()
    holding = Registration.objects.filter(
        event=event, state__in=[S.CONFIRMED, S.OFFERED, S.ATTENDED]
    ).count()
    assert holding == event.places_taken <= event.capacity


def test_scheduler_thread_does_not_start_under_tests() -> None:
    from allmende.core import scheduler

    assert scheduler.start_thread() is False


def test_scheduler_thread_starts_once_in_the_embedded_deployment(
    settings: object,
) -> None:
    from allmende.core import scheduler

    settings.ALLMENDE_TASK_MODE = "thread"  # type: ignore[attr-defined]
    started: list[str] = []

    class FakeThread:
        def __init__(self, *, name: str, **kwargs: object) -> None:
            self.name = name

        def start(self) -> None:
            started.append(self.name)

    with (
        mock.patch.object(scheduler, "_thread", None),
        mock.patch.object(scheduler.threading, "Thread", FakeThread),
    ):
        assert scheduler.start_thread() is True
        assert scheduler.start_thread() is False
    assert started == ["periodic-jobs"]


def test_scheduler_loop_runs_due_jobs_until_stopped() -> None:
    import threading

    from allmende.core import scheduler

    stop = threading.Event()
    calls: list[int] = []

    def fake_run_due() -> list[str]:
        calls.append(1)
        if len(calls) == 2:
            stop.set()
        return []

    with mock.patch.object(scheduler, "run_due", fake_run_due):
        scheduler._loop(stop, lambda seconds: None)
    assert len(calls) == 2


def test_offer_mail_gives_the_deadline_in_the_languages_format(clock: Clock) -> None:
    from django.utils import translation

    event = _event(capacity=1)
    first_user = UserFactory()
    first = services.registration_create(event=event, actor=first_user)
    with translation.override("de"):
        _guest(event, "gast@example.org")
    mail.outbox.clear()
    services.registration_cancel(registration=first, actor=first_user)
    [offer] = [m for m in mail.outbox if "bis" in m.body]
    assert "Bitte nehmen Sie ihn bis 6. März 2031 18:00 an" in offer.body
