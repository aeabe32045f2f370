from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from icalendar import Calendar

from allmende.events.models import EventFormat
from allmende.events.services import events as event_services
from allmende.events.services import registrations as services
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory
from tests.organizations.factories import FocusAreaFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)
BERLIN = ZoneInfo("Europe/Berlin")


def _vevents(content: bytes) -> list:  # type: ignore[type-arg]
    return list(Calendar.from_ical(content).walk("VEVENT"))


def test_public_feed_parses_and_keeps_berlin_time_across_daylight_saving() -> None:
    # Clocks in Germany go forward on Sunday, 30 March 2036, at 02:00.
    winter = EventFactory(
        starts_at=datetime(2036, 3, 28, 10, 0, tzinfo=BERLIN),
        ends_at=datetime(2036, 3, 28, 12, 0, tzinfo=BERLIN),
    )
    summer = EventFactory(
        starts_at=datetime(2036, 3, 30, 10, 0, tzinfo=BERLIN),
        ends_at=datetime(2036, 3, 30, 12, 0, tzinfo=BERLIN),
    )
    response = client_for(None).get("/events/feed.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    items = {str(v["UID"]): v for v in _vevents(response.content)}
    host = "127.0.0.1:8000"
    for event in (winter, summer):
        item = items[f"event-{event.pk}@{host}"]
        start = item.decoded("DTSTART")
        assert start.tzinfo is not None
        assert str(item["DTSTART"].params["TZID"]) == "Europe/Berlin"
        assert (start.hour, start.minute) == (10, 0)
        assert start == event.starts_at
    winter_start = items[f"event-{winter.pk}@{host}"].decoded("DTSTART")
    summer_start = items[f"event-{summer.pk}@{host}"].decoded("DTSTART")
    assert winter_start.utcoffset() == timedelta(hours=1)
    assert summer_start.utcoffset() == timedelta(hours=2)
    calendar = Calendar.from_ical(response.content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_public_feed_never_contains_meeting_links() -> None:
    EventFactory(format=EventFormat.ONLINE, online_url="https://meet.example.org/x")
    response = client_for(None).get("/events/feed.ics")
    assert b"meet.example.org" not in response.content


def test_topic_feed_has_only_that_topic() -> None:
    topic = FocusAreaFactory(slug="offene-daten")
    tagged = EventFactory()
    tagged.topics.add(topic)
    EventFactory()
    response = client_for(None).get("/events/topics/offene-daten/feed.ics")
    assert len(_vevents(response.content)) == 1


def test_private_feed_has_only_own_events_and_no_other_person() -> None:
    mine, theirs = (
        EventFactory(format=EventFormat.ONLINE, online_url="https://m.example.org/1"),
        EventFactory(),
    )
    me, other = UserFactory(), UserFactory()
    services.registration_create(event=mine, actor=me)
    services.registration_create(event=theirs, actor=other)
    services.registration_create(event=mine, actor=other)
    token = event_services.calendar_token_for(me)
    response = client_for(None).get(f"/events/my/{token}.ics")
    assert response.status_code == 200
    items = _vevents(response.content)
    assert [str(i["SUMMARY"]) for i in items] == [mine.title]
    assert other.email.encode() not in response.content
    assert other.display_name.encode() not in response.content
    assert b"m.example.org/1" in response.content
    assert client_for(None).get("/events/my/wrong.ics").status_code == 404


def test_confirmation_mail_carries_a_parsable_ics() -> None:
    event = EventFactory()
    guest = services.registration_create(
        event=event, actor=AnonymousUser(), name="Ada", email="ada@example.org"
    )
    services.registration_confirm(registration=guest)
    message = next(m for m in mail.outbox if m.attachments)
    name, content, mimetype = message.attachments[0]
    assert name == "event.ics"
    assert mimetype == "text/calendar"
    assert len(_vevents(content)) == 1


def test_event_page_has_schema_org_json_ld() -> None:
    event = EventFactory(capacity=20, venue="Stadtbibliothek")
    response = client_for(None).get(event.get_absolute_url())
    html = response.content.decode()
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match
    data = json.loads(match.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "EducationEvent"
    assert data["name"] == event.title
    assert datetime.fromisoformat(data["startDate"]) == event.starts_at
    assert data["remainingAttendeeCapacity"] == 20
    assert data["location"]["@type"] == "Place"


def test_json_ld_cannot_break_out_of_its_script_element() -> None:
    event = EventFactory(title_de="</script><script>alert(1)</script>", title_en="")
    html = client_for(None).get(event.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html


def test_event_across_the_clock_change_keeps_its_real_length() -> None:
    # 01:30 to 04:30 local time on the night of the change is two real hours.
    start = datetime(2036, 3, 30, 1, 30, tzinfo=BERLIN)
    end = datetime(2036, 3, 30, 4, 30, tzinfo=BERLIN)
    event = EventFactory(starts_at=start, ends_at=end)
    item = _vevents(client_for(None).get(f"/events/{event.slug}/event.ics").content)[0]
    assert item.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert item.decoded("DTEND").utcoffset() == timedelta(hours=2)
    # Python subtracts times of one zone as wall-clock times; compare in UTC.
    utc = ZoneInfo("UTC")
    length = item.decoded("DTEND").astimezone(utc) - item.decoded("DTSTART").astimezone(
        utc
    )
    assert length == timedelta(hours=2)
