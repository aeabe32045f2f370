"""schema.org Event data for search engines and other machines."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from allmende.core.markdown import render_markdown
from allmende.core.site import site_url
from allmende.events.models import Event, EventFormat, EventStatus

MODES = {
    EventFormat.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    EventFormat.IN_PERSON: "https://schema.org/OfflineEventAttendanceMode",
    EventFormat.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}


def event_jsonld(event: Event) -> dict[str, Any]:
    url = site_url() + event.get_absolute_url()
    locations: list[dict[str, Any]] = []
    if event.is_in_person:
        place: dict[str, Any] = {
            "@type": "Place",
            "name": event.venue or event.city,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": event.street,
                "postalCode": event.postal_code,
                "addressLocality": event.city,
                "addressCountry": "DE",
            },
        }
        if event.has_location:
            place["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": float(event.latitude or 0),
                "longitude": float(event.longitude or 0),
            }
        locations.append(place)
    if event.is_online:
        # The meeting link is for confirmed participants only; the page stands in.
        locations.append({"@type": "VirtualLocation", "url": url})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "EducationEvent",
        "name": event.title,
        "description": strip_tags(str(render_markdown(event.description))).strip(),
        "url": url,
        "startDate": event.starts_at.isoformat(),
        "endDate": event.ends_at.isoformat(),
        "eventStatus": (
            "https://schema.org/EventCancelled"
            if event.status == EventStatus.CANCELLED
            else "https://schema.org/EventScheduled"
        ),
        "eventAttendanceMode": MODES[EventFormat(event.format)],
        "location": locations[0] if len(locations) == 1 else locations,
        "inLanguage": event.language,
        "educationalLevel": event.get_level_display(),
        "maximumAttendeeCapacity": event.capacity,
        "remainingAttendeeCapacity": event.places_left,
        "isAccessibleForFree": True,
    }
    if event.organization_id:
        data["organizer"] = {
            "@type": "Organization",
            "name": str(event.organization),
            "url": site_url() + event.organization.get_absolute_url(),  # type: ignore[union-attr]
        }
    else:
        data["organizer"] = {"@type": "Organization", "name": settings.SITE_NAME}
    return data


def jsonld_script(event: Event) -> SafeString:
    """The data as a ``<script>`` element, escaped so it cannot end the element."""
    text = json.dumps(event_jsonld(event), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(  # noqa: S308 - the JSON is escaped above
        f'<script type="application/ld+json">{text}</script>'
    )
