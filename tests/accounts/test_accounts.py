from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import PASSWORD, StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


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


@pytest.mark.django_db(transaction=True)
def test_signup_sends_a_confirmation_mail_and_needs_it_before_login() -> None:
    _signup(Client(), "ada@example.org", "ada")
    user = User.objects.get(username="ada")
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox[-1].to == ["ada@example.org"]
    assert "/accounts/confirm-email/" in mail.outbox[-1].body
    response = Client().post(
        "/accounts/login/", {"login": "ada", "password": "ein langes Passwort 2024"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"


@pytest.mark.django_db(transaction=True)
def test_signup_with_an_address_already_in_use_creates_no_second_account() -> None:
    UserFactory(email="ada@example.org")
    _signup(Client(), "ADA@example.org", "ada2")
    assert not User.objects.filter(username="ada2").exists()
    assert User.objects.filter(email__iexact="ada@example.org").count() == 1


def test_confirmation_link_is_a_page_with_a_button_not_an_action(
    client: Client,
) -> None:
    user = UserFactory(verified_email=False)
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True)
    from allauth.account.models import EmailConfirmationHMAC

    key = EmailConfirmationHMAC(address).key
    page = client.get(f"/accounts/confirm-email/{key}/")
    assert page.status_code == 200
    assert not EmailAddress.objects.get(pk=address.pk).verified
    client.post(f"/accounts/confirm-email/{key}/")
    assert EmailAddress.objects.get(pk=address.pk).verified


def test_broken_confirmation_link_says_so(client: Client) -> None:
    response = client.get("/accounts/confirm-email/broken-key/")
    assert response.status_code == 200
    assert "expired or is invalid" in response.content.decode()


# --- profile and directory of people ---


def test_profile_visibility_decides_who_sees_a_person(client: Client) -> None:
    UserFactory(display_name="Öffentliche Olga", profile_visibility="public")
    UserFactory(display_name="Registrierte Rita", profile_visibility="registered")
    UserFactory(display_name="Versteckter Hans", profile_visibility="hidden")
    anonymous = client.get("/people/").content.decode()
    signed_in = client_for(UserFactory()).get("/people/").content.decode()
    assert "Öffentliche Olga" in anonymous and "Registrierte Rita" not in anonymous
    assert "Registrierte Rita" in signed_in
    assert "Versteckter Hans" not in anonymous + signed_in
    hidden = User.objects.get(display_name="Versteckter Hans")
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_profile_changes_are_saved_and_searchable(user: User) -> None:
    client = client_for(user)
    response = client.post(
        "/me/",
        {
            "display_name": "Ada Lovelace",
            "bio": "Ich analysiere Haushaltsdaten.",
            "profile_visibility": "public",
        },
    )
    assert response.status_code == 302
    results = Client().get("/people/?q=haushaltsdaten").context["page"].object_list
    assert [p.display_name for p in results] == ["Ada Lovelace"]


# --- export and deletion ---


def test_export_contains_everything_about_the_person(user: User) -> None:
    MembershipFactory(user=user, organization__name="Tafel Kiel", role="admin")
    response = client_for(user).get("/me/export/")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["username"] == user.username
    assert data["email_addresses"] == [
        {"email": user.email, "verified": True, "primary": True}
    ]
    assert data["memberships"][0]["organization"] == "Tafel Kiel"
    assert data["memberships"][0]["role"] == "admin"


def test_account_deletion_needs_the_password(user: User) -> None:
    response = client_for(user).post("/me/delete/", {"password": "falsch"})
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_account_deletion_removes_the_person_and_anonymises_their_log(
    user: User,
) -> None:
    organization = MembershipFactory(role="admin").organization
    MembershipFactory(user=user, organization=organization)
    client = client_for(user)
    client.post(
        "/me/", {"display_name": "X", "bio": "", "profile_visibility": "public"}
    )
    response = client.post("/me/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Membership.objects.filter(user_id=user.pk).exists()
    assert Organization.objects.filter(pk=organization.pk).exists()
    assert not AuditLogEntry.objects.filter(actor_name=user.username).exists()
    assert AuditLogEntry.objects.filter(action="account.deleted").exists()


def test_only_admin_cannot_delete_the_account_until_someone_takes_over(
    org_admin: User, organization: Organization
) -> None:
    response = client_for(org_admin).post("/me/delete/", {"password": PASSWORD})
    assert "You are the only administrator of" in response.content.decode()
    assert User.objects.filter(pk=org_admin.pk).exists()


# --- staff and two-factor authentication ---


def test_staff_without_two_factor_must_set_it_up_first() -> None:
    staff = StaffFactory(totp=False)
    client = client_for(staff)
    response = client.get("/organizations/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/admin/").status_code == 302
    # The set-up page itself stays reachable (allauth first asks for the
    # password again, since this test session did not log in through a form).
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200 or setup["Location"].startswith(
        "/accounts/reauthenticate/"
    )


def test_staff_with_two_factor_works_normally() -> None:
    staff = StaffFactory()
    assert client_for(staff).get("/organizations/").status_code == 200
    assert client_for(staff).get("/admin/").status_code == 200


def test_staff_login_asks_for_the_second_factor() -> None:
    staff = StaffFactory()
    response = Client().post(
        "/accounts/login/", {"login": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"


def test_members_need_no_two_factor(user: User) -> None:
    assert client_for(user).get("/organizations/").status_code == 200


# --- operations ---


def test_deploy_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
        "ALLMENDE_DATA_DIR": str(tmp_path),
        "ALLMENDE_DEBUG": "0",
        "ALLMENDE_SECRET_KEY": "k" * 20 + "production-secret-with-enough-entropy-9876",
        "ALLMENDE_ALLOWED_HOSTS": "allmende.example.org",
        "ALLMENDE_SSL_REDIRECT": "1",
        "ALLMENDE_HSTS_SECONDS": "31536000",
        "ALLMENDE_SECURE_COOKIES": "1",
        "ALLMENDE_HSTS_PRELOAD": "1",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "allmende",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_static_files_collect_with_production_storage(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
        "ALLMENDE_DATA_DIR": str(tmp_path),
        "ALLMENDE_DEBUG": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "allmende", "collectstatic", "--noinput"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_openid_connect_login_is_offered_when_configured(
    client: Client, settings: object
) -> None:
    assert (
        "Keycloak des Programms" not in client.get("/accounts/login/").content.decode()
    )
    settings.SOCIALACCOUNT_PROVIDERS = {  # type: ignore[attr-defined]
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "oidc",
                    "name": "Keycloak des Programms",
                    "client_id": "allmende",
                    "secret": "geheim",
                    "settings": {"server_url": "https://login.example.org/realms/x"},
                }
            ]
        }
    }
    html = client.get("/accounts/login/").content.decode()
    assert "Keycloak des Programms" in html
    assert "/accounts/oidc/oidc/login/" in html


def test_staff_setting_up_two_factor_right_after_login_is_not_asked_again() -> None:
    staff = StaffFactory(totp=False)
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert (
        client.get(response["Location"])["Location"] == "/accounts/2fa/totp/activate/"
    )
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200
    assert b"reauthenticate" not in setup.content


def test_staff_login_long_ago_must_confirm_the_password_again() -> None:
    staff = StaffFactory(totp=False)
    client = Client()
    client.post("/accounts/login/", {"login": staff.username, "password": PASSWORD})
    later = time.time() + 600
    with mock.patch("time.time", return_value=later):
        setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 302
    assert setup["Location"].startswith("/accounts/reauthenticate/")
