"""A person's notifications and choices in the data export, gone with the account."""

from __future__ import annotations

import json
from datetime import time

import pytest

from allmende.accounts.models import User
from allmende.notifications.models import (
    Notification,
    NotificationPreferences,
    NotificationSetting,
)
from allmende.notifications.registry import NotificationType
from allmende.organizations.models import Organization
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import client_for
from tests.notifications.helpers import make_notification

pytestmark = pytest.mark.django_db


def test_export_holds_notifications_settings_and_quiet_hours(
    user: User,
    organization: Organization,
    test_types: tuple[NotificationType, NotificationType],
) -> None:
    kind, _mandatory = test_types
    make_notification(user, obj=organization, read=True)
    make_notification(UserFactory(), organization="Someone else's")
    NotificationSetting.objects.create(user=user, type=kind.key, channel="daily")
    NotificationPreferences.objects.create(
        user=user, quiet_from=time(22), quiet_until=time(7)
    )
    data = json.loads(client_for(user).get("/me/export/").content)["notifications"]
    assert [n["message"] for n in data["notifications"]] == ["Acme changed"]
    exported = data["notifications"][0]
    assert exported["url"] == organization.get_absolute_url()
    assert exported["object"] == str(organization)
    assert exported["read_at"] is not None
    assert data["settings"] == {kind.key: "daily"}
    assert data["quiet_hours"] == {"from": "22:00", "until": "07:00"}


def test_export_of_a_person_without_anything(user: User) -> None:
    data = json.loads(client_for(user).get("/me/export/").content)["notifications"]
    assert data == {"notifications": [], "settings": {}, "quiet_hours": None}


def test_deleting_the_account_deletes_its_notifications_and_choices(
    user: User, test_types: tuple[NotificationType, NotificationType]
) -> None:
    kind, _mandatory = test_types
    other = UserFactory()
    make_notification(user)
    told_about_user = make_notification(other, actor=user)
    NotificationSetting.objects.create(user=user, type=kind.key, channel="off")
    NotificationPreferences.objects.create(
        user=user, quiet_from=time(22), quiet_until=time(7)
    )
    response = client_for(user).post("/me/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient_id=user.pk).exists()
    assert not NotificationSetting.objects.filter(user_id=user.pk).exists()
    assert not NotificationPreferences.objects.filter(user_id=user.pk).exists()
    # Another person's notification stays, no longer linked to the account.
    told_about_user.refresh_from_db()
    assert told_about_user.actor_id is None
