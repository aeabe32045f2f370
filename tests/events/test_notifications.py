"""Participants with an account are notified; guests without one get mails."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.utils import timezone, translation

from allmende.accounts.models import User
from allmende.events.models import Event, Registration
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import events as event_services
from allmende.events.services import proposals as proposal_services
from allmende.events.services import registrations as services
from allmende.events.services.reminders import reminders_send
from allmende.notifications.models import Notification
from allmende.notifications.registry import Channel
from allmende.organizations.models import Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.events.factories import EventFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

Sent = Callable[[], Any]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], Any]:
    """Run the block's after-commit work (notifications, mails) at its end."""

    @contextmanager
    def block() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return block


def _event(**fields: Any) -> Event:
    return EventFactory(title_de="Datenwerkstatt", title_en="Data workshop", **fields)


def _in(notification: Notification, language: str) -> str:
    with translation.override(language):
        return notification.message


def _only(user: User) -> Notification:
    [notification] = Notification.objects.filter(recipient=user)
    return notification


def _guest(event: Event, email: str = "guest@example.org") -> Registration:
    with translation.override("en"):
        registration = services.registration_create(
            event=event, actor=AnonymousUser(), name="Guest", email=email
        )
        return services.registration_confirm(registration=registration)


def test_registering_with_an_account_notifies_instead_of_mailing(
    committed: Any,
) -> None:
    event = _event(capacity=1)
    first, second = UserFactory(), UserFactory()
    with committed():
        services.registration_create(event=event, actor=first)
        services.registration_create(event=event, actor=second)
    assert mail.outbox == []
    confirmed, waiting = _only(first), _only(second)
    assert confirmed.type == "events.registration_confirmed"
    assert confirmed.channel == Channel.IMMEDIATE
    assert confirmed.content_type is not None
    assert confirmed.content_type.model_class() is Event
    assert confirmed.object_id == event.pk
    assert confirmed.url == event.get_absolute_url()
    assert _in(confirmed, "en") == "Your place at Data workshop is confirmed."
    assert _in(confirmed, "de") == "Ihr Platz bei Datenwerkstatt ist bestätigt."
    assert waiting.type == "events.registration_waiting"
    assert _in(waiting, "en") == "Data workshop is full; you are on the waiting list."
    assert _in(waiting, "de") == (
        "Datenwerkstatt ist ausgebucht; Sie stehen auf der Warteliste."
    )


def test_registration_waiting_for_approval_is_acknowledged(committed: Any) -> None:
    event = _event(requires_approval=True)
    user = UserFactory()
    with committed():
        services.registration_create(event=event, actor=user)
    notification = _only(user)
    assert notification.type == "events.registration_pending"
    assert "der Veranstalter wird sie bestätigen" in _in(notification, "de")


def test_cancelling_oneself_is_confirmed_and_the_place_offered(
    committed: Any,
) -> None:
    event = _event(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    first = services.registration_create(event=event, actor=leaving)
    services.registration_create(event=event, actor=waiting)
    Notification.objects.all().delete()
    with committed():
        services.registration_cancel(registration=first, actor=leaving)
    cancelled = _only(leaving)
    assert cancelled.type == "events.registration_cancelled"
    assert cancelled.actor is None
    assert _in(cancelled, "en") == (
        "You have cancelled your registration for Data workshop."
    )
    assert _in(cancelled, "de") == (
        "Sie haben Ihre Anmeldung für Datenwerkstatt storniert."
    )
    offer = _only(waiting)
    assert offer.type == "events.place_offered"
    assert offer.url == event.get_absolute_url()
    assert _in(offer, "de").startswith("Ein Platz bei Datenwerkstatt ist für Sie frei")
    assert mail.outbox == []


def test_a_guest_who_cancels_gets_a_mail_and_no_notification(committed: Any) -> None:
    event = _event()
    guest = _guest(event)
    mail.outbox.clear()
    with committed():
        services.registration_cancel(
            registration=guest, actor=AnonymousUser(), by_token=True
        )
    [message] = mail.outbox
    assert message.to == ["guest@example.org"]
    assert message.subject == "Registration cancelled: Data workshop"
    assert "you have cancelled your registration for “Data workshop”" in message.body
    assert not Notification.objects.exists()


def test_guests_on_the_waiting_list_still_get_their_offer_by_mail(
    committed: Any,
) -> None:
    event = _event(capacity=1)
    holder = UserFactory()
    first = services.registration_create(event=event, actor=holder)
    _guest(event)
    mail.outbox.clear()
    with committed():
        services.registration_cancel(registration=first, actor=holder)
    [offer] = mail.outbox
    assert offer.to == ["guest@example.org"]
    assert offer.subject == "A place is free for you: Data workshop"
    assert "/events/r/" in offer.body
    assert [n.type for n in Notification.objects.all()] == [
        "events.registration_cancelled"
    ]


def test_organizer_moves_notify_the_participant_with_reason(
    committed: Any, staff: User
) -> None:
    event = _event(capacity=1)
    people = [UserFactory() for _ in range(3)]
    first, second, third = (
        services.registration_create(event=event, actor=person) for person in people
    )
    Notification.objects.all().delete()
    with committed():
        services.registration_move(
            registration=first, move="wait", actor=staff, reason="Zu spät bezahlt."
        )
    moved = _only(people[0])
    assert moved.type == "events.moved_to_waiting"
    assert moved.actor == staff
    assert _in(moved, "en") == (
        "The organizers moved your registration for Data workshop to the waiting "
        "list. Zu spät bezahlt."
    )
    offered = _only(people[1])
    assert offered.type == "events.place_offered"

    Notification.objects.all().delete()
    with committed():
        services.registration_move(registration=second, move="cancel", actor=staff)
    assert _only(people[1]).type == "events.registration_cancelled_by_organizer"
    assert _in(_only(people[1]), "de") == (
        "Der Veranstalter hat Ihre Anmeldung für Datenwerkstatt storniert."
    )
    assert _only(people[2]).type == "events.place_offered", "longest waiting"
    assert third.pk

    approval = _event(requires_approval=True)
    pending = services.registration_create(event=approval, actor=people[0])
    Notification.objects.all().delete()
    with committed():
        services.registration_move(
            registration=pending, move="reject", actor=staff, reason="Nur Mitglieder."
        )
    declined = _only(people[0])
    assert declined.type == "events.registration_declined"
    assert _in(declined, "de") == (
        "Ihre Anmeldung für Datenwerkstatt wurde abgelehnt. Nur Mitglieder."
    )


def test_confirming_from_the_waiting_list_is_a_promotion(
    committed: Any, staff: User
) -> None:
    event = _event(capacity=1)
    holder, waiting = UserFactory(), UserFactory()
    first = services.registration_create(event=event, actor=holder)
    second = services.registration_create(event=event, actor=waiting)
    services.registration_move(registration=first, move="cancel", actor=staff)
    second.refresh_from_db()
    assert second.state == S.OFFERED
    Notification.objects.all().delete()
    with committed():
        services.registration_move(registration=second, move="confirm", actor=staff)
    promoted = _only(waiting)
    assert promoted.type == "events.registration_promoted"
    assert promoted.actor == staff
    assert _in(promoted, "en") == (
        "You have moved up from the waiting list: your place at Data workshop "
        "is confirmed."
    )
    assert "Sie sind von der Warteliste nachgerückt" in _in(promoted, "de")


def test_an_expired_offer_is_notified(committed: Any) -> None:
    event = _event(capacity=1)
    holder, waiting = UserFactory(), UserFactory()
    first = services.registration_create(event=event, actor=holder)
    services.registration_create(event=event, actor=waiting)
    services.registration_cancel(registration=first, actor=holder)
    Notification.objects.all().delete()
    with committed():
        services.offers_expire(now=timezone.now() + timedelta(days=3))
    expired = _only(waiting)
    assert expired.type == "events.offer_expired"
    assert _in(expired, "de") == (
        "Der Ihnen angebotene Platz bei Datenwerkstatt ist verfallen und wurde "
        "weitergegeben."
    )


def test_cancelling_an_event_notifies_account_holders_and_mails_guests(
    committed: Any, staff: User
) -> None:
    event = _event()
    participant = UserFactory()
    services.registration_create(event=event, actor=participant)
    services.registration_create(event=event, actor=staff)
    _guest(event)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with committed():
        event_services.event_cancel(actor=staff, event=event, reason="Krankheit.")
    notification = Notification.objects.get()
    assert notification.recipient == participant, "the organizer is left out"
    assert notification.type == "events.event_cancelled"
    assert notification.actor == staff
    assert _in(notification, "en") == "Data workshop has been cancelled. Krankheit."
    assert _in(notification, "de") == "Datenwerkstatt wurde abgesagt. Krankheit."
    [message] = mail.outbox
    assert message.to == ["guest@example.org"]
    assert "Krankheit." in message.body


def test_organizer_message_reaches_account_holders_and_guests(
    committed: Any, staff: User
) -> None:
    event = _event()
    participant = UserFactory()
    services.registration_create(event=event, actor=participant)
    services.registration_create(event=event, actor=staff)
    _guest(event)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with committed():
        count = event_services.event_message_participants(
            actor=staff, event=event, subject="Raumänderung", body="Saal 2."
        )
    assert count == 3
    notification = Notification.objects.get()
    assert notification.recipient == participant
    assert notification.type == "events.organizer_message"
    assert _in(notification, "en") == (
        "The organizers of Data workshop write: “Raumänderung” Saal 2."
    )
    assert _in(notification, "de") == (
        "Der Veranstalter von Datenwerkstatt schreibt: „Raumänderung“ Saal 2."
    )
    assert [m.to for m in mail.outbox] == [["guest@example.org"]]


def test_reminders_notify_account_holders_and_mail_guests(committed: Any) -> None:
    start = timezone.now() + timedelta(minutes=30)
    event = _event(starts_at=start, ends_at=start + timedelta(hours=1))
    participant = UserFactory()
    services.registration_create(event=event, actor=participant)
    _guest(event)
    Notification.objects.all().delete()
    mail.outbox.clear()
    with committed():
        assert reminders_send() == 2
    reminder = _only(participant)
    assert reminder.type == "events.reminder"
    assert (
        _in(reminder, "de") == "Erinnerung: Sie haben einen Platz bei Datenwerkstatt."
    )
    assert [m.subject for m in mail.outbox] == ["Reminder: Data workshop"]


def test_event_proposals_notify_staff_and_the_proposing_organization(
    committed: Any, organization: Organization, org_admin: User, staff: User
) -> None:
    second_admin = UserFactory()
    MembershipFactory(organization=organization, user=second_admin, role="admin")
    start = timezone.now() + timedelta(days=5)
    with committed():
        event = proposal_services.event_propose(
            actor=org_admin,
            organization=organization,
            title_de="Vereinsrecht kompakt",
            title_en="Association law",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=10,
        )
    submitted = _only(staff)
    assert submitted.type == "events.proposal_submitted"
    assert submitted.actor == org_admin
    assert submitted.url == f"/events/proposals/{event.proposal.pk}/"
    assert _in(submitted, "en") == (
        f"{organization.name} proposes the event Association law."
    )
    assert not Notification.objects.filter(recipient=org_admin).exists()

    other_staff = StaffFactory()
    MembershipFactory(organization=organization, user=other_staff, role="admin")
    Notification.objects.all().delete()
    with committed():
        proposal_services.event_proposal_decide(
            proposal=event.proposal,
            publish=False,
            reason="Zu kurzfristig.",
            actor=other_staff,
        )
    told = Notification.objects.order_by("recipient_id")
    assert {n.recipient for n in told} == {org_admin, second_admin}, (
        "the proposer and the administrators, not the deciding staff member"
    )
    declined = told[0]
    assert declined.type == "events.proposal_declined"
    assert declined.channel == Channel.IMMEDIATE
    assert _in(declined, "de") == (
        "Die von Ihrer Organisation vorgeschlagene Veranstaltung Vereinsrecht "
        "kompakt wurde nicht veröffentlicht: Zu kurzfristig."
    )


def test_published_proposal_is_notified(
    committed: Any, organization: Organization, org_admin: User, staff: User
) -> None:
    start = timezone.now() + timedelta(days=5)
    event = proposal_services.event_propose(
        actor=org_admin,
        organization=organization,
        title_de="Vereinsrecht kompakt",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
    )
    with committed():
        proposal_services.event_proposal_decide(
            proposal=event.proposal, publish=True, reason="", actor=staff
        )
    published = _only(org_admin)
    assert published.type == "events.proposal_published"
    assert published.url == event.get_absolute_url()
    assert _in(published, "en") == (
        "The event Vereinsrecht kompakt that your organization proposed has "
        "been published."
    )


def _mails_after_the_wait() -> list[Any]:
    from allmende.notifications.delivery import immediate_mails_send

    mail.outbox.clear()
    immediate_mails_send(now=timezone.now() + timedelta(minutes=10))
    return list(mail.outbox)


def test_an_account_holders_confirmation_mail_carries_the_calendar_entry(
    committed: Any,
) -> None:
    event = _event(online_url="https://meet.example.org/werkstatt")
    person = UserFactory()
    with committed():
        services.registration_create(event=event, actor=person)
    [message] = _mails_after_the_wait()
    [(name, content, media_type)] = message.attachments
    assert (name, media_type) == ("event.ics", "text/calendar")
    text = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VEVENT" in text
    assert "meet.example.org/werkstatt" in text


def test_a_place_given_up_before_the_mail_leaves_sends_no_calendar_entry(
    committed: Any,
) -> None:
    event = _event(online_url="https://meet.example.org/werkstatt")
    person = UserFactory()
    with committed():
        registration = services.registration_create(event=event, actor=person)
    with committed():
        services.registration_cancel(registration=registration, actor=person)
    messages = _mails_after_the_wait()
    assert messages, "the mandatory mails still go out"
    assert all(not message.attachments for message in messages)
