from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from allmende.accounts.models import ApiToken
from allmende.accounts.services import api_token_create
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_without_two_factor_cannot_create_a_token() -> None:
    staff = StaffFactory(totp=False)
    with pytest.raises(ValidationError):
        api_token_create(actor=staff, name="Skript")
    with pytest.raises(CommandError, match="two-factor"):
        call_command("token", "create", staff.username)
    assert not ApiToken.objects.exists()


def test_staff_token_stops_working_when_two_factor_is_removed() -> None:
    staff = StaffFactory()
    _token, secret = api_token_create(actor=staff, name="Skript")
    client = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/catalog/datasets", headers=headers).status_code == 200
    Authenticator.objects.filter(user=staff).delete()
    assert client.get("/api/catalog/datasets", headers=headers).status_code == 401
    ckan = client.get("/api/3/action/package_list", headers={"Authorization": secret})
    assert ckan.status_code == 403


def test_members_need_no_two_factor_for_tokens() -> None:
    _token, secret = api_token_create(actor=UserFactory(), name="Skript")
    response = Client().get(
        "/api/catalog/datasets", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
