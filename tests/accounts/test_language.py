"""The language a person's notifications and e-mails are written in."""

from __future__ import annotations

import pytest
from django.test import Client

from allmende.accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _log_in(user: User, language: str) -> None:
    client = Client(headers={"accept-language": language})
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302


def test_first_login_keeps_the_sites_language_and_later_ones_do_not_change_it() -> None:
    user = UserFactory()
    assert user.language == ""
    _log_in(user, "en")
    user.refresh_from_db()
    assert user.language == "en"
    _log_in(user, "de")
    user.refresh_from_db()
    assert user.language == "en"


def test_the_profile_sets_the_language(user: User) -> None:
    response = client_for(user).post(
        "/me/",
        {
            "display_name": "Ada",
            "bio": "",
            "profile_visibility": "public",
            "language": "de",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "de"
