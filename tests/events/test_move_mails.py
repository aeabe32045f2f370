"""Guests hear by mail about every change an organizer makes to their registration.

(Participants with an account are notified instead: see test_notifications.py.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.utils import translation

from allmende.accounts.models import User
from allmende.events.models import Event, Registration
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import registrations as services
from tests.conftest import client_for
from tests.events.factories import EventFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def sign_up(event: Event, language: str = "en") -> Registration:
    """A guest signs up with an e-mail address and confirms it."""
    number = Registration.objects.count()
    with translation.override(language):
        registration = services.registration_create(
            event=event,
            actor=AnonymousUser(),
            name=f"Guest {number}",
            email=f"guest{number}@example.org",
        )
        return services.registration_confirm(registration=registration)


def move(staff: User, registration: Registration, action: str) -> Registration:
    mail.outbox.clear()
    response = client_for(staff).post(
        f"/events/{registration.event.slug}/participants/{registration.pk}/move/",
        {"move": action},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    return registration


def test_confirming_from_the_waiting_list_mails_the_place(staff: User) -> None:
    event = EventFactory(capacity=1, title_en="Data workshop")
    first = sign_up(event)
    waiting = sign_up(event)
    services.registration_cancel(registration=first, actor=staff)
    # The freed place went to the waiting person as an offer; confirm by hand.
    waiting = move(staff, waiting, "confirm")
    assert waiting.state == S.CONFIRMED
    assert [m.to for m in mail.outbox] == [[waiting.email]]
    assert mail.outbox[0].subject == "Your place: Data workshop"


def test_moving_to_the_waiting_list_tells_the_participant(staff: User) -> None:
    event = EventFactory(capacity=1, title_en="Data workshop")
    registration = sign_up(event)
    waiting = sign_up(event)
    registration = move(staff, registration, "wait")
    assert registration.state == S.WAITING
    # The place passes to the person who has waited longer.
    [message] = [m for m in mail.outbox if m.to == [registration.email]]
    assert [m.to for m in mail.outbox if m is not message] == [[waiting.email]]
    assert message.subject == "Moved to the waiting list: Data workshop"
    assert "moved your registration for “Data workshop” to the waiting" in (
        message.body
    )
    assert "/events/r/" in message.body


def test_cancelling_by_hand_tells_the_participant_and_offers_the_place(
    staff: User,
) -> None:
    event = EventFactory(capacity=1, title_en="Data workshop")
    registration = sign_up(event)
    waiting = sign_up(event)
    client = client_for(staff)
    confirm_path = f"/events/{event.slug}/participants/{registration.pk}/cancel/"
    participants = client.get(f"/events/{event.slug}/participants/").content.decode()
    assert f'href="{confirm_path}"' in participants
    # One click does not cancel: it leads to the page that asks first.
    assert move(staff, registration, "cancel").state == S.CONFIRMED
    assert mail.outbox == []
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert registration.email in page.content.decode()
    assert Registration.objects.get(pk=registration.pk).state == S.CONFIRMED
    response = client.post(confirm_path, {"reason": "The room is too small & hot."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.state == S.CANCELLED
    assert sorted(m.subject for m in mail.outbox) == [
        "A place is free for you: Data workshop",
        "Your registration was cancelled: Data workshop",
    ]
    cancelled = next(m for m in mail.outbox if "cancelled" in m.subject)
    assert cancelled.to == [registration.email]
    assert "The room is too small & hot." in cancelled.body
    assert waiting.email not in cancelled.to


def test_rejecting_tells_the_participant(staff: User) -> None:
    event = EventFactory(requires_approval=True, title_en="Data workshop")
    registration = sign_up(event)
    assert registration.state == S.PENDING
    registration = move(staff, registration, "reject")
    assert registration.state == S.REJECTED
    [message] = mail.outbox
    assert message.to == [registration.email]
    assert message.subject == "Your registration was declined: Data workshop"


def test_participant_cancelling_themselves_gets_their_own_confirmation(
    staff: User,
) -> None:
    event = EventFactory(title_en="Data workshop")
    registration = sign_up(event)
    mail.outbox.clear()
    services.registration_cancel(
        registration=registration, actor=AnonymousUser(), by_token=True
    )
    [message] = mail.outbox
    assert message.to == [registration.email]
    assert message.subject == "Registration cancelled: Data workshop"
    assert "organizer" not in message.body


def test_mail_is_in_the_participants_language(staff: User, settings: Any) -> None:
    settings.LANGUAGE_CODE = "de"
    event = EventFactory(title_de="Datenwerkstatt", title_en="Data workshop")
    german = sign_up(event, "de")
    english = sign_up(event, "en")
    # An unknown language falls back to the platform's default.
    unknown = sign_up(event, "en")
    Registration.objects.filter(pk=unknown.pk).update(language="xx")
    for registration in (german, english, unknown):
        move(staff, registration, "wait")
        mail.outbox.clear()
        registration = move(staff, registration, "confirm")
        [message] = mail.outbox
        if registration.pk == english.pk:
            assert message.subject == "Your place: Data workshop"
            assert message.body.startswith("Hello ")
        else:
            assert message.subject == "Ihr Platz: Datenwerkstatt"
            assert message.body.startswith("Hallo ")


def test_mail_dates_use_the_languages_date_format(settings: Any) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    start = datetime(2027, 1, 20, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    event = EventFactory(starts_at=start, ends_at=start.replace(hour=20), capacity=5)
    sign_up(event, "de")
    sign_up(event, "en")
    german, english = [m for m in mail.outbox if m.attachments]
    assert "Mittwoch, 20. Januar 2027, 18:00 bis 20:00 Uhr" in german.body
    assert "Wednesday, Jan. 20, 2027, 18:00 to 20:00" in english.body
