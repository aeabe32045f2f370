"""Anonymous forms that send mail cannot be used to flood a mailbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory

from allmende.core.ratelimit import client_ip
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)

ATTACKER_NAME = "Win 1000 EUR at evil.example"


def _to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


def test_repeated_guest_registrations_send_one_mail_without_the_typed_name() -> None:
    event = EventFactory(capacity=5)
    for _ in range(10):
        response = Client().post(
            f"/events/{event.slug}/register/",
            {"name": ATTACKER_NAME, "email": "victim@example.org"},
        )
        assert response.status_code == 302
    sent = _to("victim@example.org")
    assert len(sent) == 1
    assert ATTACKER_NAME not in sent[0].body
    assert "evil" not in sent[0].subject


def test_guest_registrations_are_limited_per_address_and_per_client(
    settings: Any,
) -> None:
    settings.ALLMENDE_MAIL_RATE_PER_ADDRESS = 3
    settings.ALLMENDE_MAIL_RATE_PER_CLIENT = 5
    events = [EventFactory(capacity=5) for _ in range(8)]
    statuses = [
        Client()
        .post(
            f"/events/{event.slug}/register/",
            {"name": "Ada", "email": "victim@example.org"},
        )
        .status_code
        for event in events
    ]
    assert statuses == [302] * 3 + [429] * 5
    assert len(_to("victim@example.org")) == 3
    # Another client may still register that address; the first one is used up.
    other = Client(REMOTE_ADDR="203.0.113.9")
    for index, event in enumerate(events[:2]):
        other.post(
            f"/events/{event.slug}/register/",
            {"name": "Bob", "email": f"bob{index}@example.org"},
        )
    response = Client().post(
        f"/events/{events[0].slug}/register/",
        {"name": "Cy", "email": "cy@example.org"},
    )
    assert response.status_code == 429
    assert b"Too many registrations" in response.content
    assert len(_to("bob0@example.org") + _to("bob1@example.org")) == 2
    assert _to("cy@example.org") == []


def test_repeated_signups_with_one_address_send_one_mail() -> None:
    for index in range(10):
        Client().post(
            "/accounts/signup/",
            {
                "email": "victim@example.org",
                "username": f"spam{index}",
                "password1": "ein langes Passwort 2024",
                "password2": "ein langes Passwort 2024",
                "privacy_notice": "on",
            },
        )
    sent = _to("victim@example.org")
    assert len(sent) == 1
    assert "spam0" not in sent[0].body


def test_repeated_password_resets_send_one_mail() -> None:
    UserFactory(email="ada@example.org")
    for _ in range(10):
        response = Client().post(
            "/accounts/password/reset/", {"email": "ada@example.org"}
        )
        # django-allauth answers 429 itself after five tries a minute.
        assert response.status_code in (302, 429)
    assert len(_to("ada@example.org")) == 1


def test_client_address_behind_trusted_proxies(settings: Any) -> None:
    request = RequestFactory().get(
        "/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5, 10.0.0.1",
    )
    assert client_ip(request) == "10.0.0.2"
    settings.ALLMENDE_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.5"
