"""Notification e-mails: the wait, quiet hours, summaries, exactly once."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils.translation import gettext_lazy as _

from allmende.accounts.models import User
from allmende.notifications import delivery, registry
from allmende.notifications.delivery import (
    MAX_ATTEMPTS,
    STALE_CLAIM,
    digest_period,
    digests_send,
    immediate_mails_send,
    in_quiet_hours,
    mails_plan,
)
from allmende.notifications.models import (
    MailCursor,
    MailKind,
    Notification,
    NotificationMail,
    NotificationPreferences,
    NotificationSetting,
)
from allmende.notifications.registry import Channel, NotificationType
from allmende.notifications.services import notification_settings_save
from allmende.notifications.unsubscribe import notification_emails_unsubscribe
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday.
MONDAY_7 = datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)

AT_ONCE = NotificationType(
    key="tests.mail_at_once",
    module=_("Organizations"),
    label=_("Organization verified"),
    description=_("When staff verify an organization you administer."),
    message="%(what)s happened",
    default=Channel.IMMEDIATE,
)
DIGESTED = NotificationType(
    key="tests.mail_digested",
    module=_("Organizations"),
    label=_("Organization verified"),
    description=_("When staff verify an organization you administer."),
    message="%(what)s in the summary",
    default=Channel.DAILY,
)
MUST = NotificationType(
    key="tests.mail_mandatory",
    module=_("Organizations"),
    label=_("Organization verified"),
    description=_("When staff verify an organization you administer."),
    message="%(what)s must reach you",
    default=Channel.IMMEDIATE,
    mandatory=True,
)


@pytest.fixture(autouse=True)
def mail_types(settings: Any) -> Iterator[None]:
    settings.ALLMENDE_NOTIFY_EMAIL_DELAY_SECONDS = 120
    settings.ALLMENDE_NOTIFY_DIGEST_TIME = "07:00"
    settings.ALLMENDE_NOTIFY_DIGEST_WEEKDAY = "monday"
    settings.SITE_URL = "https://allmende.example.org"
    for kind in (AT_ONCE, DIGESTED, MUST):
        registry.register(kind)
    yield
    for kind in (AT_ONCE, DIGESTED, MUST):
        registry._registry.pop(kind.key, None)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A clock the test moves: ``frozen.now = ...``."""

    class Clock:
        now = MONDAY_7

    clock = Clock()
    monkeypatch.setattr(delivery, "clock", lambda: clock.now)
    return clock


def _note(
    user: User,
    *,
    at: datetime,
    kind: NotificationType = AT_ONCE,
    what: str = "Something",
    channel: str | None = None,
) -> Notification:
    return Notification.objects.create(
        recipient=user,
        type=kind.key,
        channel=channel or kind.default,
        context={"what": what},
        url="/organizations/",
        created_at=at,
    )


def _sent_to(user: User) -> list[EmailMessage]:
    return [m for m in mail.outbox if m.to == [user.email]]


# --- immediate mails -------------------------------------------------------


def test_immediate_mail_waits_for_the_delay_and_goes_once(
    user: User, frozen: Any
) -> None:
    _note(user, at=MONDAY_7)
    frozen.now = MONDAY_7 + timedelta(seconds=60)
    assert immediate_mails_send() == 0
    frozen.now = MONDAY_7 + timedelta(seconds=121)
    assert immediate_mails_send() == 1
    assert immediate_mails_send() == 0
    [sent] = _sent_to(user)
    assert sent.subject == "Allmende: Something happened"
    assert "https://allmende.example.org/organizations/" in sent.body


def test_immediate_mail_of_a_multi_line_message_has_a_one_line_subject(
    user: User, frozen: Any
) -> None:
    _note(user, at=MONDAY_7, what="Room changed.\r\nPlease  bring\nyour ID")
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    assert immediate_mails_send() == 1
    [sent] = _sent_to(user)
    assert sent.subject == "Allmende: Room changed. Please bring your ID happened"
    assert NotificationMail.objects.get().state == NotificationMail.State.SENT


def test_immediate_mail_is_dropped_when_read_in_the_app(
    user: User, frozen: Any
) -> None:
    first = _note(user, at=MONDAY_7)
    Notification.objects.filter(pk=first.pk).update(read_at=MONDAY_7)
    frozen.now = MONDAY_7 + timedelta(minutes=5)
    assert immediate_mails_send() == 0
    # Read between planning and sending: the planned mail is not sent.
    second = _note(user, at=frozen.now)
    frozen.now += timedelta(minutes=5)
    mails_plan(MailKind.IMMEDIATE, now=frozen.now, cutoff=frozen.now)
    Notification.objects.filter(pk=second.pk).update(read_at=frozen.now)
    assert immediate_mails_send() == 0
    assert mail.outbox == []
    assert NotificationMail.objects.get().state == NotificationMail.State.DROPPED


def test_mandatory_mail_goes_even_when_read_in_the_app(user: User, frozen: Any) -> None:
    # Viewing the page (the redirect after registering) marks both read
    # before the delay is over: the optional one is dropped, the mandatory
    # one is still mailed.
    optional = _note(user, at=MONDAY_7, what="Optional")
    mandatory = _note(user, at=MONDAY_7, kind=MUST, what="Confirmed")
    Notification.objects.filter(pk__in=[optional.pk, mandatory.pk]).update(
        read_at=MONDAY_7 + timedelta(seconds=5)
    )
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    assert immediate_mails_send() == 1
    [sent] = _sent_to(user)
    assert "Confirmed must reach you" in sent.body
    assert "Optional happened" not in sent.body
    # Read between planning and sending: still sent.
    late = _note(user, at=frozen.now, kind=MUST, what="Decided")
    frozen.now += timedelta(minutes=5)
    mails_plan(MailKind.IMMEDIATE, now=frozen.now, cutoff=frozen.now)
    Notification.objects.filter(pk=late.pk).update(read_at=frozen.now)
    assert immediate_mails_send() == 1
    assert "Decided must reach you" in _sent_to(user)[-1].body


def test_mandatory_digest_item_goes_even_when_read(user: User, frozen: Any) -> None:
    NotificationSetting.objects.create(user=user, type=MUST.key, channel="daily")
    note = _note(user, at=MONDAY_7 - timedelta(hours=3), kind=MUST, channel="daily")
    Notification.objects.filter(pk=note.pk).update(read_at=MONDAY_7)
    frozen.now = MONDAY_7 + timedelta(minutes=1)
    assert digests_send() == 1
    [sent] = _sent_to(user)
    assert "Something must reach you" in sent.body


def test_unsubscribing_keeps_waiting_notifications_from_being_mailed(
    user: User, frozen: Any
) -> None:
    planned = _note(user, at=MONDAY_7, what="Planned")
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    mails_plan(MailKind.IMMEDIATE, now=frozen.now, cutoff=frozen.now)
    waiting = _note(user, at=frozen.now, what="Waiting")
    kept = _note(user, at=frozen.now, kind=DIGESTED, what="Kept")
    other = UserFactory()
    elsewhere = _note(other, at=frozen.now, what="Elsewhere")
    notification_emails_unsubscribe(actor=user, kinds=[AT_ONCE])
    channels = dict(Notification.objects.values_list("pk", "channel"))
    assert channels[planned.pk] == channels[waiting.pk] == Channel.APP
    assert channels[kept.pk] == Channel.DAILY
    assert channels[elsewhere.pk] == Channel.IMMEDIATE
    frozen.now += timedelta(hours=1)
    assert immediate_mails_send() == 1
    assert _sent_to(user) == []
    assert NotificationMail.objects.get(user=user).state == "dropped"


def test_settings_switched_to_the_app_keep_waiting_notifications_unmailed(
    user: User, frozen: Any
) -> None:
    _note(user, at=MONDAY_7, what="Waiting")
    must = _note(user, at=MONDAY_7, kind=MUST, what="Waiting too")
    notification_settings_save(
        actor=user,
        channels={AT_ONCE.key: Channel.APP, MUST.key: Channel.IMMEDIATE},
        quiet_from=None,
        quiet_until=None,
    )
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    assert immediate_mails_send() == 1
    [sent] = _sent_to(user)
    assert "Waiting too must reach you" in sent.body
    assert "Waiting happened" not in sent.body
    assert Notification.objects.get(pk=must.pk).channel == Channel.IMMEDIATE


def test_notifications_waiting_together_become_one_mail(
    user: User, frozen: Any
) -> None:
    other = UserFactory()
    _note(user, at=MONDAY_7, what="First")
    _note(user, at=MONDAY_7 + timedelta(seconds=20), what="Second")
    _note(other, at=MONDAY_7, what="Elsewhere")
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    assert immediate_mails_send() == 2
    [sent] = _sent_to(user)
    assert sent.subject == "Allmende: 2 new notifications"
    assert "First happened" in sent.body
    assert "Second happened" in sent.body
    assert "Elsewhere" not in sent.body


def test_quiet_hours_hold_immediate_mails_until_they_end(
    user: User, frozen: Any
) -> None:
    NotificationPreferences.objects.create(
        user=user, quiet_from=time(22, 0), quiet_until=time(7, 0)
    )
    late = datetime(2026, 11, 30, 23, 30, tzinfo=BERLIN)
    _note(user, at=late)
    frozen.now = late + timedelta(minutes=10)
    assert immediate_mails_send() == 0
    frozen.now = datetime(2026, 12, 1, 6, 59, tzinfo=BERLIN)
    assert immediate_mails_send() == 0
    frozen.now = datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN)
    assert immediate_mails_send() == 1


@pytest.mark.parametrize(
    ("start", "end", "moment", "quiet"),
    [
        (time(22), time(7), time(23, 59), True),
        (time(22), time(7), time(0, 30), True),
        (time(22), time(7), time(7, 0), False),
        (time(22), time(7), time(12, 0), False),
        (time(12), time(14), time(13, 0), True),
        (time(12), time(14), time(14, 0), False),
        (time(12), time(14), time(11, 59), False),
    ],
)
def test_quiet_hours_may_cross_midnight(
    start: time, end: time, moment: time, quiet: bool
) -> None:
    preferences = NotificationPreferences(quiet_from=start, quiet_until=end)
    now = datetime.combine(MONDAY_7.date(), moment, tzinfo=BERLIN)
    assert in_quiet_hours(preferences, now) is quiet


# --- summaries -------------------------------------------------------------


def test_digest_period_is_the_latest_one_due() -> None:
    before = MONDAY_7 - timedelta(minutes=1)
    assert digest_period(MailKind.DAILY, before).isoformat() == "2026-11-29"
    assert digest_period(MailKind.DAILY, MONDAY_7).isoformat() == "2026-11-30"
    assert digest_period(MailKind.WEEKLY, before).isoformat() == "2026-11-23"
    assert digest_period(MailKind.WEEKLY, MONDAY_7).isoformat() == "2026-11-30"
    friday = MONDAY_7 + timedelta(days=4)
    assert digest_period(MailKind.WEEKLY, friday).isoformat() == "2026-11-30"


def test_daily_digest_goes_once_per_period_and_keeps_its_place(
    user: User, frozen: Any
) -> None:
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=5), what="Early")
    read = _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=4), what="Seen")
    Notification.objects.filter(pk=read.pk).update(read_at=MONDAY_7)
    # Younger than the safety margin when the job runs: goes tomorrow.
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(seconds=20), what="Edge")
    frozen.now = MONDAY_7 + timedelta(seconds=10)
    assert digests_send() == 1
    frozen.now = MONDAY_7 + timedelta(minutes=1)
    assert digests_send() == 0  # the job again, the same period
    [sent] = _sent_to(user)
    assert sent.subject == "Allmende: your daily summary"
    assert "Early in the summary" in sent.body
    assert "Seen" not in sent.body
    assert "Edge" not in sent.body

    _note(user, kind=DIGESTED, at=MONDAY_7 + timedelta(hours=3), what="Later")
    frozen.now = MONDAY_7 + timedelta(hours=5)
    assert digests_send() == 0
    # A day late, and run twice: the missed summary goes once, with both.
    frozen.now = MONDAY_7 + timedelta(days=2, hours=1)
    assert digests_send() == 1
    assert digests_send() == 0
    latest = _sent_to(user)[-1]
    assert len(_sent_to(user)) == 2
    assert "Edge in the summary" in latest.body
    assert "Later in the summary" in latest.body
    assert "Early" not in latest.body


def test_weekly_digest_collects_the_weekly_channel_only(
    user: User, frozen: Any
) -> None:
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(days=3), channel="weekly")
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(days=3), what="Daily")
    frozen.now = MONDAY_7 + timedelta(minutes=2)
    assert digests_send() == 2
    subjects = sorted(m.subject for m in _sent_to(user))
    assert subjects == ["Allmende: your daily summary", "Allmende: your weekly summary"]


def test_digest_is_written_in_the_platform_language(
    user: User, frozen: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "de"
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=1))
    frozen.now = MONDAY_7 + timedelta(minutes=2)
    digests_send()
    [sent] = _sent_to(user)
    assert sent.subject == "Allmende: Ihre tägliche Zusammenfassung"
    assert "Benachrichtigungseinstellungen" in sent.body


def test_digest_is_written_in_the_persons_own_language(
    user: User, frozen: Any, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "de"
    user.language = "en"
    user.save(update_fields=["language"])
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=1))
    frozen.now = MONDAY_7 + timedelta(minutes=2)
    digests_send()
    [sent] = _sent_to(user)
    assert sent.subject == "Allmende: your daily summary"


# --- the mail itself ---------------------------------------------------------


def test_mail_has_text_and_html_and_the_headers(user: User, frozen: Any) -> None:
    _note(user, at=MONDAY_7, what="<b>Bold</b>")
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    immediate_mails_send()
    [sent] = _sent_to(user)
    wire = sent.message()
    assert wire["Auto-Submitted"] == "auto-generated"
    assert wire["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert wire["List-Unsubscribe"].startswith(
        "<https://allmende.example.org/notifications/unsubscribe/"
    )
    [(html, mimetype)] = sent.alternatives  # type: ignore[attr-defined]
    assert mimetype == "text/html"
    assert "&lt;b&gt;Bold&lt;/b&gt; happened" in html
    assert "<img" not in html
    assert '<html lang="en">' in html
    assert "<b>Bold</b> happened" in sent.body


def test_mandatory_mail_offers_no_unsubscribe(user: User, frozen: Any) -> None:
    _note(user, kind=MUST, at=MONDAY_7)
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    immediate_mails_send()
    [sent] = _sent_to(user)
    assert "List-Unsubscribe" not in sent.message()
    assert "/notifications/unsubscribe/" not in sent.body


# --- failures and interruptions ---------------------------------------------


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        raise OSError("mail server unreachable")


def test_failing_mail_is_retried_then_recorded_as_failed(
    user: User, frozen: Any, settings: Any
) -> None:
    settings.ALLMENDE_EMAIL_DELIVERY_BACKEND = f"{__name__}.FailingBackend"
    _note(user, at=MONDAY_7)
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    assert immediate_mails_send() == 0
    row = NotificationMail.objects.get()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "unreachable" in row.error
    for _attempt in range(MAX_ATTEMPTS):
        frozen.now += timedelta(hours=1)
        immediate_mails_send()
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    # Mail works again: a later failure-free run still sends nothing twice,
    # and a failed row is not taken up again by itself.
    settings.ALLMENDE_EMAIL_DELIVERY_BACKEND = (
        "django.core.mail.backends.locmem.EmailBackend"
    )
    frozen.now += timedelta(hours=1)
    assert immediate_mails_send() == 0
    assert mail.outbox == []


class WatchingBackend(BaseEmailBackend):
    """Records connections, and whether a second run could claim a mail now."""

    opened = 0
    closed = 0
    reclaimable: list[int] = []

    def open(self) -> bool:
        type(self).opened += 1
        return True

    def close(self) -> None:
        type(self).closed += 1

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        now = delivery.clock()
        type(self).reclaimable.append(
            NotificationMail.objects.filter(delivery._open(now)).count()
        )
        return len(email_messages)


def test_claim_counts_from_the_moment_of_claiming_and_shares_a_connection(
    frozen: Any, settings: Any
) -> None:
    settings.ALLMENDE_EMAIL_DELIVERY_BACKEND = f"{__name__}.WatchingBackend"
    WatchingBackend.opened = WatchingBackend.closed = 0
    WatchingBackend.reclaimable = []
    people = UserFactory.create_batch(3)
    for person in people:
        _note(person, at=MONDAY_7)
    start = MONDAY_7 + timedelta(minutes=3)
    assert mails_plan(MailKind.IMMEDIATE, now=start, cutoff=start) == 3
    # A long run reaches this batch well after it started.
    frozen.now = start + STALE_CLAIM + timedelta(minutes=5)
    ids = list(NotificationMail.objects.values_list("pk", flat=True))
    assert delivery.mails_send(mail_ids=ids, now=start) == 3
    assert WatchingBackend.reclaimable == [0, 0, 0]
    assert set(NotificationMail.objects.values_list("claimed_at", flat=True)) == {
        frozen.now
    }
    assert (WatchingBackend.opened, WatchingBackend.closed) == (1, 1)


def test_run_killed_after_planning_or_claiming_sends_once_later(
    user: User, frozen: Any
) -> None:
    _note(user, at=MONDAY_7)
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    # Killed after planning: the next run sends.
    assert mails_plan(MailKind.IMMEDIATE, now=frozen.now, cutoff=frozen.now) == 1
    # Killed after claiming: the row stays "sending" until the claim is stale.
    NotificationMail.objects.update(state="sending", claimed_at=frozen.now)
    frozen.now += timedelta(minutes=1)
    assert immediate_mails_send() == 0
    frozen.now += STALE_CLAIM
    assert immediate_mails_send() == 1
    assert immediate_mails_send() == 0
    assert len(_sent_to(user)) == 1
    assert MailCursor.objects.get(user=user).last_id == Notification.objects.get().pk


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_every_mail_exactly_once(frozen: Any) -> None:
    people = UserFactory.create_batch(40)
    for person in people:
        _note(person, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=2))
        _note(person, at=MONDAY_7 - timedelta(hours=2))
    frozen.now = MONDAY_7 + timedelta(minutes=1)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(job: Any) -> None:
        try:
            start.wait(timeout=10)
            job()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    jobs = (digests_send, digests_send, immediate_mails_send, immediate_mails_send)
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    for person in people:
        subjects = sorted(m.subject for m in _sent_to(person))
        assert subjects == [
            "Allmende: Something happened",
            "Allmende: your daily summary",
        ]
    assert NotificationMail.objects.filter(state="sent").count() == 80


def test_digest_footer_links_each_type_and_the_header_switches_them_off(
    user: User, frozen: Any
) -> None:
    from django.test import Client

    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=2))
    _note(user, kind=AT_ONCE, at=MONDAY_7 - timedelta(hours=2), channel="daily")
    _note(user, kind=MUST, at=MONDAY_7 - timedelta(hours=2), channel="daily")
    frozen.now = MONDAY_7 + timedelta(minutes=2)
    digests_send()
    [sent] = _sent_to(user)
    footer_links = re.findall(r"No more e-mails about .*: (\S+)", sent.body)
    assert len(footer_links) == 2  # not for the mandatory type
    assert "Choose what reaches you and when:" in sent.body
    header = sent.message()["List-Unsubscribe"].strip("<>")
    path = header.removeprefix("https://allmende.example.org")
    assert Client().get(path).status_code == 200
    assert not NotificationSetting.objects.filter(user=user).exists()
    Client().post(path, "List-Unsubscribe=One-Click", content_type="text/plain")
    assert dict(
        NotificationSetting.objects.filter(user=user).values_list("type", "channel")
    ) == {AT_ONCE.key: "app", DIGESTED.key: "app"}


def test_scheduler_runs_the_mail_jobs_every_minute(user: User, frozen: Any) -> None:
    from django.core.management import call_command

    from allmende.core import scheduler

    intervals = {job.name: job.interval for job in scheduler.jobs()}
    assert intervals["notifications.send_immediate_mails"] == timedelta(minutes=1)
    assert intervals["notifications.send_digests"] == timedelta(minutes=1)
    _note(user, at=MONDAY_7)
    _note(user, kind=DIGESTED, at=MONDAY_7 - timedelta(hours=3))
    frozen.now = MONDAY_7 + timedelta(minutes=3)
    call_command("run_periodic", "--all")
    call_command("run_periodic", "--all")
    assert sorted(m.subject for m in _sent_to(user)) == [
        "Allmende: Something happened",
        "Allmende: your daily summary",
    ]
