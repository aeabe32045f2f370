"""Registrations: sign-up, confirmation, waiting list, offers, cancellation.

Capacity is kept on the event row (``places_taken``). Every function that
changes who holds a place locks that row with ``select_for_update()`` first, so
sign-ups for one event queue up behind each other (on SQLite, IMMEDIATE
transactions serialize all writers anyway), and the check constraint
``places_taken <= capacity`` refuses any write that would overbook.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from allmende.core import ratelimit
from allmende.core.modules import start_section_changed
from allmende.core.services import audit_log_record
from allmende.events import notifications as kinds
from allmende.events.models import Event, EventStatus, Registration, Slot
from allmende.events.models.registrations import (
    ACTIVE_STATES,
    HOLDING_STATES,
    ORGANIZER,
    PARTICIPANT,
    SYSTEM,
    transition_allowed,
)
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services.common import User, account, current_time
from allmende.events.services.mail import send_to_registration, tell_participant
from allmende.notifications.registry import NotificationType

LINK_PURPOSE = "allmende.events.registration"


def registration_token(registration: Registration) -> str:
    """The secret in the links of a registration's mails."""
    digest = salted_hmac(LINK_PURPOSE, registration.nonce, algorithm="sha256")
    return f"{registration.pk}-{digest.hexdigest()[:40]}"


def registration_for_token(token: str) -> Registration | None:
    pk, _sep, digest = token.partition("-")
    if not pk.isdigit() or not digest:
        return None
    registration = (
        Registration.objects.select_related("event", "slot").filter(pk=pk).first()
    )
    if registration is None:
        return None
    if not constant_time_compare(registration_token(registration), token):
        return None
    return registration


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _take_place(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(places_taken=F("places_taken") + 1)
    event.places_taken += 1
    # The start page shows the places left.
    start_section_changed("events")


def _release_place(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(places_taken=F("places_taken") - 1)
    event.places_taken -= 1
    start_section_changed("events")


def _check_open(event: Event, now: datetime) -> None:
    if event.status == EventStatus.CANCELLED:
        raise ValidationError(_("This event has been cancelled."))
    if event.status != EventStatus.PUBLISHED:
        raise ValidationError(_("This event is not open for registration."))
    if event.registration_opens_at and now < event.registration_opens_at:
        raise ValidationError(_("Registration has not opened yet."))
    closes = event.registration_closes_at or event.starts_at
    if now >= closes:
        raise ValidationError(_("Registration for this event has closed."))


def _has_queue(event: Event) -> bool:
    return Registration.objects.filter(
        event=event, state__in=[S.WAITING, S.OFFERED]
    ).exists()


def _set_state(
    registration: Registration,
    event: Event,
    target: str,
    *,
    role: str,
    now: datetime,
    actor: User | None = None,
) -> None:
    """Move ``registration`` to ``target``, keeping the place count in step.

    ``event`` must be the locked event row. Raises ``ValidationError`` for a
    change the state machine does not allow for ``role``.
    """
    source = registration.state
    if not transition_allowed(source, target, role):
        raise ValidationError(
            _("This registration cannot change from “%(from)s” to “%(to)s”.")
            % {
                "from": S(source).label,
                "to": S(target).label,
            }
        )
    held = source in HOLDING_STATES
    holds = target in HOLDING_STATES
    if holds and not held:
        if event.places_taken >= event.capacity:
            raise ValidationError(
                _(
                    "No place is free. Raise the number of places or move "
                    "someone to the waiting list first."
                )
            )
        _take_place(event)
    elif held and not holds:
        _release_place(event)
    registration.state = target
    if target == S.WAITING:
        registration.waiting_since = now
    if target == S.CONFIRMED and registration.confirmed_at is None:
        registration.confirmed_at = now
    if target != S.OFFERED:
        registration.offer_expires_at = None
    if target == S.CANCELLED:
        registration.cancelled_at = now
    registration.full_clean()
    registration.save()
    audit_log_record(
        actor=actor,
        action="registration.state_changed",
        obj=event,
        data={"registration": registration.pk, "from": source, "to": target},
    )


def _admit(registration: Registration, event: Event, now: datetime) -> None:
    """Place a registration whose person has confirmed who they are."""
    if event.requires_approval and registration.state == S.UNCONFIRMED:
        _set_state(registration, event, S.PENDING, role=PARTICIPANT, now=now)
        return
    role = PARTICIPANT if registration.state == S.UNCONFIRMED else ORGANIZER
    if event.places_taken < event.capacity and not _has_queue(event):
        _set_state(registration, event, S.CONFIRMED, role=role, now=now)
    elif event.has_slots:
        raise ValidationError(_("This consultation hour is fully booked."))
    else:
        _set_state(registration, event, S.WAITING, role=role, now=now)


def _notify_placed(
    registration: Registration,
    *,
    actor: User | None = None,
    promoted: bool = False,
) -> None:
    """Tell the person where their registration stands now.

    ``promoted``: the organizers gave them a place from the waiting list.
    """
    if registration.state == S.CONFIRMED:
        tell_participant(
            registration,
            kinds.REGISTRATION_PROMOTED if promoted else kinds.REGISTRATION_CONFIRMED,
            template="confirmed",
            subject=gettext_noop("Your place: %(event)s"),
            attach_ics=True,
            actor=actor,
        )
    elif registration.state == S.WAITING:
        tell_participant(
            registration,
            kinds.REGISTRATION_WAITING,
            template="waiting",
            subject=gettext_noop("Waiting list: %(event)s"),
            actor=actor,
        )
    elif registration.state == S.PENDING:
        tell_participant(
            registration,
            kinds.REGISTRATION_PENDING,
            template="pending",
            subject=gettext_noop("Registration received: %(event)s"),
            actor=actor,
        )


def fill_places(event: Event, now: datetime) -> list[Registration]:
    """Offer free places to the waiting list, longest waiting first.

    ``event`` must be locked. Returns the registrations that got an offer.
    """
    offered = []
    while event.places_taken < event.capacity and not event.is_cancelled:
        candidate = (
            Registration.objects.select_for_update()
            .filter(event=event, state=S.WAITING)
            .order_by("waiting_since", "id")
            .first()
        )
        if candidate is None:
            break
        candidate.offer_expires_at = now + event.offer_validity
        _set_state(candidate, event, S.OFFERED, role=SYSTEM, now=now)
        tell_participant(
            candidate,
            kinds.PLACE_OFFERED,
            template="offer",
            subject=gettext_noop("A place is free for you: %(event)s"),
        )
        offered.append(candidate)
    return offered


def _validate_answers(event: Event, answers: dict[str, str]) -> dict[str, str]:
    questions = [str(q) for q in event.questions or []]
    clean = {q: str(answers.get(q, "")).strip()[:2000] for q in questions}
    return clean


@transaction.atomic
def registration_create(
    *,
    event: Event,
    actor: User,
    name: str = "",
    email: str = "",
    answers: dict[str, str] | None = None,
    slot: Slot | None = None,
    question: str = "",
    now: datetime | None = None,
    mail_allowed: Callable[[str], bool] | None = None,
) -> Registration:
    """Sign a person up.

    A logged-in person is placed at once (confirmed, on the waiting list, or
    awaiting approval). Anyone else gives a name and an e-mail address and is
    placed only after confirming the address (:func:`registration_confirm`);
    ``mail_allowed`` then decides whether the confirmation mail may go out
    (see :func:`_send_confirmation_request`).
    """
    now = current_time(now)
    event = _lock_event(event)
    _check_open(event, now)
    user = account(actor)
    if user is not None:
        email = user.email
        name = user.public_name
    email = email.strip().lower()
    name = name.strip()
    if not email:
        raise ValidationError({"email": _("Please give your e-mail address.")})
    if not name:
        raise ValidationError({"name": _("Please give your name.")})
    existing = Registration.objects.filter(
        event=event, email=email, state__in=ACTIVE_STATES
    )
    if user is not None:
        existing = existing | Registration.objects.filter(
            event=event, user=user, state__in=ACTIVE_STATES
        )
    earlier = existing.first()
    if earlier is not None:
        if user is None and earlier.state == S.UNCONFIRMED:
            # A second try before confirming: send the confirmation mail again.
            _send_confirmation_request(earlier, mail_allowed)
            return earlier
        raise ValidationError(_("You are already registered for this event."))
    if event.has_slots:
        if slot is None or slot.event_id != event.pk:
            raise ValidationError({"slot": _("Please choose a time slot.")})
        _check_slot_free(slot)
    else:
        slot = None
    registration = Registration(
        event=event,
        user=user,
        email=email,
        name=name,
        slot=slot,
        question=question.strip(),
        answers=_validate_answers(event, answers or {}),
        nonce=secrets.token_hex(16),
        language=(translation.get_language() or "de")[:2],
        state=S.UNCONFIRMED,
    )
    registration.full_clean()
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        # Only reachable when the same person signs up twice at one instant.
        raise ValidationError(_("You are already registered for this event.")) from None
    audit_log_record(
        actor=actor,
        action="registration.created",
        obj=event,
        data={"registration": registration.pk},
    )
    if user is None:
        _send_confirmation_request(registration, mail_allowed)
    else:
        _admit(registration, event, now)
        _notify_placed(registration)
    return registration


def _check_slot_free(slot: Slot, *, exclude: Registration | None = None) -> None:
    taken = Registration.objects.filter(
        slot=slot, state__in=ACTIVE_STATES - {S.UNCONFIRMED}
    )
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError(
            {"slot": _("This slot has just been taken. Please choose another one.")}
        )


def _send_confirmation_request(
    registration: Registration, mail_allowed: Callable[[str], bool] | None
) -> None:
    """Mail the confirmation link, once while an earlier one is still fresh.

    Repeating a registration with the same address asks for the mail again;
    without this, anyone could flood that mailbox from the platform.
    ``mail_allowed`` counts the mail against the visitor's limits
    (:mod:`allmende.core.ratelimit`); it raises when they are used up, which
    undoes the registration.
    """
    kind = "registration-confirmation"
    pending = f"{registration.event_id}:{registration.email}"
    if ratelimit.window_open(kind, pending):
        return
    if mail_allowed is not None and not mail_allowed(registration.email):
        raise ratelimit.MailLimitReached
    ratelimit.once_per_window(
        kind, pending, minutes=settings.ALLMENDE_CONFIRMATION_RESEND_MINUTES
    )
    send_to_registration(
        registration,
        template="confirm_email",
        subject=gettext_noop("Please confirm your registration: %(event)s"),
    )


@transaction.atomic
def registration_confirm(
    *, registration: Registration, now: datetime | None = None
) -> Registration:
    """The person confirmed the e-mail address (a POST from the mailed link)."""
    now = current_time(now)
    event = _lock_event(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != S.UNCONFIRMED:
        return registration
    _check_open(event, now)
    if registration.slot is not None:
        _check_slot_free(registration.slot, exclude=registration)
    _admit(registration, event, now)
    _notify_placed(registration)
    return registration


def _role_of(actor: User, registration: Registration, by_token: bool) -> str:
    if by_token or (actor.is_authenticated and registration.user_id == actor.pk):
        return PARTICIPANT
    if actor.has_perm("events.manage_registrations", registration.event):
        return ORGANIZER
    raise PermissionDenied(_("You are not allowed to do this."))


def registration_accept_offer(
    *,
    registration: Registration,
    actor: User,
    by_token: bool = False,
    now: datetime | None = None,
) -> Registration:
    now = current_time(now)
    role = _role_of(actor, registration, by_token)
    with transaction.atomic():
        event = _lock_event(registration.event)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.state == S.CONFIRMED:
            return registration
        if registration.state != S.OFFERED:
            raise ValidationError(_("There is no open offer for this registration."))
        expired = bool(
            registration.offer_expires_at and registration.offer_expires_at <= now
        )
        if expired:
            # The expiry is kept (and the place passed on) even though the
            # person hears "no": the job would do the same a minute later.
            _expire(registration, event, now)
        else:
            _set_state(
                registration, event, S.CONFIRMED, role=role, now=now, actor=actor
            )
            _notify_placed(registration, actor=actor if role == ORGANIZER else None)
    if expired:
        raise ValidationError(
            _("Sorry, this offer has expired and passed to the next person.")
        )
    return registration


@transaction.atomic
def registration_cancel(
    *,
    registration: Registration,
    actor: User,
    by_token: bool = False,
    now: datetime | None = None,
) -> Registration:
    """Cancel a registration (the person, or an organizer); the place passes on."""
    now = current_time(now)
    role = _role_of(actor, registration, by_token)
    event = _lock_event(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state == S.CANCELLED:
        return registration
    if role == PARTICIPANT and now >= event.starts_at:
        raise ValidationError(
            _("The event has already begun; it can no longer be cancelled here.")
        )
    _set_state(registration, event, S.CANCELLED, role=role, now=now, actor=actor)
    if role == ORGANIZER:
        _notify_moved(registration, actor=actor)
    else:
        tell_participant(
            registration,
            kinds.REGISTRATION_CANCELLED,
            template="cancelled",
            subject=gettext_noop("Registration cancelled: %(event)s"),
        )
    fill_places(event, now)
    return registration


MOVES = {
    "approve": S.CONFIRMED,
    "reject": S.REJECTED,
    "confirm": S.CONFIRMED,
    "wait": S.WAITING,
    "attended": S.ATTENDED,
    "not_attended": S.CONFIRMED,
    "cancel": S.CANCELLED,
}


@transaction.atomic
def registration_move(
    *,
    registration: Registration,
    move: str,
    actor: User,
    reason: str = "",
    now: datetime | None = None,
) -> Registration:
    """An organizer changes a registration by hand (see :data:`MOVES`);
    ``reason`` goes into the mail that tells the participant."""
    now = current_time(now)
    if move not in MOVES:
        raise ValidationError(_("Unknown action."))
    if not actor.has_perm("events.manage_registrations", registration.event):
        raise PermissionDenied(_("You are not allowed to do this."))
    event = _lock_event(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if move == "approve" and registration.state == S.PENDING:
        if event.places_taken < event.capacity and not _has_queue(event):
            _set_state(
                registration, event, S.CONFIRMED, role=ORGANIZER, now=now, actor=actor
            )
        else:
            _set_state(
                registration, event, S.WAITING, role=ORGANIZER, now=now, actor=actor
            )
        _notify_placed(registration, actor=actor)
        return registration
    target = MOVES[move]
    if registration.state == target:
        return registration
    source = registration.state
    _set_state(registration, event, target, role=ORGANIZER, now=now, actor=actor)
    if target == S.CONFIRMED and move == "confirm":
        _notify_placed(
            registration,
            actor=actor,
            promoted=source in (S.WAITING, S.OFFERED),
        )
    else:
        _notify_moved(registration, reason=reason, actor=actor)
    if target in (S.WAITING, S.CANCELLED, S.REJECTED):
        fill_places(event, now)
    return registration


# What the participant is told about a change an organizer makes by hand (the
# notification, or for a guest the mail and its subject); a confirmation by
# hand sends the usual confirmation.
MOVED_MAILS: dict[str, tuple[NotificationType, str, str]] = {
    S.WAITING: (
        kinds.MOVED_TO_WAITING,
        "moved_to_waiting",
        gettext_noop("Moved to the waiting list: %(event)s"),
    ),
    S.CANCELLED: (
        kinds.REGISTRATION_CANCELLED_BY_ORGANIZER,
        "cancelled_by_organizer",
        gettext_noop("Your registration was cancelled: %(event)s"),
    ),
    S.REJECTED: (
        kinds.REGISTRATION_DECLINED,
        "rejected",
        gettext_noop("Your registration was declined: %(event)s"),
    ),
}


def _notify_moved(
    registration: Registration, *, reason: str = "", actor: User | None = None
) -> None:
    if registration.state in MOVED_MAILS:
        kind, template, subject = MOVED_MAILS[registration.state]
        tell_participant(
            registration,
            kind,
            template=template,
            subject=subject,
            context={"reason": reason.strip()},
            actor=actor,
        )


def _expire(registration: Registration, event: Event, now: datetime) -> None:
    _set_state(registration, event, S.EXPIRED, role=SYSTEM, now=now)
    tell_participant(
        registration,
        kinds.OFFER_EXPIRED,
        template="offer_expired",
        subject=gettext_noop("Your offer has expired: %(event)s"),
    )
    fill_places(event, now)


def offers_expire(*, now: datetime | None = None) -> int:
    """Expire unanswered offers and pass each place on. Safe to run twice."""
    now = current_time(now)
    count = 0
    due = Registration.objects.filter(
        state=S.OFFERED, offer_expires_at__lte=now
    ).values_list("pk", "event_id")
    for pk, event_id in list(due):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            registration = (
                Registration.objects.select_for_update()
                .filter(pk=pk, state=S.OFFERED, offer_expires_at__lte=now)
                .first()
            )
            if registration is None:
                continue
            _expire(registration, event, now)
            count += 1
    return count
