"""Sign-up records the accepted privacy notice; a changed one is shown once."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.legal.models import AccessibilityFeedback, LegalPage
from allmende.legal.services import legal_text_save, privacy_notice_accept
from tests.accounts.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "ada@example.org",
    "username": "ada",
    "password1": "ein langes Passwort 2024",
    "password2": "ein langes Passwort 2024",
}


def _save_notice(text: str) -> int:
    return legal_text_save(
        actor=StaffFactory(), page=LegalPage.PRIVACY, body_de=text, body_en=text
    ).version


def _log_in(user: User) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_signup_page_asks_to_accept_the_linked_privacy_notice() -> None:
    page = Client().get("/accounts/signup/").content.decode()
    assert 'name="privacy_notice"' in page
    form = page.split('<main id="main"')[1].split("</form>")[0]
    # The checkbox comes last, after the password, with a link to the notice.
    assert form.index('name="password2"') < form.index('name="privacy_notice"')
    label = re.search(r'<label for="id_privacy_notice">(.*?)</label>', form, re.S)
    assert label is not None
    assert 'href="/datenschutz/"' in label.group(1)


def test_signup_without_accepting_the_notice_creates_no_account() -> None:
    response = Client().post("/accounts/signup/", SIGNUP)
    assert response.status_code == 200
    assert b"Please accept the privacy notice" in response.content
    assert not User.objects.filter(username="ada").exists()


def test_signup_records_the_version_of_the_notice_and_when() -> None:
    _save_notice("Fassung 1")
    version = _save_notice("Fassung 2")
    response = Client().post("/accounts/signup/", {**SIGNUP, "privacy_notice": "on"})
    assert response.status_code == 302
    user = User.objects.get(username="ada")
    assert user.privacy_notice_version == version == 2
    assert user.privacy_notice_accepted_at is not None
    entry = AuditLogEntry.objects.get(action="privacy_notice.accepted")
    assert entry.actor == user
    assert entry.data == {"version": 2}


def test_signup_before_any_notice_is_stored_records_the_time() -> None:
    Client().post("/accounts/signup/", {**SIGNUP, "privacy_notice": "on"})
    user = User.objects.get(username="ada")
    assert user.privacy_notice_version is None
    assert user.privacy_notice_accepted_at is not None


def test_changed_notice_is_shown_once_at_the_next_login() -> None:
    _save_notice("Fassung 1")
    user = UserFactory()
    privacy_notice_accept(user=user, version=1)
    assert _log_in(user).get("/").status_code == 200

    _save_notice("Die neue Fassung")
    client = _log_in(user)
    response = client.get("/events/?page=2")
    assert response.status_code == 302
    assert (
        response["Location"] == "/datenschutz/bestaetigen/?next=%2Fevents%2F%3Fpage%3D2"
    )
    # The legal pages and the account pages stay reachable meanwhile.
    assert client.get("/datenschutz/").status_code == 200
    assert client.get("/accounts/email/").status_code == 200
    notice = client.get(response["Location"])
    assert "Die neue Fassung" in notice.content.decode()
    read = client.post("/datenschutz/bestaetigen/", {"next": "/events/?page=2"})
    assert read.status_code == 302
    assert read["Location"] == "/events/?page=2"
    user.refresh_from_db()
    assert user.privacy_notice_version == 2
    assert client.get("/").status_code == 200
    # Not again at the login after that.
    assert _log_in(user).get("/").status_code == 200


def test_people_who_accepted_the_current_notice_are_not_asked_again() -> None:
    version = _save_notice("Fassung 1")
    user = UserFactory()
    privacy_notice_accept(user=user, version=version)
    assert _log_in(user).get("/organizations/").status_code == 200


def test_accounts_from_before_the_first_notice_see_it_once() -> None:
    user = UserFactory()
    _save_notice("Fassung 1")
    client = _log_in(user)
    assert client.get("/").status_code == 302
    client.post("/datenschutz/bestaetigen/")
    assert client.get("/").status_code == 200


def test_acknowledge_page_does_not_redirect_to_other_hosts() -> None:
    _save_notice("Fassung 1")
    client = _log_in(UserFactory())
    response = client.post(
        "/datenschutz/bestaetigen/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_acknowledge_page_needs_a_login() -> None:
    response = Client().get("/datenschutz/bestaetigen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_export_and_deletion_cover_the_notice_and_feedback() -> None:
    from allmende.accounts.services import user_delete, user_export_data
    from allmende.legal.services import accessibility_feedback_create

    version = _save_notice("Fassung 1")
    user = UserFactory()
    privacy_notice_accept(user=user, version=version)
    accessibility_feedback_create(actor=user, message="Kontrast zu schwach")
    data = user_export_data(user=user)["legal"]
    assert data["privacy_notice_version"] == 1
    assert data["privacy_notice_accepted_at"]
    assert data["accessibility_feedback"][0]["message"] == "Kontrast zu schwach"
    user_delete(actor=user)
    feedback = AccessibilityFeedback.objects.get()
    assert (feedback.user, feedback.name, feedback.email) == (None, "", "")
    assert feedback.message == "Kontrast zu schwach"
