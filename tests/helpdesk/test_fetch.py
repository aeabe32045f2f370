"""The whole intake against a real Dovecot: mails APPENDed to the mailbox go
through the fetcher, the parser and the ticket services, by the command and by
the periodic job."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from imapclient import IMAPClient

from allmende.core import files, scheduler
from allmende.helpdesk import services
from allmende.helpdesk.models import (
    HeldMail,
    HeldReason,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketState,
)
from tests.accounts.factories import StaffFactory
from tests.conftest import client_for
from tests.helpdesk.mail.servers import Dovecot

pytestmark = pytest.mark.django_db(transaction=True)
TESTDATA = Path(__file__).resolve().parent / "testdata"


@pytest.fixture
def imap(dovecot: Dovecot) -> Iterator[IMAPClient]:
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as connection:
        connection.login(dovecot.user, dovecot.password)
        yield connection


@pytest.fixture(autouse=True)
def _mailbox(
    settings: object, tmp_path: Path, dovecot: Dovecot, imap_folder: str
) -> None:
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.ALLMENDE_HELPDESK_IMAP_URLS = [  # type: ignore[attr-defined]
        dovecot.url(imap_folder, processed=f"{imap_folder}/Processed", name="hilfe")
    ]


def append(imap: IMAPClient, folder: str, raw: bytes) -> None:
    imap.append(folder, raw)


def question(*, sender: str = "erika@verein.example", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Erika Mustermann <{sender}>"
    message["To"] = "hilfe@example.org"
    message["Subject"] = headers.pop("Subject", "Drucker im Vereinsheim")
    message["Message-ID"] = headers.pop(
        "Message_ID", make_msgid(domain="verein.example")
    )
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Unser Drucker druckt nicht.\n")
    return bytes(message)


def fetch() -> str:
    from io import StringIO

    out = StringIO()
    call_command("helpdesk_fetch", stdout=out)
    return out.getvalue()


def test_mail_in_the_mailbox_becomes_one_ticket_even_when_fetched_twice(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(imap, imap_folder, question())
    output = fetch()
    assert "1 seen, 1 handled" in output
    message = TicketMessage.objects.get(kind=MessageKind.ASKER)
    assert message.opens_ticket and message.ticket.state == TicketState.NEW
    assert message.eml_path
    assert files.private_storage().exists(message.eml_path)
    assert len(mail.outbox) == 1  # the acknowledgement
    assert fetch().count("0 seen") == 1
    assert (Ticket.objects.count(), TicketMessage.objects.count()) == (1, 2)
    assert len(mail.outbox) == 1
    assert imap.folder_status(imap_folder, ["MESSAGES"])[b"MESSAGES"] == 0


def test_reply_to_an_agents_mail_threads_by_in_reply_to_alone(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(imap, imap_folder, question())
    fetch()
    ticket = Ticket.objects.get()
    answer = services.ticket_reply(
        ticket=ticket, actor=StaffFactory(), text="Bitte neu starten."
    )
    sent = mail.outbox[-1]
    assert sent.extra_headers["Message-ID"] == f"<{answer.message_id}>"
    # No token in the address, no ticket tag in the subject: only In-Reply-To.
    reply = question(
        Subject="Re: Drucker", In_Reply_To=sent.extra_headers["Message-ID"]
    )
    append(imap, imap_folder, reply)
    fetch()
    assert Ticket.objects.count() == 1
    latest = ticket.messages.filter(kind=MessageKind.ASKER).latest("id")
    assert not latest.opens_ticket and "Drucker" in latest.text
    ticket.refresh_from_db()
    assert ticket.state == TicketState.OPEN


def test_auto_reply_becomes_a_ticket_without_acknowledgement(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(imap, imap_folder, (TESTDATA / "09_vacation_autoreply.eml").read_bytes())
    fetch()
    assert Ticket.objects.count() == 1
    assert mail.outbox == []


def test_bounce_of_a_sent_mail_lands_in_its_ticket_as_a_notice(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(imap, imap_folder, question())
    fetch()
    ticket = Ticket.objects.get()
    acknowledgement = ticket.messages.get(kind=MessageKind.SYSTEM)
    bounce = (TESTDATA / "11_bounce_dsn_postfix.eml").read_bytes()
    bounce = bounce.replace(
        b"ack-1200@allmende.example", acknowledgement.message_id.encode()
    )
    append(imap, imap_folder, bounce)
    fetch()
    assert Ticket.objects.count() == 1
    notice = ticket.messages.filter(kind=MessageKind.SYSTEM).latest("id")
    assert notice.pk != acknowledgement.pk
    assert "could not be delivered" in notice.text
    assert len(mail.outbox) == 1


def test_spam_is_held_and_never_acknowledged(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(imap, imap_folder, (TESTDATA / "13_spam_like_html.eml").read_bytes())
    fetch()
    held = HeldMail.objects.get()
    assert held.reason == HeldReason.SPAM and held.eml_path
    assert Ticket.objects.count() == 0
    assert mail.outbox == []


@pytest.fixture
def small_limit(settings: object, dovecot: Dovecot, imap_folder: str) -> None:
    settings.ALLMENDE_HELPDESK_IMAP_URLS = [  # type: ignore[attr-defined]
        dovecot.url(imap_folder, processed=f"{imap_folder}/Processed", max_bytes="2000")
    ]


def large(sender: str, **headers: str) -> bytes:
    raw = question(sender=sender, Subject="Unser Jahresbericht", **headers)
    return raw.replace(b"Unser Drucker", b"x" * 3000 + b"\nUnser Drucker")


@pytest.mark.usefixtures("small_limit")
def test_too_large_mail_is_held_for_staff_and_its_sender_told_once(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(imap, imap_folder, large("erika@verein.example"))
    append(imap, imap_folder, large("erika@verein.example"))
    output = fetch()
    assert "2 too large" in output
    held = list(HeldMail.objects.order_by("uid"))
    assert [h.reason for h in held] == [HeldReason.TOO_LARGE] * 2
    assert held[0].from_address == "erika@verein.example"
    assert held[0].subject == "Unser Jahresbericht"
    assert "was not fetched" in held[0].text
    # At most one automatic mail per sender and hour.
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["erika@verein.example"]
    assert notice.extra_headers["Auto-Submitted"] == "auto-replied"
    assert notice.extra_headers["In-Reply-To"] == f"<{held[0].message_id}>"
    assert "Unser Jahresbericht" in notice.subject
    assert Ticket.objects.count() == 0
    fetch()
    assert HeldMail.objects.count() == 2 and len(mail.outbox) == 1
    page = client_for(StaffFactory()).get("/help/held/").content.decode()
    assert "Unser Jahresbericht" in page and "Too large to be fetched" in page


@pytest.mark.usefixtures("small_limit")
def test_too_large_automatic_mail_gets_no_notice(
    imap: IMAPClient, imap_folder: str
) -> None:
    append(
        imap, imap_folder, large("news@verein.example", Auto_Submitted="auto-generated")
    )
    append(imap, imap_folder, large("noreply@verein.example"))
    fetch()
    assert HeldMail.objects.filter(reason=HeldReason.TOO_LARGE).count() == 2
    assert mail.outbox == []


def test_periodic_job_reads_the_mailbox_and_nothing_without_one(
    imap: IMAPClient, imap_folder: str, settings: object
) -> None:
    job = next(j for j in scheduler.jobs() if j.name == "helpdesk.fetch_mail")
    append(imap, imap_folder, question())
    job.run()
    assert Ticket.objects.count() == 1
    settings.ALLMENDE_HELPDESK_IMAP_URLS = []  # type: ignore[attr-defined]
    append(imap, imap_folder, question(Subject="Zweite Frage"))
    job.run()
    assert "no mailbox configured" in fetch()
    assert Ticket.objects.count() == 1
    assert imap.folder_status(imap_folder, ["MESSAGES"])[b"MESSAGES"] == 1
