"""Sending: who gets a notification, through which channel, at what cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.accounts.models import User
from allmende.notifications import services
from allmende.notifications.models import Notification, NotificationSetting
from allmende.notifications.registry import Channel, NotificationType
from allmende.notifications.services import (
    notifications_mark_all_read,
    notifications_mark_read_for_path,
    notify,
    organization_admins,
    organization_members,
)
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_notification_waits_for_the_commit_and_leaves_out_the_actor(
    organization: Organization,
    org_admin: User,
    org_member: User,
    test_types: tuple[NotificationType, NotificationType],
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, _mandatory = test_types
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notify(
            kind,
            organization_members(organization),
            obj=organization,
            context={"organization": organization.name},
            actor=org_admin,
        )
        assert not Notification.objects.exists()
    assert len(callbacks) == 1
    notification = Notification.objects.get()
    assert notification.recipient == org_member
    assert notification.url == organization.get_absolute_url()
    assert notification.object_label == str(organization)
    assert notification.message == f"{organization.name} changed"


def test_each_persons_setting_decides_and_off_sends_nothing(
    organization: Organization,
    test_types: tuple[NotificationType, NotificationType],
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, _mandatory = test_types
    people = [UserFactory() for _ in range(3)]
    for person in people:
        MembershipFactory(organization=organization, user=person)
    NotificationSetting.objects.create(user=people[0], type=kind.key, channel="off")
    NotificationSetting.objects.create(user=people[1], type=kind.key, channel="daily")
    inactive = UserFactory(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind, [*people, inactive.pk], obj=organization)
    channels = dict(Notification.objects.values_list("recipient_id", "channel"))
    assert channels == {people[1].pk: Channel.DAILY, people[2].pk: Channel.APP}


def test_mandatory_type_reaches_a_person_who_tried_to_switch_it_off(
    user: User,
    test_types: tuple[NotificationType, NotificationType],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _kind, mandatory = test_types
    NotificationSetting.objects.create(user=user, type=mandatory.key, channel="off")
    assert not mandatory.allows("off")
    assert not mandatory.allows("app")
    with django_capture_on_commit_callbacks(execute=True):
        notify(mandatory, user)
    assert Notification.objects.get().channel == Channel.IMMEDIATE


def test_admins_of_an_organization_are_only_its_admins(
    organization: Organization, org_admin: User, org_member: User
) -> None:
    assert list(organization_admins(organization)) == [org_admin]
    assert set(organization_members(organization)) == {org_admin, org_member}


def test_fan_out_runs_a_constant_number_of_queries(
    test_types: tuple[NotificationType, NotificationType],
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, _mandatory = test_types
    people = UserFactory.create_batch(30)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind, User.objects.filter(pk__in=[p.pk for p in people]))
    # ids, settings of the type, one insert (inside its savepoint).
    with django_assert_max_num_queries(5):
        for callback in callbacks:
            callback()
    assert Notification.objects.count() == 30


def test_fan_out_reads_only_the_settings_of_each_batch(
    test_types: tuple[NotificationType, NotificationType],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind, _mandatory = test_types
    monkeypatch.setattr(services, "BATCH", 10)
    people = UserFactory.create_batch(30)
    for person in people[::3]:
        NotificationSetting.objects.create(user=person, type=kind.key, channel="off")
    # Settings of people outside the fan-out are not read.
    for stranger in UserFactory.create_batch(5):
        NotificationSetting.objects.create(
            user=stranger, type=kind.key, channel="daily"
        )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(kind, User.objects.filter(pk__in=[p.pk for p in people]))
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    # The ids, then per batch of ten: its settings and one insert (inside its
    # savepoint) - the same for every batch, however many settings exist.
    settings_reads = [
        q["sql"] for q in queries if "notifications_notificationsetting" in q["sql"]
    ]
    assert len(settings_reads) == 3
    assert all(" IN (" in sql for sql in settings_reads)
    assert len(queries) <= 1 + 3 * 4
    assert Notification.objects.count() == 20
    assert not Notification.objects.filter(channel="daily").exists()


def test_each_batch_of_a_fan_out_is_dated_just_before_its_insert(
    test_types: tuple[NotificationType, NotificationType],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind, _mandatory = test_types
    monkeypatch.setattr(services, "BATCH", 2)
    people = UserFactory.create_batch(5)
    start = timezone.now()
    ticks = iter(range(100))

    class Clock:
        @staticmethod
        def now() -> datetime:
            return start + timedelta(seconds=next(ticks))

    monkeypatch.setattr(services, "timezone", Clock)
    services.notify_now(kind, people, values={"type": kind.key})
    dates = sorted(
        Notification.objects.order_by("pk").values_list("created_at", flat=True)
    )
    assert dates == [
        start,
        start,
        start + timedelta(seconds=1),
        start + timedelta(seconds=1),
        start + timedelta(seconds=2),
    ]


def test_a_deleted_object_still_renders(
    organization: Organization,
    user: User,
    test_types: tuple[NotificationType, NotificationType],
    django_capture_on_commit_callbacks: Any,
) -> None:
    _kind, mandatory = test_types
    with django_capture_on_commit_callbacks(execute=True):
        notify(mandatory, user, obj=organization)
    name = str(organization)
    organization.delete()
    notification = Notification.objects.get()
    assert not notification.target_exists
    assert notification.message == f"About {name}"


def test_reading_the_page_marks_only_its_notifications_read(
    user: User,
    organization: Organization,
    test_types: tuple[NotificationType, NotificationType],
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, _mandatory = test_types
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind, user, obj=organization)
        notify(kind, user, url="/elsewhere/")
    path = organization.get_absolute_url()
    assert notifications_mark_read_for_path(user=user, path=path) == 1
    assert notifications_mark_read_for_path(user=user, path=path) == 0
    unread = Notification.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("url", flat=True)) == ["/elsewhere/"]
    newest = Notification.objects.latest("id").pk
    assert notifications_mark_all_read(actor=user, up_to=newest - 1) == 0
    assert notifications_mark_all_read(actor=user) == 1
