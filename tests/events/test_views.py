from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from allmende.accounts.models import User
from allmende.events.models import EventType, Registration
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import registrations as services
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory, HostFactory
from tests.organizations.factories import FocusAreaFactory, MembershipFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_list_shows_free_places_and_filters_by_type_and_topic() -> None:
    topic = FocusAreaFactory(slug="digitales")
    talk = EventFactory(event_type=EventType.TALK, capacity=20, title_en="Open talk")
    talk.topics.add(topic)
    EventFactory(event_type=EventType.WORKSHOP, title_en="Hands-on workshop")
    services.registration_create(event=talk, actor=UserFactory())
    client = client_for(None)
    page = client.get("/events/").content.decode()
    assert "Open talk" in page and "Hands-on workshop" in page
    assert "19 of 20 places left" in page
    page = client.get("/events/?event_type=talk").content.decode()
    assert "Open talk" in page and "Hands-on workshop" not in page
    page = client.get("/events/?topic=digitales").content.decode()
    assert "Open talk" in page and "Hands-on workshop" not in page


def test_list_filters_by_date() -> None:
    soon = EventFactory(title_en="Soon", starts_at=timezone.now() + timedelta(days=1))
    EventFactory(title_en="Later", starts_at=timezone.now() + timedelta(days=40))
    day = timezone.localtime(soon.starts_at).date().isoformat()
    page = client_for(None).get(f"/events/?date_from={day}&date_to={day}")
    assert "Soon" in page.content.decode()
    assert "Later" not in page.content.decode()


def test_list_query_count_does_not_grow_with_events() -> None:
    topic = FocusAreaFactory()
    for _ in range(3):
        EventFactory().topics.add(topic)
    client = client_for(None)
    with CaptureQueriesContext(connection) as few:
        client.get("/events/")
    for _ in range(12):
        EventFactory().topics.add(topic)
    with CaptureQueriesContext(connection) as many:
        client.get("/events/")
    assert len(many) == len(few)


def test_drafts_are_hidden_from_the_public() -> None:
    draft = EventFactory(status="draft", title_en="Secret plan")
    assert "Secret plan" not in client_for(None).get("/events/").content.decode()
    assert client_for(None).get(draft.get_absolute_url()).status_code == 404


def test_anonymous_registration_is_confirmed_by_a_button_not_by_the_link() -> None:
    event = EventFactory(capacity=5)
    client = client_for(None)
    response = client.post(
        f"/events/{event.slug}/register/", {"name": "Ada", "email": "ada@example.org"}
    )
    assert response.status_code == 302
    link = re.search(r"http://\S+/events/r/\S+/", mail.outbox[-1].body)
    assert link
    path = link.group(0).split("8000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert Registration.objects.get().state == S.UNCONFIRMED, "GET changes nothing"
    assert b'value="confirm"' in page.content
    # The person came from the mail's link: the page points to its button.
    assert "with the button below" in page.content.decode()
    assert "link we sent you" not in page.content.decode()
    client.post(path, {"action": "confirm"})
    assert Registration.objects.get().state == S.CONFIRMED
    client.post(path, {"action": "cancel"})
    assert Registration.objects.get().state == S.CANCELLED


def test_wrong_token_finds_nothing() -> None:
    assert client_for(None).get("/events/r/1-abc/").status_code == 404


def test_logged_in_person_registers_and_cancels_on_the_event_page(user: User) -> None:
    event = EventFactory(online_url="https://meet.example.org/room", format="online")
    client = client_for(user)
    assert b"meet.example.org" not in client.get(event.get_absolute_url()).content
    response = client.post(f"/events/{event.slug}/register/", {}, follow=True)
    assert b"You are registered" in response.content
    assert b"meet.example.org/room" in response.content
    registration = Registration.objects.get(user=user)
    client.post(f"/events/registrations/{registration.pk}/cancel/")
    registration.refresh_from_db()
    assert registration.state == S.CANCELLED


def test_registration_after_close_shows_a_clear_message(user: User) -> None:
    event = EventFactory(registration_closes_at=timezone.now() - timedelta(minutes=1))
    response = client_for(user).post(f"/events/{event.slug}/register/", {})
    assert response.status_code == 400
    assert b"Registration for this event has closed." in response.content


def test_taken_slot_shows_a_clear_message(user: User) -> None:
    from allmende.events.models import Slot

    event = EventFactory(event_type=EventType.CONSULTATION, capacity=1)
    slot = Slot.objects.create(
        event=event,
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(minutes=20),
    )
    services.registration_create(event=event, actor=UserFactory(), slot=slot)
    response = client_for(user).post(
        f"/events/{event.slug}/register/", {"slot": slot.pk, "question": "Hilfe?"}
    )
    assert response.status_code == 400
    assert b"This slot has just been taken" in response.content


def _host_admin() -> tuple[User, Organization]:
    host = HostFactory()
    admin = MembershipFactory(
        organization=host.organization, role=Membership.Role.ADMIN
    ).user
    return admin, host.organization


def test_host_admin_creates_an_event_for_the_organization() -> None:
    admin, organization = _host_admin()
    client = client_for(admin)
    start = (timezone.localtime() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        "/events/new/",
        {
            "title_de": "Datenschutz für Vereine",
            "organization": organization.pk,
            "event_type": "workshop",
            "format": "in_person",
            "level": "beginner",
            "language": "de",
            "status": "published",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": 12,
            "offer_hours": 24,
            "reminder_minutes": "1440, 60",
            "questions": "Wie groß ist Ihr Verein?",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    event = organization.events.get()
    assert event.reminder_minutes == [1440, 60]
    assert event.questions == ["Wie groß ist Ihr Verein?"]
    assert timezone.localtime(event.starts_at).hour == start.hour


def test_admin_of_organization_without_host_approval_is_offered_a_proposal(
    org_admin: User, org_member: User
) -> None:
    page = client_for(org_admin).get("/events/new/")
    assert page.status_code == 200
    assert "sent to the team as a proposal" in page.content.decode()
    assert 'name="status"' not in page.content.decode()
    assert client_for(org_member).get("/events/new/").status_code == 403


def test_organizer_sees_participants_exports_and_marks_attendance() -> None:
    admin, organization = _host_admin()
    event = EventFactory(organization=organization, questions=["Verein?", "=Q()"])
    person = UserFactory(display_name="=HYPERLINK(1)")
    registration = services.registration_create(
        event=event, actor=person, answers={"Verein?": "Tafel"}
    )
    client = client_for(admin)
    page = client.get(f"/events/{event.slug}/participants/")
    assert page.status_code == 200
    assert person.email.encode() in page.content
    csv_text = client.get(f"/events/{event.slug}/participants.csv").content.decode()
    assert "'=HYPERLINK(1)" in csv_text and "Tafel" in csv_text
    assert csv_text.splitlines()[0].endswith(";Verein?;'=Q()")
    xlsx = client.get(f"/events/{event.slug}/participants.xlsx").content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None
    assert sheet.cell(row=2, column=2).value == person.email
    assert sheet.cell(row=1, column=6).value == "'=Q()"
    client.post(
        f"/events/{event.slug}/participants/{registration.pk}/move/",
        {"move": "attended"},
    )
    registration.refresh_from_db()
    assert registration.state == S.ATTENDED


def test_participants_list_is_closed_to_others(user: User) -> None:
    event = EventFactory()
    assert (
        client_for(user).get(f"/events/{event.slug}/participants/").status_code == 403
    )
    assert (
        client_for(user).get(f"/events/{event.slug}/participants.csv").status_code
        == 403
    )


def test_organizer_messages_all_confirmed_participants(staff: User) -> None:
    event = EventFactory(capacity=1)
    first = services.registration_create(event=event, actor=UserFactory())
    services.registration_create(event=event, actor=UserFactory())  # waiting
    Notification.objects.all().delete()
    client_for(staff).post(
        f"/events/{event.slug}/message/",
        {"subject": "Raumänderung", "body": "Wir treffen uns im Saal 2."},
    )
    [message] = Notification.objects.all()
    assert message.recipient == first.user
    assert message.context["body"] == "Wir treffen uns im Saal 2."


def test_event_cancellation_tells_participants(staff: User) -> None:
    event = EventFactory()
    services.registration_create(event=event, actor=UserFactory())
    Notification.objects.all().delete()
    client_for(staff).post(f"/events/{event.slug}/cancel/", {"reason": "Krankheit"})
    event.refresh_from_db()
    assert event.status == "cancelled"
    [cancelled] = Notification.objects.all()
    assert cancelled.type == "events.event_cancelled"
    assert cancelled.context["reason"] == "Krankheit"


def test_my_events_shows_the_private_feed_address(user: User) -> None:
    page = client_for(user).get("/events/my/")
    assert page.status_code == 200
    assert b"/events/my/" in page.content and b".ics" in page.content


def test_my_events_lists_each_event_once_after_cancelling_and_registering_again(
    user: User,
) -> None:
    event = EventFactory(title_de="Wiederkehr", title_en="Wiederkehr")
    other = EventFactory(title_de="Einmal", title_en="Einmal")
    for _attempt in range(3):
        registration = services.registration_create(event=event, actor=user)
        services.registration_cancel(registration=registration, actor=user)
    services.registration_create(event=other, actor=user)
    page = client_for(user).get("/events/my/").content.decode()
    assert page.count("Wiederkehr</a>") == 1
    assert page.count("Einmal</a>") == 1
    again = services.registration_create(event=event, actor=user)
    from allmende.events import selectors

    shown = list(selectors.registrations_of(user=user))
    assert [r.pk for r in shown if r.event_id == event.pk] == [again.pk]
