"""The dashboard's "Unread notifications": the newest five, only when any."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allmende.accounts.models import User
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.notifications.helpers import make_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_types")]


def test_dashboard_has_no_section_without_unread(user: User) -> None:
    make_notification(user, read=True)
    make_notification(UserFactory())
    html = client_for(user).get("/dashboard/").content.decode()
    assert "Unread notifications" not in html


def test_dashboard_shows_the_newest_five_unread(user: User) -> None:
    for i in range(7):
        make_notification(user, organization=f"N{i}", url=f"/n/{i}/")
    make_notification(user, organization="Old news", read=True)
    html = client_for(user).get("/dashboard/").content.decode()
    assert "Unread notifications" in html
    assert [f"N{i} changed" in html for i in range(7)] == [False] * 2 + [True] * 5
    assert "Old news" not in html
    assert 'href="/n/6/"' in html
    assert 'href="/notifications/?unread=1"' in html


def test_dashboard_section_costs_the_same_for_5_or_50_unread(user: User) -> None:
    client = client_for(user)
    counted = []
    for count in (5, 45):
        for _ in range(count):
            make_notification(user, actor=UserFactory())
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/dashboard/").status_code == 200
        about = [q for q in queries if "notifications_notification" in q["sql"]]
        # The path's unread ones, the bell's count and the section.
        assert len(about) == 3
        counted.append(len(queries))
    assert counted[0] == counted[1]
