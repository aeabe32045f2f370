"""Reading the page a notification is about marks it read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.notifications.helpers import make_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_types")]


def _read(notification: Notification) -> bool:
    notification.refresh_from_db()
    return notification.read_at is not None


def test_reading_the_object_marks_only_the_readers_notification_read(
    user: User, organization: Organization
) -> None:
    mine = make_notification(user, obj=organization)
    elsewhere = make_notification(user, url="/events/")
    theirs = make_notification(UserFactory(), obj=organization)
    response = client_for(user).get(organization.get_absolute_url())
    assert response.status_code == 200
    assert _read(mine)
    assert not _read(elsewhere)
    assert not _read(theirs)
    # The page's own bell already counts it as read.
    assert "1 unread notification<" in response.content.decode()


def test_a_failed_page_a_post_or_a_non_html_answer_marks_nothing(
    user: User,
) -> None:
    missing = make_notification(user, url="/organizations/no-such-thing/")
    posted = make_notification(user, url="/notifications/read/")
    document = make_notification(user, url="/api/openapi.json")
    client = client_for(user)
    assert client.get("/organizations/no-such-thing/").status_code == 404
    client.post("/notifications/read/")
    assert client.get("/api/openapi.json").status_code == 200
    assert not _read(missing)
    assert not _read(posted)
    assert not _read(document)


def test_an_ordinary_page_view_reads_once_and_writes_nothing(
    user: User, organization: Organization
) -> None:
    make_notification(user, url="/events/")
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        client.get(organization.get_absolute_url())
    about_notifications = [
        q["sql"] for q in queries if "notifications_notification" in q["sql"]
    ]
    # The path's unread ones, and the bell's count.
    assert len(about_notifications) == 2
    assert not [sql for sql in about_notifications if sql.startswith("UPDATE")]


def test_anonymous_visitors_cost_no_query(organization: Organization) -> None:
    with CaptureQueriesContext(connection) as queries:
        client_for(None).get(organization.get_absolute_url())
    assert not [q for q in queries if "notifications_notification" in q["sql"]]


def test_unread_queries_use_the_partial_index_on_postgresql(user: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the query plan is PostgreSQL's")
    others = UserFactory.create_batch(3)
    Notification.objects.bulk_create(
        Notification(
            recipient=others[i % 3],
            type="tests.something_happened",
            url=f"/organizations/{i}/",
            read_at=None if i % 5 == 0 else timezone.now(),
        )
        for i in range(300)
    )
    make_notification(user, url="/events/")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_notification")
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    assert "notification_unread" in unread.explain()
    assert "notification_unread" in unread.filter(url="/events/").explain()


def test_an_address_with_a_nul_character_is_a_missing_page(user: User) -> None:
    make_notification(user, url="/organizations/acme/")
    response = client_for(user).get("/organizations/%00/")
    assert response.status_code == 404
