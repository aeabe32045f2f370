"""iCalendar output (RFC 5545) for feeds and mail attachments.

Times are written in the platform's time zone (Europe/Berlin by default) with
a VTIMEZONE component, so calendars show the local time across daylight-saving
changes. Meeting links appear only in calendars for confirmed participants.
"""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.html import strip_tags
from icalendar import Calendar
from icalendar import Event as VEvent

from allmende.core.markdown import render_markdown
from allmende.core.site import site_host, site_url
from allmende.events.models import Event, EventStatus


def _location(event: Event) -> str:
    parts = [event.venue, event.street, f"{event.postal_code} {event.city}".strip()]
    place = ", ".join(p for p in parts if p)
    if event.is_online and not place:
        return "Online"
    return place


def calendar_bytes(
    events: Iterable[Event],
    *,
    name: str = "",
    include_links: bool = False,
) -> bytes:
    zone = ZoneInfo(settings.TIME_ZONE)
    host = site_host()
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//Events//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if name:
        cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for event in events:
        item = VEvent()
        item.add("uid", f"event-{event.pk}@{host}")
        item.add("dtstamp", event.updated_at)
        item.add("dtstart", event.starts_at.astimezone(zone))
        item.add("dtend", event.ends_at.astimezone(zone))
        item.add("summary", event.title)
        url = site_url() + event.get_absolute_url()
        item.add("url", url)
        description = strip_tags(str(render_markdown(event.description))).strip()
        if include_links and event.online_url:
            description = f"{description}\n\n{event.online_url}".strip()
        item.add("description", f"{description}\n\n{url}".strip())
        location = _location(event)
        if location:
            item.add("location", location)
        if event.has_location:
            item.add("geo", (float(event.latitude or 0), float(event.longitude or 0)))
        item.add(
            "status",
            "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED",
        )
        cal.add_component(item)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
