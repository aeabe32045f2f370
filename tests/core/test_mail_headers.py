"""Every mail the platform sends is marked as automatic, whatever sends it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage, send_mail
from django.test import Client

from allmende.accounts.models import User
from allmende.core import mail as core_mail
from allmende.organizations import services as organization_services
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _header(message: EmailMessage, name: str) -> str | None:
    # The message as it is written on the wire, not the object's attributes.
    return message.message()[name]


@pytest.mark.django_db(transaction=True)
def test_allauth_password_reset_mail_is_auto_submitted() -> None:
    UserFactory(email="ada@example.org")
    Client().post("/accounts/password/reset/", {"email": "ada@example.org"})
    [sent] = mail.outbox
    assert sent.to == ["ada@example.org"]
    assert _header(sent, "Auto-Submitted") == "auto-generated"


def test_organization_invitation_mail_is_auto_submitted(
    org_admin: User,
    organization: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        organization_services.invitation_create(
            actor=org_admin,
            organization=organization,
            email="gast@example.org",
            role="member",
        )
    [sent] = mail.outbox
    assert _header(sent, "Auto-Submitted") == "auto-generated"


def test_plain_send_mail_is_auto_submitted(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("Hallo", "Text", None, ["a@example.org"])
    assert _header(mail.outbox[0], "Auto-Submitted") == "auto-generated"


@pytest.fixture
def refuse_bounced() -> Iterator[None]:
    def check(addresses: Iterable[str]) -> set[str]:
        return {a for a in addresses if a.startswith("bounced@")}

    core_mail.undeliverable_checks.append(check)
    yield
    core_mail.undeliverable_checks.remove(check)


def test_undeliverable_addresses_are_left_out(
    refuse_bounced: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_mail("Eins", "Text", None, ["bounced@example.org", "ok@example.org"])
        send_mail("Zwei", "Text", None, ["bounced@example.org"])
    assert [(m.subject, m.to) for m in mail.outbox] == [("Eins", ["ok@example.org"])]


def test_address_bounced_reaches_receivers() -> None:
    heard: list[str] = []

    def receiver(sender: Any, email: str, **kwargs: Any) -> None:
        heard.append(email)

    core_mail.bounced.connect(receiver)
    try:
        core_mail.address_bounced("gone@example.org")
    finally:
        core_mail.bounced.disconnect(receiver)
    assert heard == ["gone@example.org"]
