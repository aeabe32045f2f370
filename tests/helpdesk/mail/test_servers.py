"""The mail server fixtures themselves: mail sent by the platform through the real
SMTP server, put into the real IMAP server and read back by the intake."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core.mail import EmailMessage
from imapclient import IMAPClient

from allmende.helpdesk.mail.imap import Mailbox, fetch_mailbox
from allmende.helpdesk.mail.parse import ParsedMail
from tests.helpdesk.mail.servers import Dovecot, SmtpServer

pytestmark = pytest.mark.django_db


def test_platform_mail_goes_through_the_real_smtp_server_into_imap(
    smtp_outbox: SmtpServer,
    dovecot: Dovecot,
    imap_folder: str,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> None:
    message = EmailMessage(
        subject="[#42] Ihre Frage zur Förderung",
        body="Guten Tag,\n\ndie Antwort lautet: ja.\n",
        from_email="Allmende Hilfe <hilfe+tok42@allmende.example>",
        to=["Änne Asker <aenne@verein.example>"],
        headers={"Message-ID": "<reply-42-1@allmende.example>"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        message.send()

    (received,) = smtp_outbox.wait_for(1)
    assert received.rcpt_tos == ["aenne@verein.example"]
    assert received.mail_from == "hilfe+tok42@allmende.example"
    assert received.message["Subject"] == "[#42] Ihre Frage zur Förderung"

    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        client.append(imap_folder, received.raw)
    got: list[ParsedMail] = []

    def handle(parsed: ParsedMail, **where: object) -> None:
        got.append(parsed)

    fetch_mailbox(
        Mailbox.from_url(dovecot.url(imap_folder, processed=f"{imap_folder}/Done")),
        handle=handle,
    )
    (parsed,) = got
    assert parsed.subject_ticket_number == 42
    assert parsed.message_id == "reply-42-1@allmende.example"
    assert parsed.from_address == "hilfe+tok42@allmende.example"
    assert parsed.text == "Guten Tag,\n\ndie Antwort lautet: ja."
    # The platform marks what it sends as automatic (RFC 3834).
    assert parsed.is_auto


def test_smtp_server_waits_for_mails_by_condition(smtp_outbox: SmtpServer) -> None:
    with pytest.raises(AssertionError, match="0 of 1 mails arrived"):
        smtp_outbox.wait_for(1, timeout=0.2)
