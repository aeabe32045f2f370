"""E-mails to participants, in the language each one registered in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from allmende.core.site import site_url
from allmende.events.models import Event, Registration


def registration_url(registration: Registration) -> str:
    from allmende.events.services.registrations import registration_token

    return site_url() + reverse(
        "events:registration", kwargs={"token": registration_token(registration)}
    )


def participant_language(registration: Registration) -> str:
    """The language the person registered in, else the platform's default."""
    known = {code for code, _name in settings.LANGUAGES}
    language = (registration.language or "")[:2]
    return language if language in known else str(settings.LANGUAGE_CODE)


def send_to_registration(
    registration: Registration,
    *,
    template: str,
    subject: str,
    context: dict[str, Any] | None = None,
    attach_ics: bool = False,
) -> None:
    """Queue one mail; it leaves after the current transaction commits.

    ``subject`` is an English source string, translated here into the
    participant's language, with ``%(event)s`` replaced by the event title.
    """
    event = registration.event
    with translation.override(participant_language(registration)):
        full_context = {
            "registration": registration,
            "event": event,
            "url": registration_url(registration),
            "event_url": site_url() + event.get_absolute_url(),
            "site_name": settings.SITE_NAME,
            **(context or {}),
        }
        body = render_to_string(f"events/email/{template}.txt", full_context)
        text = translation.gettext(subject) % {"event": event.title}
        attachments = []
        if attach_ics:
            from allmende.events.ics import calendar_bytes

            attachments.append(
                (
                    "event.ics",
                    calendar_bytes([event], include_links=True),
                    "text/calendar",
                )
            )
    message = EmailMessage(
        subject=text, body=body, to=[registration.email], attachments=attachments
    )
    message.send()


def send_message(event: Event, email: str, subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=[email]).send()
