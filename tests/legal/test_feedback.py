"""The accessibility statement's feedback reaches staff, within limits."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from allmende.accounts.models import User
from allmende.legal.models import AccessibilityFeedback
from allmende.notifications.models import Notification
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


def _told() -> list[Notification]:
    return list(Notification.objects.filter(type="legal.barrier_reported"))


def test_anonymous_feedback_is_kept_and_the_staff_notified() -> None:
    staff = [StaffFactory(), StaffFactory()]
    UserFactory()  # a member is not told
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
    told = _told()
    assert sorted(n.recipient_id for n in told) == sorted(s.pk for s in staff)
    notification = told[0]
    assert notification.url == "/barrierefreiheit/rueckmeldungen/"
    assert notification.context["reply_to"] == "ada@example.org"
    with translation.override("en"):
        assert notification.message == (
            "Ada <ada@example.org> reported a barrier on /accounts/signup/: "
            + feedback.message
        )
    with translation.override("de"):
        assert notification.message == (
            "Ada <ada@example.org> hat eine Barriere auf /accounts/signup/ "
            "gemeldet: " + feedback.message
        )
    listing = client_for(staff[0]).get("/barrierefreiheit/rueckmeldungen/")
    assert "Tastatur" in listing.content.decode()


def test_feedback_of_a_logged_in_person_carries_their_account() -> None:
    StaffFactory()
    user = UserFactory()
    client_for(user).post(URL, _form())
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.user == user
    assert feedback.email == user.email
    [notification] = _told()
    assert notification.context["reply_to"] == user.email
    assert notification.actor == user


def test_feedback_without_name_or_address_is_anonymous_in_each_language() -> None:
    StaffFactory()
    Client().post(URL, _form(page_url=""))
    [notification] = _told()
    with translation.override("en"):
        assert notification.message.startswith("anonymous reported a barrier on –:")
    with translation.override("de"):
        assert notification.message.startswith("anonym hat eine Barriere auf –")


def test_a_staff_member_reporting_a_barrier_is_not_told_of_it() -> None:
    reporter, colleague = StaffFactory(), StaffFactory()
    client_for(reporter).post(URL, _form())
    assert [n.recipient for n in _told()] == [colleague]


def test_filled_in_trap_field_is_thanked_but_dropped() -> None:
    StaffFactory()
    response = Client().post(URL, _form(homepage="https://spam.example"))
    assert response.status_code == 302
    assert not AccessibilityFeedback.objects.exists()
    assert _told() == []


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
    assert len(_told()) == 1


def test_feedback_is_limited_like_other_mails_of_a_visitor(settings: Any) -> None:
    settings.ALLMENDE_MAIL_RATE_PER_CLIENT = 2
    StaffFactory()
    statuses = [Client().post(URL, _form()).status_code for _ in range(4)]
    assert statuses == [302, 302, 429, 429]
    assert AccessibilityFeedback.objects.count() == 2
    assert len(_told()) == 2
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
