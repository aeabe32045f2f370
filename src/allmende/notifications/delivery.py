"""Notifications by e-mail: immediate mails, daily and weekly summaries.

Two periodic jobs (``tasks.py``) call :func:`immediate_mails_send` and
:func:`digests_send` every minute. Each works in two steps:

*planning* writes one :class:`NotificationMail` (the outbox row) per person
with the notifications it will carry, and moves that person's
:class:`MailCursor` past them, in one transaction. The cursors of a batch of
people are locked (``SELECT … FOR UPDATE``; SQLite's IMMEDIATE transactions
lock the whole database), so a second run at the same time waits and then
finds the cursors moved on. A summary's key is its period (the day, or the
Monday of the week), unique per person and kind, so a summary goes out once per
period however often the job runs;

*sending* claims open outbox rows by compare-and-set (``pending`` →
``sending``, with a claim token), renders and hands each to
:func:`allmende.core.mail.deliver`, and records ``sent``; a failure goes back to
``pending`` with a later ``next_attempt_at``, until ``MAX_ATTEMPTS`` make it
``failed``. A run killed after claiming leaves rows ``sending``; they are
claimed again after ``STALE_CLAIM``. Only a run killed between the mail server
accepting a message and the ``sent`` update can send that one message twice,
which no sender can rule out without the mail server's help.

Immediate mails wait ``ALLMENDE_NOTIFY_EMAIL_DELAY_SECONDS`` after the
notification, are not planned while the person has quiet hours, and go out
without the optional notifications read in the app meanwhile (none left: no
mail); mandatory ones are mailed even when read.
Everything waiting for one person goes out together as one mail.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from allmende.core.mail import deliver
from allmende.core.site import site_url
from allmende.notifications import registry
from allmende.notifications.models import (
    MailCursor,
    MailKind,
    Notification,
    NotificationMail,
    NotificationPreferences,
)
from allmende.notifications.unsubscribe import settings_url, unsubscribe_url

if TYPE_CHECKING:
    from allmende.accounts.models import User

logger = logging.getLogger(__name__)

BATCH = 500
SEND_BATCH = 100
MAX_ATTEMPTS = 5
STALE_CLAIM = timedelta(minutes=15)
MAX_ITEMS = 50
SAFETY_MARGIN = timedelta(minutes=1)
"""How old a notification must be before a mail takes it.

The cursors move by id, and ids are handed out when a row is inserted, not
when it commits: a fan-out that inserts in several batches, or two fan-outs
at once, can make id 10 visible before id 9. A run that took 10 and moved the
cursor past 9 would skip 9 for good. So planning takes each person's mailable
notifications in id order and stops at the first one younger than this
margin; it assumes that a notification commits within half of it after its
``created_at`` (``notify_now`` sets it just before its inserts, which commit
within seconds), which makes every smaller id visible by then.
"""

State = NotificationMail.State
WEEKDAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
]


def clock() -> datetime:
    """The current time; the one place the mail jobs read it (tests move it)."""
    return timezone.now()


# --- when ----------------------------------------------------------------


def in_quiet_hours(preferences: NotificationPreferences | None, now: datetime) -> bool:
    """Whether ``now`` lies in the person's quiet hours (platform time zone).

    A window whose end is before its start crosses midnight (22:00–07:00).
    """
    if preferences is None or preferences.quiet_from is None:
        return False
    start, end = preferences.quiet_from, preferences.quiet_until
    if end is None or start == end:
        return False
    moment = timezone.localtime(now).time()
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def _digest_time() -> time:
    hours, _sep, minutes = str(settings.ALLMENDE_NOTIFY_DIGEST_TIME).partition(":")
    return time(int(hours), int(minutes or 0))


def _digest_weekday() -> int:
    value = str(settings.ALLMENDE_NOTIFY_DIGEST_WEEKDAY).strip().lower()
    if value.isdigit():
        return (int(value) - 1) % 7  # ISO: 1 is Monday
    return WEEKDAYS.index(value)


def digest_period(kind: str, now: datetime) -> date:
    """The day of the latest summary of ``kind`` due at ``now``.

    The daily summary is due every day at ``ALLMENDE_NOTIFY_DIGEST_TIME``, the
    weekly one on ``ALLMENDE_NOTIFY_DIGEST_WEEKDAY`` at that time, both in the
    platform's time zone. A run after a pause still sends the summary it
    missed (under the period it missed), never two for one period.
    """
    local = timezone.localtime(now)
    before_time = local.time() < _digest_time()
    if kind == MailKind.DAILY:
        return local.date() - timedelta(days=1 if before_time else 0)
    back = (local.weekday() - _digest_weekday()) % 7
    if back == 0 and before_time:
        back = 7
    return local.date() - timedelta(days=back)


# --- planning --------------------------------------------------------------


def _batches(items: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _mailable() -> Q:
    """The notifications a mail still carries: unread ones, and mandatory
    ones even when read (a page view marks them read, which must not keep
    the mail about a registration or a decision from going out)."""
    mandatory = [kind.key for kind in registry.types() if kind.mandatory]
    return Q(read_at__isnull=True) | Q(type__in=mandatory)


def _waiting(kind: str, cutoff: datetime) -> Any:
    """People with notifications of ``kind`` to mail after their cursor."""
    return (
        Notification.objects.filter(_mailable(), channel=kind, created_at__lte=cutoff)
        .filter(
            ~Exists(
                MailCursor.objects.filter(
                    user=OuterRef("recipient"), kind=kind, last_id__gte=OuterRef("pk")
                )
            )
        )
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def mails_plan(
    kind: str, *, now: datetime, cutoff: datetime, key: str | None = None
) -> int:
    """Write the outbox rows of ``kind`` for everyone with something waiting.

    ``key`` is the period of a summary; immediate mails are keyed by the ids
    they carry. Returns how many rows were written.
    """
    waiting = _waiting(kind, cutoff)
    if key is not None:
        waiting = waiting.filter(
            ~Exists(
                NotificationMail.objects.filter(
                    user=OuterRef("recipient"), kind=kind, key=key
                )
            )
        )
    people = list(waiting)
    planned = 0
    for batch in _batches(people, BATCH):
        planned += _plan_batch(kind, batch, now=now, cutoff=cutoff, key=key)
    return planned


def _plan_batch(
    kind: str, user_ids: list[int], *, now: datetime, cutoff: datetime, key: str | None
) -> int:
    if kind == MailKind.IMMEDIATE:
        preferences = NotificationPreferences.objects.filter(
            user_id__in=user_ids, quiet_from__isnull=False
        ).in_bulk()
        user_ids = [u for u in user_ids if not in_quiet_hours(preferences.get(u), now)]
        if not user_ids:
            return 0
    MailCursor.objects.bulk_create(
        [MailCursor(user_id=user_id, kind=kind) for user_id in user_ids],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        # Locked in one order, so two runs never wait for each other in a circle.
        cursors = {
            cursor.user_id: cursor
            for cursor in MailCursor.objects.select_for_update()
            .filter(kind=kind, user_id__in=user_ids)
            .order_by("user_id")
        }
        done: set[int] = set()
        if key is not None:
            done = set(
                NotificationMail.objects.filter(
                    kind=kind, key=key, user_id__in=user_ids
                ).values_list("user_id", flat=True)
            )
        lowest = min(cursor.last_id for cursor in cursors.values())
        rows = (
            Notification.objects.filter(
                _mailable(), recipient_id__in=user_ids, channel=kind, pk__gt=lowest
            )
            .order_by("recipient_id", "pk")
            .values_list("pk", "recipient_id", "created_at")
        )
        taken: dict[int, list[int]] = {}
        stopped: set[int] = set()
        for pk, user_id, created_at in rows.iterator(chunk_size=2000):
            if user_id in stopped or user_id in done:
                continue
            if pk <= cursors[user_id].last_id:
                continue
            if created_at > cutoff:
                stopped.add(user_id)  # see SAFETY_MARGIN
                continue
            taken.setdefault(user_id, []).append(pk)
        mails = [
            NotificationMail(
                user_id=user_id,
                kind=kind,
                key=key or f"{ids[0]}-{ids[-1]}",
                notification_ids=ids,
                created_at=now,
                next_attempt_at=now,
            )
            for user_id, ids in taken.items()
        ]
        NotificationMail.objects.bulk_create(mails, batch_size=BATCH)
        moved = []
        for user_id, ids in taken.items():
            cursors[user_id].last_id = ids[-1]
            moved.append(cursors[user_id])
        MailCursor.objects.bulk_update(moved, ["last_id"], batch_size=BATCH)
    return len(mails)


# --- sending ---------------------------------------------------------------


def _open(now: datetime) -> Q:
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_at__lt=now - STALE_CLAIM
    )


def mails_deliver(*, now: datetime, kind: str | None = None) -> int:
    """Send every open outbox row (of ``kind``); returns how many were sent."""
    open_rows = NotificationMail.objects.filter(_open(now))
    if kind is not None:
        open_rows = open_rows.filter(kind=kind)
    ids = list(open_rows.order_by("pk").values_list("pk", flat=True))
    sent = 0
    for batch in _batches(ids, SEND_BATCH):
        sent += mails_send(mail_ids=batch, now=now)
    return sent


def mails_send(*, mail_ids: Sequence[int], now: datetime) -> int:
    """Claim the given outbox rows that are still open and send them.

    Rows another run has claimed (or sent) meanwhile are left alone: the
    claim is one ``UPDATE … WHERE`` state is still open.
    """
    claim = uuid.uuid4().hex
    # The claim's age counts from now, not from the job's start: a long run
    # would otherwise make its late claims stale at once for a second run.
    NotificationMail.objects.filter(pk__in=mail_ids).filter(_open(now)).update(
        state=State.SENDING,
        claim=claim,
        claimed_at=clock(),
        attempts=F("attempts") + 1,
    )
    mails = list(
        NotificationMail.objects.filter(
            pk__in=mail_ids, claim=claim, state=State.SENDING
        ).select_related("user")
    )
    if not mails:
        return 0
    wanted = {pk for mail in mails for pk in mail.notification_ids}
    mailable = Notification.objects.filter(_mailable(), pk__in=wanted).in_bulk()
    backend = get_connection(settings.ALLMENDE_EMAIL_DELIVERY_BACKEND)
    try:
        # One connection to the mail server for the batch, not one per mail.
        backend.open()
    except Exception:
        logger.exception("Could not connect to the mail server")
    try:
        with _commit_without_waiting():
            return _send_claimed(mails, mailable, claim, backend, now)
    finally:
        try:
            backend.close()
        except Exception:  # the mails' states are recorded already
            logger.exception("Could not close the connection to the mail server")


@contextmanager
def _commit_without_waiting() -> Iterator[None]:
    """On PostgreSQL, let each "sent" mark commit without waiting for the disk.

    Every mail's state is committed on its own, right after the mail server
    took it, so a killed job leaves at most one mail unrecorded; waiting for
    the disk at each of these commits made the summary job several times
    slower. A killed job loses nothing this way (the commits have happened);
    only a crash of the database server itself could lose the last moment's
    marks, and those mails would be sent again.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _send_claimed(
    mails: list[NotificationMail],
    mailable: dict[int, Notification],
    claim: str,
    backend: Any,
    now: datetime,
) -> int:
    sent = 0
    for mail in mails:
        # An item moved to another channel since planning (e-mail switched
        # off for its type) is left out.
        items = [
            mailable[pk]
            for pk in mail.notification_ids
            if pk in mailable and mailable[pk].channel == mail.kind
        ]
        if not items or not mail.user.is_active or not mail.user.email:
            _finish(mail, claim, state=State.DROPPED)
            continue
        try:
            message = mail_message(mail, items)
            delivered = deliver([message], connection=backend)
        except Exception as exc:
            logger.exception("Notification mail %s failed", mail.pk)
            _failed(mail, claim, exc, now)
            continue
        if delivered:
            _finish(mail, claim, state=State.SENT, sent_at=timezone.now())
            sent += 1
        else:  # the address is marked undeliverable
            _finish(mail, claim, state=State.DROPPED)
    return sent


def _finish(mail: NotificationMail, claim: str, **changes: Any) -> None:
    NotificationMail.objects.filter(pk=mail.pk, claim=claim).update(**changes)


def _failed(mail: NotificationMail, claim: str, exc: Exception, now: datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if mail.attempts >= MAX_ATTEMPTS:
        _finish(mail, claim, state=State.FAILED, error=error)
        logger.error("Notification mail %s failed for good: %s", mail.pk, error)
        return
    wait = timedelta(minutes=2 ** (mail.attempts - 1))
    _finish(mail, claim, state=State.PENDING, error=error, next_attempt_at=now + wait)


# --- the mail itself ------------------------------------------------------


def recipient_language(user: User) -> str:
    """The language mail to ``user`` is written in: the account's own
    language when it is one the platform offers, else the platform's."""
    known = {code for code, _name in settings.LANGUAGES}
    language = (user.language or "")[:2]
    return language if language in known else str(settings.LANGUAGE_CODE)


@dataclass(frozen=True)
class _Item:
    message: str
    url: str
    created_at: datetime
    type_label: str


@dataclass(frozen=True)
class _TypeLink:
    label: str
    url: str


def mail_message(
    mail: NotificationMail, notifications: Sequence[Notification]
) -> EmailMultiAlternatives:
    """The e-mail of one outbox row, in the recipient's language."""
    user = mail.user
    origin = site_url()
    keys = list(dict.fromkeys(n.type for n in notifications))
    kinds = [k for k in (registry.get(key) for key in keys) if k is not None]
    optional = [k.key for k in kinds if not k.mandatory]
    language = recipient_language(user)
    with translation.override(language):
        items = [
            _Item(
                message=n.message,
                url=origin + n.url if n.url.startswith("/") else n.url,
                created_at=n.created_at,
                type_label=str(n.notification_type.label)
                if n.notification_type
                else "",
            )
            for n in notifications[:MAX_ITEMS]
        ]
        links = [
            _TypeLink(
                label=str(k.label), url=unsubscribe_url(user_id=user.pk, keys=[k.key])
            )
            for k in kinds
            if not k.mandatory
        ]
        subject = _subject(mail.kind, items, len(notifications))
        context = {
            "user": user,
            "kind": mail.kind,
            "language": language,
            "items": items,
            "more": max(0, len(notifications) - MAX_ITEMS),
            "unsubscribe_links": links,
            "settings_url": settings_url(),
            "site_name": settings.SITE_NAME,
            "site_url": origin,
            "subject": subject,
        }
        text = render_to_string("notifications/email/mail.txt", context)
        html = render_to_string("notifications/email/mail.html", context)
        files = _attachments(notifications[:MAX_ITEMS])
    headers = {}
    if optional:
        # A mail about one type reuses the footer's link for the header.
        header_url = (
            links[0].url
            if len(optional) == 1
            else unsubscribe_url(user_id=user.pk, keys=optional)
        )
        headers["List-Unsubscribe"] = f"<{header_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject, body=text, to=[user.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    for name, content, media_type in files:
        message.attach(name, content, media_type)
    return message


def _attachments(notifications: Sequence[Notification]) -> list[registry.Attachment]:
    """The files of the notifications whose type has any, one name once."""
    files: dict[str, registry.Attachment] = {}
    for notification in notifications:
        kind = notification.notification_type
        if kind is None or kind.attachments is None:
            continue
        try:
            found = kind.attachments(notification)
        except Exception:  # a missing file must not keep the mail back
            logger.exception("Attachment of notification %s failed", notification.pk)
            continue
        for name, content, media_type in found:
            stem, dot, suffix = name.rpartition(".")
            unique, number = name, 2
            while unique in files:
                unique = f"{stem}-{number}{dot}{suffix}" if dot else f"{name}-{number}"
                number += 1
            files[unique] = (unique, content, media_type)
    return list(files.values())


def _subject(kind: str, items: Sequence[_Item], total: int) -> str:
    site = settings.SITE_NAME
    if kind == MailKind.DAILY:
        return gettext("%(site)s: your daily summary") % {"site": site}
    if kind == MailKind.WEEKLY:
        return gettext("%(site)s: your weekly summary") % {"site": site}
    if total == 1:
        # A header must be one line: an organizer's message may span several.
        return f"{site}: {' '.join(items[0].message.split())[:150]}"
    return ngettext(
        "%(site)s: %(count)d new notification",
        "%(site)s: %(count)d new notifications",
        total,
    ) % {"site": site, "count": total}


# --- the jobs --------------------------------------------------------------


def immediate_mails_send(*, now: datetime | None = None) -> int:
    """Plan and send the immediate mails that are due; safe to run any time."""
    now = now or clock()
    delay = timedelta(seconds=settings.ALLMENDE_NOTIFY_EMAIL_DELAY_SECONDS)
    mails_plan(MailKind.IMMEDIATE, now=now, cutoff=now - max(delay, SAFETY_MARGIN))
    return mails_deliver(now=now, kind=MailKind.IMMEDIATE)


def digests_send(*, now: datetime | None = None) -> int:
    """Plan the daily and weekly summaries due at ``now`` and send them.

    Planning a period twice does no harm (its key is unique per person), so
    the cache only saves the query of a run that finds the period planned.
    """
    now = now or clock()
    for kind in (MailKind.DAILY, MailKind.WEEKLY):
        key = digest_period(kind, now).isoformat()
        marker = f"allmende:notify:planned:{kind}"
        if cache.get(marker) == key:
            continue
        mails_plan(kind, now=now, cutoff=now - SAFETY_MARGIN, key=key)
        cache.set(marker, key, timeout=8 * 24 * 3600)
    return mails_deliver(now=now, kind=MailKind.DAILY) + mails_deliver(
        now=now, kind=MailKind.WEEKLY
    )
