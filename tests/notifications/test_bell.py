"""The header's bell: the unread count, counted once and only where shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from allmende.accounts.models import User
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.notifications.helpers import make_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_types")]


def _notification_queries(queries: list[dict[str, Any]]) -> list[str]:
    return [q["sql"] for q in queries if "notifications_notification" in q["sql"]]


def test_anonymous_visitors_see_no_bell_and_cannot_ask_for_it() -> None:
    client = Client()
    assert 'id="notification-bell"' not in client.get("/").content.decode()
    response = client.get("/notifications/bell/")
    assert (response.status_code, response.content) == (204, b"")


def test_bell_of_an_ended_session_swaps_in_nothing_and_stops_polling(
    user: User,
) -> None:
    client = client_for(user)
    assert client.get("/notifications/bell/", headers={"HX-Request": "true"}).content
    client.logout()
    response = client.get("/notifications/bell/", headers={"HX-Request": "true"})
    assert (response.status_code, response.content) == (286, b"")


def test_bell_shows_the_unread_count_in_words_and_links_to_the_inbox(
    user: User,
) -> None:
    for _ in range(4):
        make_notification(user)
    make_notification(user, read=True)
    make_notification(UserFactory())
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert "4 unread notifications" in html
    assert 'class="bell-count" aria-hidden="true">4<' in html
    assert 'href="/notifications/"' in html
    assert 'hx-get="/notifications/bell/"' in html
    assert 'hx-trigger="every 60s, focus from:window"' in html
    counts = [sql for sql in _notification_queries(queries) if "COUNT" in sql]
    assert len(counts) == 1
    assert '"read_at" IS NULL' in counts[0]


def test_bell_without_unread_says_none(user: User) -> None:
    make_notification(user, read=True)
    html = client_for(user).get("/").content.decode()
    assert "Notifications, none unread" in html
    assert "bell-count" not in html


def test_bell_fragment_answers_only_the_bell(user: User, settings: Any) -> None:
    settings.ALLMENDE_NOTIFY_BELL_SECONDS = 5
    make_notification(user)
    response = client_for(user).get("/notifications/bell/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<a id="notification-bell"')
    assert "<html" not in html
    assert "1 unread notification<" in html
    assert "every 5s" in html
    assert "no-cache" in response["Cache-Control"]


def test_bell_is_not_counted_where_no_header_renders(user: User) -> None:
    make_notification(user)
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        client.get("/-/health")
        client.get("/api/openapi.json")
    assert not [sql for sql in _notification_queries(queries) if "COUNT" in sql]


def test_bell_speaks_german(user: User) -> None:
    make_notification(user)
    make_notification(user)
    client = client_for(user)
    html = client.get("/", headers={"accept-language": "de"}).content.decode()
    assert "2 ungelesene Benachrichtigungen" in html
