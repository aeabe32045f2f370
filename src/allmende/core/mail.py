"""E-mail goes out from background jobs, never inside a web request.

``EMAIL_BACKEND`` is :class:`QueuedEmailBackend`: it turns each message into
JSON-safe data and queues :func:`allmende.core.tasks.send_email`, which hands it
to the real backend named by ``ALLMENDE_EMAIL_DELIVERY_BACKEND`` (SMTP in
production; console plus files in the data folder on the embedded default).

Every message leaves through :func:`deliver`, which marks it
``Auto-Submitted: auto-generated`` (RFC 3834, so that vacation responders stay
silent) and leaves out addresses known to be undeliverable.

Bounces are not processed here. Whatever learns that an address bounces (a
webhook of the mail provider, a mailbox reader) calls :func:`address_bounced`;
a receiver of the :data:`bounced` signal can mark the address, and a check
added to :data:`undeliverable_checks` makes :func:`deliver` skip it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives
from django.dispatch import Signal

AUTO_SUBMITTED = "auto-generated"

bounced = Signal()
"""Sent by :func:`address_bounced` with the argument ``email`` (the address
that could not be delivered to)."""

undeliverable_checks: list[Callable[[Iterable[str]], set[str]]] = []
"""Functions that take addresses and return those that must not be mailed
(for example ones a ``bounced`` receiver marked). Empty until one is added."""


def address_bounced(email: str) -> None:
    """Report that mail to ``email`` bounced; sends :data:`bounced`."""
    bounced.send(sender=None, email=email)


def undeliverable(addresses: Iterable[str]) -> set[str]:
    """Those of ``addresses`` that a check in :data:`undeliverable_checks` refuses."""
    wanted = list(addresses)
    refused: set[str] = set()
    for check in undeliverable_checks:
        refused |= check(wanted)
    return refused


def deliver(
    messages: Sequence[EmailMessage], *, connection: BaseEmailBackend | None = None
) -> int:
    """Hand ``messages`` to the delivery backend; the one way mail leaves.

    Marks each as automatic and drops undeliverable recipients; a message
    left with no recipient is not sent. Returns how many were sent. Errors of
    the backend (``OSError``, ``SMTPException``) reach the caller, which may
    retry.
    """
    ready = []
    for message in messages:
        message.extra_headers.setdefault("Auto-Submitted", AUTO_SUBMITTED)
        refused = undeliverable([*message.to, *message.cc, *message.bcc])
        if refused:
            message.to = [a for a in message.to if a not in refused]
            message.cc = [a for a in message.cc if a not in refused]
            message.bcc = [a for a in message.bcc if a not in refused]
        if message.recipients():
            ready.append(message)
    if not ready:
        return 0
    if connection is None:
        connection = get_connection(settings.ALLMENDE_EMAIL_DELIVERY_BACKEND)
    return connection.send_messages(ready) or 0


def message_to_dict(message: EmailMessage) -> dict[str, Any]:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            raise TypeError("MIME attachments cannot be queued; pass name, content")
        name, content, mimetype = attachment
        raw = content.encode() if isinstance(content, str) else content
        attachments.append([name, base64.b64encode(raw).decode(), mimetype])
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [content, mimetype]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
    }


def message_from_dict(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in data["attachments"]:
        message.attach(name, base64.b64decode(content), mimetype)
    return message


class QueuedEmailBackend(BaseEmailBackend):
    """Queues each message as a background job after the transaction commits."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        from allmende.core.tasks import enqueue, send_email

        for message in email_messages:
            enqueue(send_email, message_to_dict(message))
        return len(email_messages)


class ConsoleAndFileBackend(BaseEmailBackend):
    """Development delivery: print each message and keep a copy in a file.

    The copies land in ``EMAIL_FILE_PATH`` (``var/mail`` by default), where a
    person trying the platform finds the confirmation link.
    """

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.console = ConsoleBackend(fail_silently=fail_silently)
        self.file = FileBackend(
            file_path=str(settings.EMAIL_FILE_PATH), fail_silently=fail_silently
        )

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.console.send_messages(email_messages)
        return self.file.send_messages(email_messages) or 0
