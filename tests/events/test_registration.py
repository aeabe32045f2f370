from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.events.models import Event, EventStatus, EventType, Registration, Slot
from allmende.events.models.registrations import (
    TRANSITIONS,
    RegistrationState,
    transition_allowed,
)
from allmende.events.services import events as event_services
from allmende.events.services import registrations as services
from allmende.notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

S = RegistrationState
# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def register(event: Event, user: User | None = None, **kwargs: object) -> Registration:
    return services.registration_create(
        event=event,
        actor=user or UserFactory(),
        **kwargs,  # type: ignore[arg-type]
    )


def test_logged_in_person_is_confirmed_while_places_are_free() -> None:
    event = EventFactory(capacity=2)
    registration = register(event)
    event.refresh_from_db()
    assert registration.state == S.CONFIRMED
    assert event.places_taken == 1
    assert Notification.objects.get(recipient=registration.user).type == (
        "events.registration_confirmed"
    )
    assert mail.outbox == [], "an account holder is notified, not mailed directly"


def test_full_event_puts_new_registration_on_waiting_list() -> None:
    event = EventFactory(capacity=1)
    register(event)
    second = register(event)
    event.refresh_from_db()
    assert second.state == S.WAITING
    assert event.places_taken == 1


def test_same_person_cannot_register_twice() -> None:
    event = EventFactory()
    user = UserFactory()
    register(event, user)
    with pytest.raises(ValidationError, match="already registered"):
        register(event, user)
    assert Registration.objects.filter(event=event).count() == 1


def test_same_address_by_mail_and_by_account_counts_as_one_person() -> None:
    event = EventFactory()
    user = UserFactory()
    register(event, user)
    with pytest.raises(ValidationError, match="already registered"):
        services.registration_create(
            event=event, actor=AnonymousUser(), name="X", email=user.email.upper()
        )


def test_database_refuses_a_second_active_registration() -> None:
    event = EventFactory()
    first = register(event)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            event=event, email=first.email, name="Copy", state=S.WAITING, nonce="x"
        )


def test_database_refuses_more_places_than_capacity() -> None:
    event = EventFactory(capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(places_taken=2)


def test_registration_after_the_window_is_refused() -> None:
    event = EventFactory(registration_closes_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="closed"):
        register(event)


def test_registration_before_the_window_is_refused() -> None:
    event = EventFactory(registration_opens_at=timezone.now() + timedelta(hours=1))
    with pytest.raises(ValidationError, match="not opened yet"):
        register(event)


def test_registration_for_a_cancelled_event_is_refused() -> None:
    event = EventFactory(status=EventStatus.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        register(event)
    assert not Registration.objects.exists()


def test_registration_by_mail_waits_for_confirmation() -> None:
    event = EventFactory(capacity=1)
    registration = services.registration_create(
        event=event, actor=AnonymousUser(), name="Ada", email="Ada@Example.org"
    )
    event.refresh_from_db()
    assert registration.state == S.UNCONFIRMED
    assert registration.email == "ada@example.org"
    assert event.places_taken == 0
    token = services.registration_token(registration)
    assert token in mail.outbox[-1].body
    assert services.registration_for_token(token) == registration
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    assert services.registration_for_token(forged) is None
    services.registration_confirm(registration=registration)
    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED
    # A second confirmation (a reload) changes nothing.
    services.registration_confirm(registration=registration)
    event.refresh_from_db()
    assert event.places_taken == 1


def test_approval_puts_registration_on_hold_until_organizer_decides(
    staff: User,
) -> None:
    event = EventFactory(requires_approval=True)
    registration = register(event)
    assert registration.state == S.PENDING
    services.registration_move(registration=registration, move="approve", actor=staff)
    registration.refresh_from_db()
    assert registration.state == S.CONFIRMED


def test_participant_cancels_and_first_waiting_person_gets_an_offer() -> None:
    event = EventFactory(capacity=1)
    user = UserFactory()
    first = register(event, user)
    second = register(event)
    services.registration_cancel(registration=first, actor=user)
    second.refresh_from_db()
    event.refresh_from_db()
    assert second.state == S.OFFERED
    assert event.places_taken == 1
    assert Notification.objects.filter(
        recipient=second.user, type="events.place_offered"
    ).exists()


def test_stranger_cannot_cancel_a_registration() -> None:
    event = EventFactory()
    registration = register(event)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(registration=registration, actor=UserFactory())


def test_lowering_capacity_below_taken_places_is_refused(staff: User) -> None:
    event = EventFactory(capacity=3)
    register(event)
    register(event)
    with pytest.raises(ValidationError) as info:
        event_services.event_update(actor=staff, event=event, capacity=1)
    assert "2 places are already taken" in str(info.value)
    event.refresh_from_db()
    assert event.capacity == 3


def test_raising_capacity_offers_places_to_the_waiting_list(staff: User) -> None:
    event = EventFactory(capacity=1)
    register(event)
    waiting = register(event)
    event_services.event_update(actor=staff, event=event, capacity=2)
    waiting.refresh_from_db()
    assert waiting.state == S.OFFERED


def test_time_without_zone_is_refused(staff: User) -> None:
    with pytest.raises(ValidationError) as info:
        event_services.event_create(
            actor=staff,
            title_de="Ohne Zone",
            starts_at=datetime(2030, 1, 1, 10, 0),  # noqa: DTZ001
            ends_at=datetime(2030, 1, 1, 12, 0),  # noqa: DTZ001
            capacity=5,
        )
    assert "time zone" in str(info.value)


def test_organizer_moves_waiting_person_by_hand_only_into_a_free_place(
    staff: User,
) -> None:
    event = EventFactory(capacity=1)
    confirmed = register(event)
    waiting = register(event)
    with pytest.raises(ValidationError, match="No place is free"):
        services.registration_move(registration=waiting, move="confirm", actor=staff)
    services.registration_move(registration=confirmed, move="wait", actor=staff)
    waiting.refresh_from_db()
    confirmed.refresh_from_db()
    assert waiting.state == S.OFFERED
    assert confirmed.state == S.WAITING


def test_attendance_is_marked_by_organizer_only(staff: User) -> None:
    event = EventFactory()
    registration = register(event)
    with pytest.raises(PermissionDenied):
        services.registration_move(
            registration=registration, move="attended", actor=UserFactory()
        )
    services.registration_move(registration=registration, move="attended", actor=staff)
    registration.refresh_from_db()
    assert registration.state == S.ATTENDED
    assert AuditLogEntry.objects.filter(action="registration.state_changed").exists()


def test_state_machine_refuses_transitions_not_in_the_table() -> None:
    assert transition_allowed(S.WAITING, S.OFFERED, "system")
    assert not transition_allowed(S.WAITING, S.OFFERED, "participant")
    assert not transition_allowed(S.CANCELLED, S.CONFIRMED, "organizer")
    for (source, target), roles in TRANSITIONS.items():
        assert source != target
        assert roles


def _slot_event() -> tuple[Event, list[Slot]]:
    event = EventFactory(event_type=EventType.CONSULTATION, capacity=2)
    slots = [
        Slot.objects.create(
            event=event,
            starts_at=event.starts_at + timedelta(minutes=20 * i),
            ends_at=event.starts_at + timedelta(minutes=20 * (i + 1)),
        )
        for i in range(2)
    ]
    return event, slots


def test_consultation_slot_is_booked_once_with_a_question() -> None:
    event, slots = _slot_event()
    booked = register(event, slot=slots[0], question="Wie finde ich Fördermittel?")
    assert booked.state == S.CONFIRMED
    with pytest.raises(ValidationError, match="slot has just been taken"):
        register(event, slot=slots[0])
    with pytest.raises(ValidationError, match="choose a time slot"):
        register(event)


def test_consultation_series_makes_monthly_events_with_slots(staff: User) -> None:
    from datetime import date, time

    from allmende.events.models import ConsultationSeries

    series = ConsultationSeries.objects.create(
        title_de="Digitale Sprechstunde",
        weekday=1,
        week_of_month=1,
        start_time=time(16, 0),
        end_time=time(18, 0),
        slot_minutes=20,
        first_date=date(2031, 1, 1),
    )
    events = event_services.consultation_series_generate(
        actor=staff, series=series, until=date(2031, 3, 31)
    )
    days = [timezone.localtime(e.starts_at).date() for e in events]
    assert days == [date(2031, 1, 7), date(2031, 2, 4), date(2031, 3, 4)]
    assert events[0].slots.count() == 6
    assert events[0].capacity == 6
    assert timezone.localtime(events[0].starts_at).hour == 16
    again = event_services.consultation_series_generate(
        actor=staff, series=series, until=date(2031, 3, 31)
    )
    assert again == []


def test_cancelled_event_cannot_be_reopened_by_editing(staff: User) -> None:
    event = EventFactory()
    event_services.event_cancel(actor=staff, event=event)
    with pytest.raises(ValidationError, match="cancelled event can no longer"):
        event_services.event_update(actor=staff, event=event, status="published")
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED


def test_moving_an_event_lets_reminders_go_out_for_the_new_time(staff: User) -> None:
    from allmende.events.models import SentReminder

    event = EventFactory()
    registration = register(event)
    SentReminder.objects.create(
        registration=registration, minutes_before=60, sent_at=timezone.now()
    )
    event_services.event_update(
        actor=staff,
        event=event,
        starts_at=event.starts_at + timedelta(days=1),
        ends_at=event.ends_at + timedelta(days=1),
    )
    assert not SentReminder.objects.exists()


def test_staff_allow_an_organization_to_host_events(staff: User) -> None:
    from allmende.organizations.models import Membership
    from tests.organizations.factories import MembershipFactory, OrganizationFactory

    organization = OrganizationFactory()
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    assert not admin.has_perm("events.host_for_organization", organization)
    with pytest.raises(PermissionDenied):
        event_services.host_grant(actor=admin, organization=organization)
    event_services.host_grant(actor=staff, organization=organization)
    assert admin.has_perm("events.add_event")
    assert admin.has_perm("events.host_for_organization", organization)
    event = EventFactory(organization=organization)
    assert admin.has_perm("events.manage_registrations", event)
    assert not admin.has_perm("events.manage_registrations", EventFactory())
    event_services.host_revoke(actor=staff, organization=organization)
    assert not admin.has_perm("events.manage_registrations", event)
