"""Mail intake: threading, the sender check, bounces, the loop guard and
exactly-once, with mails built as the parser hands them over."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from allmende.accounts.models import User
from allmende.helpdesk import services
from allmende.helpdesk.inbound import (
    InboundMail,
    clean_subject,
    strip_reply_prefixes,
    subject_ticket_number,
)
from allmende.helpdesk.models import (
    HeldMail,
    HeldReason,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketState,
)
from tests.accounts.factories import StaffFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)

_uid = iter(range(1, 1_000_000))


def take(parsed: InboundMail, *, uid: int | None = None, mailbox: str = "INBOX"):  # type: ignore[no-untyped-def]
    return services.ticket_message_from_mail(
        parsed=parsed,
        mailbox=mailbox,
        uidvalidity=7,
        uid=uid if uid is not None else next(_uid),
        eml_path="helpdesk/mail/x.eml",
    )


def question(**kwargs: object) -> InboundMail:
    values: dict[str, object] = {
        "from_address": "Verein@Example.org",
        "from_name": "Erika Mustermann",
        "subject": "Drucker im Vereinsheim",
        "text": "Unser Drucker druckt nicht.",
        "message_id": "<q1@mail.example.org>",
    }
    values.update(kwargs)
    return InboundMail(**values)  # type: ignore[arg-type]


def test_subject_helpers_ignore_german_and_english_prefixes() -> None:
    subject = "AW: WG: Re: Fwd: [#1234] Drucker"
    assert subject_ticket_number(subject) == 1234
    assert strip_reply_prefixes(subject) == "[#1234] Drucker"
    assert clean_subject(subject) == "Drucker"
    assert subject_ticket_number("Rechnung 1234") is None


def test_new_mail_becomes_a_ticket_and_is_acknowledged_once() -> None:
    message = take(question())
    assert isinstance(message, TicketMessage)
    ticket = message.ticket
    assert ticket.state == TicketState.NEW
    assert ticket.asker_email == "verein@example.org"
    assert message.opens_ticket and message.kind == MessageKind.ASKER
    assert len(mail.outbox) == 1
    ack = mail.outbox[0]
    assert ack.to == ["verein@example.org"]
    assert f"[#{ticket.pk}]" in ack.subject
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["In-Reply-To"] == "<q1@mail.example.org>"
    assert f"hilfe+{ticket.token}@example.org" in ack.from_email
    recorded = ticket.messages.get(kind=MessageKind.SYSTEM)
    # Stored without angle brackets, as the parser gives replies' references.
    assert f"<{recorded.message_id}>" == ack.extra_headers["Message-ID"]


def test_the_same_mail_twice_is_one_message() -> None:
    first = take(question(), uid=500)
    again = take(question(), uid=500)
    other_uid = take(question(), uid=501)
    assert first.pk == again.pk == other_uid.pk
    assert Ticket.objects.count() == 1
    assert TicketMessage.objects.filter(kind=MessageKind.ASKER).count() == 1


def test_database_refuses_a_second_message_for_one_mail() -> None:
    message = take(question(), uid=900)
    assert isinstance(message, TicketMessage)
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketMessage.objects.create(
            ticket=message.ticket,
            kind=MessageKind.ASKER,
            mailbox="INBOX",
            uidvalidity=7,
            uid=900,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketMessage.objects.create(
            ticket=message.ticket,
            kind=MessageKind.ASKER,
            message_id="q1@mail.example.org",
        )


def _opened() -> Ticket:
    message = take(question())
    assert isinstance(message, TicketMessage)
    return message.ticket


def test_reply_threads_by_token() -> None:
    ticket = _opened()
    reply = take(
        question(
            subject="Neues Thema",
            message_id="<r1@mail.example.org>",
            reply_token=ticket.token,
        )
    )
    assert isinstance(reply, TicketMessage)
    assert reply.ticket_id == ticket.pk and not reply.opens_ticket


def test_reply_threads_by_in_reply_to_of_a_mail_the_platform_sent() -> None:
    ticket = _opened()
    sent = mail.outbox[0].extra_headers["Message-ID"]
    reply = take(question(message_id="<r2@x>", subject="?", in_reply_to=sent))
    assert isinstance(reply, TicketMessage) and reply.ticket_id == ticket.pk


def test_reply_threads_by_references() -> None:
    ticket = _opened()
    reply = take(
        question(
            message_id="<r3@x>",
            subject="?",
            references=["<unknown@x>", "<q1@mail.example.org>", "<other@x>"],
        )
    )
    assert isinstance(reply, TicketMessage) and reply.ticket_id == ticket.pk


def test_reply_threads_by_subject_tag_behind_prefixes() -> None:
    ticket = _opened()
    reply = take(question(message_id="<r4@x>", subject=f"AW: WG: [#{ticket.pk}] x"))
    assert isinstance(reply, TicketMessage) and reply.ticket_id == ticket.pk


def test_token_comes_before_references() -> None:
    first = _opened()
    second_message = take(
        question(message_id="<q2@x>", subject="Zweite Frage", from_address="b@x.org")
    )
    assert isinstance(second_message, TicketMessage)
    second = second_message.ticket
    reply = take(
        question(
            message_id="<r5@x>",
            from_address="b@x.org",
            reply_token=second.token,
            in_reply_to="<q1@mail.example.org>",
            subject=f"Re: [#{first.pk}]",
        )
    )
    assert isinstance(reply, TicketMessage) and reply.ticket_id == second.pk


def test_mail_from_someone_else_is_held_and_staff_can_accept_it() -> None:
    ticket = _opened()
    held = take(
        question(
            from_address="kollege@example.org",
            message_id="<h1@x>",
            reply_token=ticket.token,
            attachments=[("Übersicht.pdf", "application/pdf", b"%PDF-1.4 x")],
        )
    )
    assert isinstance(held, HeldMail)
    assert held.reason == HeldReason.UNKNOWN_SENDER and held.ticket_id == ticket.pk
    assert ticket.messages.filter(from_address="kollege@example.org").count() == 0
    message = services.held_mail_accept(held=held, actor=StaffFactory())
    assert message.ticket_id == ticket.pk
    assert message.attachments.get().original_name == "Übersicht.pdf"
    later = take(
        question(
            from_address="kollege@example.org",
            message_id="<h2@x>",
            reply_token=ticket.token,
        )
    )
    assert isinstance(later, TicketMessage) and later.ticket_id == ticket.pk


def test_bounce_becomes_a_notice_of_its_ticket_and_is_not_answered() -> None:
    ticket = _opened()
    sent = mail.outbox[0].extra_headers["Message-ID"]
    mail.outbox.clear()
    notice = take(
        InboundMail(
            from_address="MAILER-DAEMON@mx.example.org",
            subject="Undelivered Mail Returned to Sender",
            text="550 5.1.1 user unknown",
            message_id="<b1@mx>",
            is_auto=True,
            is_bounce=True,
            bounce_original_message_ids=[sent],
        )
    )
    assert isinstance(notice, TicketMessage)
    assert notice.ticket_id == ticket.pk and notice.kind == MessageKind.SYSTEM
    assert "550 5.1.1" in notice.text
    assert mail.outbox == []
    assert Ticket.objects.count() == 1


def test_bounce_for_no_known_mail_is_held() -> None:
    held = take(
        InboundMail(
            from_address="postmaster@x.org",
            is_auto=True,
            is_bounce=True,
            bounce_original_message_ids=["<nothing@x>"],
        )
    )
    assert isinstance(held, HeldMail) and held.reason == HeldReason.BOUNCE
    assert Ticket.objects.count() == 0 and mail.outbox == []


def test_automatic_mail_is_never_acknowledged() -> None:
    message = take(question(is_auto=True, from_address="noreply@shop.example"))
    assert isinstance(message, TicketMessage)
    assert mail.outbox == []


def test_at_most_one_acknowledgement_per_sender_and_hour() -> None:
    now = timezone.now()
    services.ticket_message_from_mail(
        parsed=question(message_id="<a1@x>"),
        mailbox="INBOX",
        uidvalidity=1,
        uid=1,
        eml_path="",
        now=now,
    )
    services.ticket_message_from_mail(
        parsed=question(message_id="<a2@x>", subject="Noch etwas"),
        mailbox="INBOX",
        uidvalidity=1,
        uid=2,
        eml_path="",
        now=now + timedelta(minutes=30),
    )
    assert Ticket.objects.count() == 2
    assert len(mail.outbox) == 1
    services.ticket_message_from_mail(
        parsed=question(message_id="<a3@x>", subject="Dritte Frage"),
        mailbox="INBOX",
        uidvalidity=1,
        uid=3,
        eml_path="",
        now=now + timedelta(minutes=61),
    )
    assert len(mail.outbox) == 2


def test_mail_from_the_helpdesk_itself_is_held_not_answered() -> None:
    held = take(question(from_address="hilfe+abc@example.org"))
    assert isinstance(held, HeldMail)
    assert mail.outbox == []


def test_reply_to_resolved_ticket_reopens_it() -> None:
    ticket = _opened()
    Ticket.objects.filter(pk=ticket.pk).update(
        state=TicketState.RESOLVED, resolved_at=timezone.now()
    )
    take(question(message_id="<r6@x>", reply_token=ticket.token))
    ticket.refresh_from_db()
    assert ticket.state == TicketState.OPEN and ticket.resolved_at is None


def test_reply_to_closed_ticket_opens_a_new_one() -> None:
    ticket = _opened()
    Ticket.objects.filter(pk=ticket.pk).update(state=TicketState.CLOSED)
    reply = take(question(message_id="<r7@x>", reply_token=ticket.token))
    assert isinstance(reply, TicketMessage)
    assert reply.ticket_id != ticket.pk and reply.opens_ticket


def test_mail_of_a_known_account_belongs_to_that_person(user: User) -> None:
    message = take(question(from_address=user.email.upper()))
    assert isinstance(message, TicketMessage)
    assert message.ticket.asker == user


@pytest.mark.django_db(transaction=True)
def test_two_workers_taking_the_same_mail_make_one_message() -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            found = take(question(message_id="<race@x>"), uid=4242)
            results.append(found.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert TicketMessage.objects.filter(kind=MessageKind.ASKER).count() == 1
    assert Ticket.objects.count() == 1


def test_answer_to_the_confirmation_mail_confirms_the_question() -> None:
    ticket = services.ticket_ask(
        actor=AnonymousUser(),
        subject="Frage ohne Konto",
        text="Hallo",
        category=None,
        name="Erika",
        email="erika@example.org",
    )
    assert ticket.confirmed_at is None
    take(
        question(
            from_address="erika@example.org",
            message_id="<c1@x>",
            reply_token=ticket.token,
        )
    )
    ticket.refresh_from_db()
    assert ticket.confirmed_at is not None and ticket.state == TicketState.NEW
