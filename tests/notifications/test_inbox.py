"""The inbox: one person's notifications, newest first, and marking them read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from allmende.notifications.registry import NotificationType
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.notifications.helpers import make_notification
from tests.organizations.factories import OrganizationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_types")]


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    client = Client()
    for url in ("/notifications/", "/notifications/read/", "/notifications/1/read/"):
        response = client.get(url) if url == "/notifications/" else client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_inbox_shows_own_notifications_newest_first_grouped_by_berlin_day(
    user: User, organization: Organization
) -> None:
    other = UserFactory()
    make_notification(other, organization="Not yours")
    # 23:30 UTC is already the next day in Berlin.
    make_notification(
        user,
        obj=organization,
        actor=other,
        organization="Older",
        created_at=datetime(2026, 3, 1, 22, 30, tzinfo=UTC),
    )
    make_notification(
        user, organization="Newer", created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    )
    response = client_for(user).get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not yours" not in html
    assert html.index("Newer changed") < html.index("Older changed")
    assert 'datetime="2026-03-02"' in html and 'datetime="2026-03-01"' in html
    assert html.index('datetime="2026-03-02"') < html.index("Newer changed")
    assert f'href="{organization.get_absolute_url()}"' in html
    assert str(other) in html


def test_a_deleted_object_is_shown_as_no_longer_available(user: User) -> None:
    gone = OrganizationFactory()
    make_notification(user, obj=gone)
    gone.delete()
    html = client_for(user).get("/notifications/").content.decode()
    assert "no longer available" in html


def test_filter_shows_only_unread(user: User) -> None:
    make_notification(user, organization="Seen", read=True)
    make_notification(user, organization="Fresh")
    html = client_for(user).get("/notifications/?unread=1").content.decode()
    assert "Fresh changed" in html and "Seen changed" not in html


def test_empty_inbox_says_so(user: User) -> None:
    html = client_for(user).get("/notifications/").content.decode()
    assert "You have no notifications yet" in html
    assert "Mark all as read" not in html


def test_pages_continue_before_the_last_id_shown(user: User) -> None:
    made = [make_notification(user, organization=f"N{i:02d}") for i in range(25)]
    client = client_for(user)
    first = client.get("/notifications/").content.decode()
    assert "N24 changed" in first and "N05 changed" in first
    assert "N04 changed" not in first
    assert f"?before={made[5].pk}" in first
    second = client.get(f"/notifications/?before={made[5].pk}").content.decode()
    assert "N04 changed" in second and "N00 changed" in second
    assert "N05 changed" not in second
    # A malformed keyset shows the first page rather than failing.
    assert client.get("/notifications/?before=x%00").status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_inbox_runs_a_constant_number_of_queries(
    user: User, count: int, django_assert_max_num_queries: Any
) -> None:
    actors = UserFactory.create_batch(3)
    organizations = OrganizationFactory.create_batch(3)
    for i in range(count):
        make_notification(
            user, obj=organizations[i % 3], actor=actors[i % 3], read=i % 2 == 0
        )
    organizations[0].delete()
    client = client_for(user)
    # session, user, page, the organizations on it, unread count, the path's
    # unread, and what the header and footer need.
    with django_assert_max_num_queries(12):
        response = client.get("/notifications/")
    assert response.status_code == 200


def test_mark_read_marks_only_that_notification(user: User) -> None:
    first = make_notification(user)
    second = make_notification(user)
    response = client_for(user).post(
        f"/notifications/{first.pk}/read/", {"next": "/notifications/?unread=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?unread=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_read_goes_back_only_to_the_inbox(user: User) -> None:
    notification = make_notification(user)
    response = client_for(user).post(
        f"/notifications/{notification.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/notifications/"


def test_nobody_can_mark_another_persons_notification_read(user: User) -> None:
    theirs = make_notification(UserFactory())
    response = client_for(user).post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_stops_at_the_newest_shown_and_at_the_person(
    user: User,
) -> None:
    shown = make_notification(user)
    arrived_later = make_notification(user)
    theirs = make_notification(UserFactory())
    response = client_for(user).post("/notifications/read/", {"up_to": theirs.pk})
    assert response.status_code == 302
    assert Notification.objects.get(pk=shown.pk).read_at is not None
    assert Notification.objects.get(pk=arrived_later.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None

    newer = make_notification(user)
    latest = make_notification(user)
    client_for(user).post("/notifications/read/", {"up_to": newer.pk})
    assert Notification.objects.get(pk=newer.pk).read_at is not None
    assert Notification.objects.get(pk=latest.pk).read_at is None


def test_changing_views_refuse_get(user: User) -> None:
    notification = make_notification(user)
    client = client_for(user)
    assert client.get("/notifications/read/").status_code == 405
    assert client.get(f"/notifications/{notification.pk}/read/").status_code == 405


def test_htmx_mark_all_read_answers_with_the_inbox(
    user: User, test_types: tuple[NotificationType, NotificationType]
) -> None:
    notification = make_notification(user)
    response = client_for(user).post(
        "/notifications/read/",
        {"up_to": notification.pk},
        headers={"HX-Request": "true"},
        follow=True,
    )
    assert response.status_code == 200
    assert 'id="inbox"' in response.content.decode()
    assert "Mark as read" not in response.content.decode()


@pytest.mark.parametrize("role", ["user", "org_admin", "staff"])
def test_no_role_changes_another_persons_notifications(
    role: str, request: pytest.FixtureRequest
) -> None:
    person: User = request.getfixturevalue(role)
    owner = UserFactory()
    theirs = make_notification(owner)
    mine = make_notification(person)
    client = client_for(person)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/notifications/read/", {"up_to": mine.pk}).status_code == 302
    assert client.get(f"/notifications/?before={theirs.pk + 1}").status_code == 200
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Notification.objects.get(pk=mine.pk).read_at is not None
    assert client_for(owner).post(f"/notifications/{mine.pk}/read/").status_code == 404


def test_inbox_speaks_german(user: User) -> None:
    make_notification(user)
    html = (
        client_for(user)
        .get("/notifications/", headers={"accept-language": "de"})
        .content.decode()
    )
    assert "<h1>Benachrichtigungen</h1>" in html
    assert "Alle als gelesen markieren" in html
