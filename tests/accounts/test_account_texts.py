"""django-allauth's pages and mails speak as the rest of the platform does."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.test import Client

from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _german() -> Client:
    return Client(headers={"accept-language": "de"})


def _signup(client: Client, email: str, username: str) -> None:
    client.post(
        "/accounts/signup/",
        {
            "email": email,
            "username": username,
            "password1": "ein langes Passwort 2024",
            "password2": "ein langes Passwort 2024",
            "privacy_notice": "on",
        },
    )


def test_site_row_has_the_platform_name_and_address(settings: Any) -> None:
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == settings.SITE_NAME
    assert site.domain == settings.SITE_URL.split("://", 1)[1]


def test_account_mails_name_the_platform_not_example_com(settings: Any) -> None:
    _signup(Client(), "ada@example.org", "ada")
    body = mail.outbox[-1].body
    assert "example.com" not in body
    assert settings.SITE_NAME in body


def test_german_account_pages_address_the_reader_as_sie() -> None:
    client = _german()
    pages = [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/not-a-key/",
        "/accounts/password/reset/key/1-set-password/",
    ]
    user = UserFactory()
    for path in pages:
        text = _text(client.get(path).content.decode())
        assert INFORMAL.findall(text) == [], path
    client.force_login(user)
    for path in ["/accounts/logout/", "/accounts/email/", "/accounts/password/change/"]:
        text = _text(client.get(path).content.decode())
        assert INFORMAL.findall(text) == [], path
    logout = _text(client.get("/accounts/logout/").content.decode())
    assert "Möchten Sie sich wirklich abmelden?" in logout
    # Two words that django-allauth's own catalogue says with "du":
    signup_page = _text(_german().get("/accounts/signup/").content.decode())
    assert "Sie haben bereits ein Konto?" in signup_page


def test_german_account_mails_address_the_reader_as_sie() -> None:
    UserFactory(email="ada@example.org", username="ada")
    _signup(_german(), "bob@example.org", "bob")
    _signup(_german(), "ada@example.org", "ada2")
    _german().post("/accounts/password/reset/", {"email": "ada@example.org"})
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert INFORMAL.findall(message.subject + message.body) == [], message.body
    assert "Sie" in mail.outbox[0].body


@pytest.mark.django_db(transaction=False)
def test_compiled_allauth_overrides_match_the_po_file() -> None:
    import polib

    from allmende import accounts

    po_path = f"{accounts.__path__[0]}/locale/de/LC_MESSAGES/django.po"
    po = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(po_path)}
    mo = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(po_path[:-2] + "mo")}
    mo.pop((None, ""), None)
    assert po == mo, "run compilemessages for the allauth overrides"
