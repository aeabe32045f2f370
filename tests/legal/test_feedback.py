"""The accessibility statement's feedback reaches staff, within limits."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from allmende.accounts.models import User
from allmende.legal.models import AccessibilityFeedback
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/barrierefreiheit/rueckmeldung/"


def _form(**fields: str) -> dict[str, str]:
    return {
        "submission_key": str(uuid.uuid4()),
        "message": "Das Anmeldeformular lässt sich nicht mit der Tastatur absenden.",
        "page_url": "/accounts/signup/",
        **fields,
    }


def test_anonymous_feedback_is_kept_and_mailed_to_staff() -> None:
    staff = [StaffFactory(), StaffFactory()]
    UserFactory()  # a member gets no mail
    page = Client().get("/barrierefreiheit/")
    assert f'action="{URL}"' in page.content.decode()
    response = Client().post(
        URL, _form(name="Ada", email="ada@example.org", homepage="")
    )
    assert response.status_code == 302
    assert response["Location"] == "/barrierefreiheit/"
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.user is None
    assert feedback.email == "ada@example.org"
    assert "Tastatur" in feedback.message
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted(s.email for s in staff)
    assert message.reply_to == ["ada@example.org"]
    assert "Tastatur" in message.body
    assert "/barrierefreiheit/rueckmeldungen/" in message.body
    listing = client_for(staff[0]).get("/barrierefreiheit/rueckmeldungen/")
    assert "Tastatur" in listing.content.decode()


def test_feedback_of_a_logged_in_person_carries_their_account() -> None:
    StaffFactory()
    user = UserFactory()
    client_for(user).post(URL, _form())
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.user == user
    assert feedback.email == user.email
    assert mail.outbox[0].reply_to == [user.email]


def test_filled_in_trap_field_is_thanked_but_dropped() -> None:
    StaffFactory()
    response = Client().post(URL, _form(homepage="https://spam.example"))
    assert response.status_code == 302
    assert not AccessibilityFeedback.objects.exists()
    assert mail.outbox == []


def test_empty_message_is_refused_with_a_message() -> None:
    response = Client().post(URL, _form(message=""))
    assert response.status_code == 400
    assert b"error-summary" in response.content
    assert not AccessibilityFeedback.objects.exists()


def test_sending_the_form_twice_keeps_one_message() -> None:
    StaffFactory()
    data = _form()
    for _ in range(2):
        assert Client().post(URL, data).status_code == 302
    assert AccessibilityFeedback.objects.count() == 1
    assert len(mail.outbox) == 1


def test_feedback_is_limited_like_other_mails_of_a_visitor(settings: Any) -> None:
    settings.ALLMENDE_MAIL_RATE_PER_CLIENT = 2
    StaffFactory()
    statuses = [Client().post(URL, _form()).status_code for _ in range(4)]
    assert statuses == [302, 302, 429, 429]
    assert AccessibilityFeedback.objects.count() == 2
    assert len(mail.outbox) == 2
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(URL, _form()).status_code == 302


def test_anonymous_visitors_without_an_address_do_not_share_one_limit(
    settings: Any,
) -> None:
    settings.ALLMENDE_MAIL_RATE_PER_ADDRESS = 2
    StaffFactory()
    statuses = [
        Client(REMOTE_ADDR=f"203.0.113.{index}").post(URL, _form()).status_code
        for index in range(1, 6)
    ]
    assert statuses == [302] * 5
    assert AccessibilityFeedback.objects.count() == 5


def test_members_do_not_see_the_feedback(user: User) -> None:
    assert client_for(user).get("/barrierefreiheit/rueckmeldungen/").status_code == 403
