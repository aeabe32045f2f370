"""A person hears of every new key to their account, and of one staff took away."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from allmende.accounts.services import api_token_create, api_token_revoke
from allmende.notifications.models import Notification
from allmende.notifications.registry import Channel
from tests.accounts.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_api_token_is_notified_to_its_owner_who_made_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        token, _secret = api_token_create(actor=owner, name="Skript")
    [notification] = Notification.objects.all()
    assert notification.recipient == owner
    assert notification.type == "accounts.api_token_created"
    assert notification.channel == Channel.IMMEDIATE
    assert notification.object_id == token.pk
    assert notification.url == "/me/tokens/"
    with translation.override("en"):
        assert notification.message.startswith(
            "The API token “Skript” was created for your account."
        )
    with translation.override("de"):
        assert notification.message.startswith(
            "Für Ihr Konto wurde der API-Token „Skript“ angelegt."
        )


def test_a_token_revoked_by_staff_is_notified_but_not_ones_own(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, staff = UserFactory(), StaffFactory()
    first, _secret = api_token_create(actor=owner, name="Skript")
    second, _secret = api_token_create(actor=owner, name="Export")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        api_token_revoke(actor=owner, token=first)
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        api_token_revoke(actor=staff, token=second)
    [notification] = Notification.objects.all()
    assert (notification.recipient, notification.actor) == (owner, staff)
    assert notification.type == "accounts.api_token_revoked"
    with translation.override("en"):
        assert notification.message == "The staff revoked your API token “Export”."
    with translation.override("de"):
        assert notification.message == (
            "Das Team hat Ihren API-Token „Export“ widerrufen."
        )
