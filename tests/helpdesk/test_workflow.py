"""The ticket's work: answers by mail, states, notes, canned answers, merges,
auto-resolve and the FAQ draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core import scheduler
from allmende.core.models import AuditLogEntry
from allmende.helpdesk import scrub, services
from allmende.helpdesk.inbound import InboundMail
from allmende.helpdesk.models import (
    AGENT,
    ASKER,
    SYSTEM,
    TRANSITIONS,
    Category,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketState,
    targets_from,
)
from allmende.notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.helpdesk.factories import CannedAnswerFactory, TicketFactory

# Real commits, so that mails and notifications queued with on_commit happen.
pytestmark = pytest.mark.django_db(transaction=True)
T = TicketState


def test_transition_table_names_only_known_states_and_roles() -> None:
    for (source, target), roles in TRANSITIONS.items():
        assert source in T.values and target in T.values and source != target
        assert roles <= {AGENT, ASKER, SYSTEM}
    assert targets_from(T.CLOSED, AGENT) == []
    assert T.OPEN in targets_from(T.RESOLVED, ASKER)


def test_agent_answer_goes_out_from_the_ticket_reply_address(
    category: Category, agent: User
) -> None:
    ticket = TicketFactory(category=category, asker_email="erika@example.org")
    TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.ASKER, message_id="frage@example.org"
    )
    message = services.ticket_reply(ticket=ticket, actor=agent, text="So geht es.")
    ticket.refresh_from_db()
    assert ticket.state == T.WAITING and ticket.waiting_since is not None
    assert ticket.assignee == agent
    [sent] = mail.outbox
    assert sent.to == ["erika@example.org"]
    assert sent.subject.startswith(f"[#{ticket.pk}] ")
    assert f"hilfe+{ticket.token}@example.org" in sent.from_email
    assert sent.reply_to == [f"hilfe+{ticket.token}@example.org"]
    assert sent.extra_headers["Auto-Submitted"] == "no"
    assert sent.extra_headers["In-Reply-To"] == "<frage@example.org>"
    assert f"<{message.message_id}>" == sent.extra_headers["Message-ID"]
    assert "So geht es." in sent.body
    assert AuditLogEntry.objects.filter(action="helpdesk.ticket_answered").exists()
    # The asker's answer to this mail finds the ticket by its Message-ID.
    reply = services.ticket_message_from_mail(
        parsed=InboundMail(
            from_address="erika@example.org",
            subject="Re: ?",
            text="Danke!",
            message_id="<danke@example.org>",
            in_reply_to=message.message_id,
        ),
        mailbox="INBOX",
        uidvalidity=1,
        uid=1,
        eml_path="",
    )
    assert isinstance(reply, TicketMessage) and reply.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.state == T.OPEN


def test_files_of_an_answer_go_out_with_the_mail(
    category: Category, agent: User
) -> None:
    ticket = TicketFactory(category=category)
    pdf = SimpleUploadedFile("Anleitung.pdf", b"%PDF-1.4 Anleitung", "application/pdf")
    services.ticket_reply(
        ticket=ticket, actor=agent, text="Siehe Anhang.", attachments=[pdf]
    )
    [sent] = mail.outbox
    assert sent.attachments == [
        ("Anleitung.pdf", b"%PDF-1.4 Anleitung", "application/pdf")
    ]


def test_asker_with_account_is_notified_of_answer_and_resolution(
    category: Category, agent: User, user: User
) -> None:
    ticket = TicketFactory(category=category, asker=user, asker_email=user.email)
    services.ticket_reply(ticket=ticket, actor=agent, text="Antwort")
    services.ticket_transition(ticket=ticket, actor=agent, target=T.RESOLVED)
    kinds = set(
        Notification.objects.filter(recipient=user).values_list("type", flat=True)
    )
    assert kinds == {"helpdesk.reply_arrived", "helpdesk.ticket_resolved"}


def test_agents_of_the_category_hear_of_a_new_question(
    category: Category, agent: User, user: User
) -> None:
    other = UserFactory()
    ticket = services.ticket_ask(
        actor=user, subject="Frage", text="Wie?", category=category
    )
    notified = Notification.objects.filter(type="helpdesk.new_ticket")
    assert list(notified.values_list("recipient", flat=True)) == [agent.pk]
    assert not notified.filter(recipient=other).exists()
    assert ticket.confirmed_at is not None


def test_transition_outside_the_table_is_refused(
    category: Category, agent: User
) -> None:
    ticket = TicketFactory(category=category, state=T.CLOSED)
    with pytest.raises(ValidationError):
        services.ticket_transition(ticket=ticket, actor=agent, target=T.OPEN)


def test_agent_of_another_category_cannot_work_the_ticket(agent: User) -> None:
    ticket = TicketFactory()
    with pytest.raises(PermissionDenied):
        services.ticket_transition(ticket=ticket, actor=agent, target=T.OPEN)
    with pytest.raises(PermissionDenied):
        services.ticket_note_add(ticket=ticket, actor=agent, text="x")


def test_assignment_only_to_agents_of_the_category(
    category: Category, agent: User
) -> None:
    ticket = TicketFactory(category=category, state=T.NEW)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=ticket, actor=agent, assignee=UserFactory())
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.state == T.OPEN


def test_canned_answer_fills_placeholders_in_the_ticket_language(
    category: Category, agent: User
) -> None:
    answer = CannedAnswerFactory()
    ticket = TicketFactory(category=category, asker_name="Erika", language="en")
    text = services.canned_answer_text(
        answer=answer, ticket=ticket, agent=agent, language="en"
    )
    assert text == f"Hello Erika, thanks for #{ticket.pk}. Regards {agent}"
    german = services.canned_answer_text(
        answer=answer, ticket=ticket, agent=agent, language="de"
    )
    assert german.startswith("Hallo Erika")
    answer.text_de = "Hallo {name}, {unknown} bleibt."
    assert "{unknown}" in services.canned_answer_text(
        answer=answer, ticket=ticket, agent=agent, language="de"
    )


def test_merge_moves_the_conversation_and_later_mail_follows(
    category: Category, agent: User
) -> None:
    source = TicketFactory(category=category, asker_email="b@example.org")
    target = TicketFactory(category=category, asker_email="a@example.org")
    TicketMessage.objects.create(
        ticket=source, kind=MessageKind.ASKER, text="Quelle", message_id="s@x"
    )
    services.ticket_merge(source=source, target=target, actor=agent)
    source.refresh_from_db()
    assert source.state == T.CLOSED and source.merged_into == target
    assert target.messages.filter(text="Quelle").exists()
    reply = services.ticket_message_from_mail(
        parsed=InboundMail(
            from_address="b@example.org", message_id="<s2@x>", reply_token=source.token
        ),
        mailbox="INBOX",
        uidvalidity=1,
        uid=2,
        eml_path="",
    )
    assert isinstance(reply, TicketMessage) and reply.ticket_id == target.pk
    with pytest.raises(ValidationError):
        services.ticket_merge(source=target, target=target, actor=agent)


def test_waiting_ticket_is_resolved_after_the_configured_days(
    settings: object, category: Category, agent: User
) -> None:
    settings.ALLMENDE_HELPDESK_AUTO_RESOLVE_DAYS = 7  # type: ignore[attr-defined]
    now = timezone.now()
    old = TicketFactory(
        category=category, state=T.WAITING, waiting_since=now - timedelta(days=8)
    )
    fresh = TicketFactory(
        category=category, state=T.WAITING, waiting_since=now - timedelta(days=2)
    )
    assert "helpdesk.auto_resolve" in [job.name for job in scheduler.jobs()]
    assert services.tickets_auto_resolve(now=now) == 1
    assert services.tickets_auto_resolve(now=now) == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == T.RESOLVED and fresh.state == T.WAITING
    assert old.messages.filter(kind=MessageKind.SYSTEM).count() == 1
    assert [m.to for m in mail.outbox] == [[old.asker_email]]
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_periodic_job_runs_auto_resolve(settings: object, category: Category) -> None:
    settings.ALLMENDE_HELPDESK_AUTO_RESOLVE_DAYS = 1  # type: ignore[attr-defined]
    ticket = TicketFactory(
        category=category,
        state=T.WAITING,
        waiting_since=timezone.now() - timedelta(days=3),
    )
    scheduler.run_due(force=True)
    ticket.refresh_from_db()
    assert ticket.state == T.RESOLVED


def test_note_is_internal(category: Category, agent: User) -> None:
    ticket = TicketFactory(category=category)
    note = services.ticket_note_add(ticket=ticket, actor=agent, text="intern")
    assert note.is_internal and mail.outbox == []


def test_scrub_removes_name_email_organization_and_phone() -> None:
    result = scrub.scrub(
        "Ich bin Erika Mustermann vom Sportverein Nord, erika@verein.de, "
        "Tel. +49 (0)30 123 456-78. Erika fragt: Version 2.5 im Jahr 2024?",
        names=["Erika Mustermann"],
        organizations=["Sportverein Nord"],
    )
    assert "Erika" not in result.text and "Mustermann" not in result.text
    assert "Sportverein" not in result.text and "verein.de" not in result.text
    assert "123" not in result.text
    assert "2.5" in result.text and "2024" in result.text
    assert result.removed == 5
    marked = scrub.highlighted(result.text)
    assert marked.count("<mark>") == 5


def test_faq_entry_is_indexed_for_the_site_search(category: Category) -> None:
    staff = StaffFactory()
    entry = services.faq_entry_save(
        actor=staff,
        category=category,
        question_de="Wie sichern wir Vereinsdaten?",
        question_en="How do we back up data?",
        answer_de="Mit einer Sicherung.",
        answer_en="With a backup.",
    )
    from allmende.core.search import site_search

    hits = site_search(viewer=UserFactory(), query="Vereinsdaten", type_key="faq")
    assert [hit.url for hit in hits] == [entry.get_absolute_url()]
    with pytest.raises(PermissionDenied):
        services.faq_entry_save(
            actor=UserFactory(),
            category=category,
            question_de="x",
            question_en="",
            answer_de="y",
            answer_en="",
        )


def test_reply_to_a_ticket_the_asker_resolved_reopens_on_web(
    category: Category, user: User
) -> None:
    ticket = TicketFactory(
        category=category,
        asker=user,
        state=T.RESOLVED,
        resolved_at=timezone.now(),
    )
    services.ticket_asker_reply(ticket=ticket, actor=user, text="Doch noch eine Frage")
    ticket.refresh_from_db()
    assert ticket.state == T.OPEN
    assert Ticket.objects.count() == 1
