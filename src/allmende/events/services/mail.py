"""Telling participants: a notification for account holders, a mail for guests.

A person who registered with an account hears about the registration through
the notifications (their inbox, and e-mail as the type and their settings
decide). A guest who gave only an e-mail address has no inbox and gets a mail
of their own, in the language they registered in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from allmende.core.site import site_url
from allmende.events.models import Event, Registration
from allmende.events.services.common import User, account
from allmende.notifications.registry import NotificationType, in_languages
from allmende.notifications.services import notify


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


def event_context(event: Event, **values: Any) -> dict[str, Any]:
    """A notification's context about ``event``: its title in every language."""
    return {"event": in_languages(event, "title"), **values}


def tell_participant(
    registration: Registration,
    kind: NotificationType,
    *,
    template: str,
    subject: str,
    context: dict[str, str] | None = None,
    actor: User | None = None,
    attach_ics: bool = False,
) -> None:
    """Tell one participant about their registration, after commit.

    An account holder gets a notification of ``kind`` about the event, with
    ``context`` for its message; ``actor`` is the organizer who acted, if one
    did (the participant is told even about what they did themselves). A guest
    gets the mail ``template`` with ``subject`` instead.
    """
    if registration.user_id is not None:
        notify(
            kind,
            [registration.user_id],
            obj=registration.event,
            context=event_context(registration.event, **(context or {})),
            actor=account(actor) if actor is not None else None,
            include_actor=True,
        )
        return
    send_to_registration(
        registration,
        template=template,
        subject=subject,
        context=context,
        attach_ics=attach_ics,
    )
