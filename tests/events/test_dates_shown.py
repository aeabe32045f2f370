from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils.html import strip_tags

from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Sa, 20. November 2049, 17:00–19:00"),
        ("en", "Sat, Nov. 20, 2049, 17:00–19:00"),
    ],
)
def test_event_list_shows_weekday_date_and_times_in_the_page_language(
    client: Client, language: str, expected: str
) -> None:
    EventFactory(
        starts_at=datetime(2049, 11, 20, 17, 0, tzinfo=BERLIN),
        ends_at=datetime(2049, 11, 20, 19, 0, tzinfo=BERLIN),
    )
    html = client.get("/events/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in strip_tags(html)
