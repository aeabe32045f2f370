"""The helpdesk from question to FAQ entry, with real mail both ways: a person
asks on the web, an agent answers with a canned answer that goes out through a
real SMTP server, the person answers by mail into a real IMAP mailbox, the
intake threads it into the ticket, and the answer becomes an FAQ entry that
the site search finds."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from imapclient import IMAPClient
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.helpdesk import services
from allmende.helpdesk.models import FaqEntry, MessageKind, Ticket, TicketState
from tests.accounts.factories import StaffFactory, UserFactory
from tests.helpdesk.factories import (
    CannedAnswerFactory,
    CategoryFactory,
    FaqEntryFactory,
)
from tests.helpdesk.mail.servers import Dovecot, ReceivedMail, SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_staff(page: Any, live_server: Any, user: User) -> None:
    """Staff log in with a second factor; the session is made directly."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        ]
    )


def test_question_answered_by_mail_becomes_a_searchable_faq_entry(
    page: Any,
    new_context: Callable[..., Any],
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
    settings: Any,
    live_server: Any,
    tmp_path: Any,
    smtp_outbox: SmtpServer,
    dovecot: Dovecot,
    imap_folder: str,
) -> None:
    settings.ALLMENDE_HELPDESK_ADDRESS = "hilfe@example.org"
    settings.ALLMENDE_HELPDESK_IMAP_URLS = [
        dovecot.url(imap_folder, processed=f"{imap_folder}/Processed", name="hilfe")
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    category = CategoryFactory(name_de="Digitale Werkzeuge", name_en="Digital tools")
    entry = FaqEntryFactory(
        category=category,
        question_de="Wie exportieren wir den Newsletter?",
        question_en="How do we export the newsletter?",
    )
    services.faq_index(entry)
    CannedAnswerFactory(
        category=category,
        title="Export",
        text_de="Hallo {name}, den Export finden Sie unter Einstellungen.",
        text_en="Hello {name}, the export is under Settings.",
    )
    asker = UserFactory(display_name="Erika Mustermann")
    agent = StaffFactory()
    category.agents.add(agent)

    # The person asks on the web and sees an FAQ suggestion, but sends anyway.
    login(page, asker)
    page.goto("/help/")
    page.locator("#id_subject").press_sequentially("Newsletter export", delay=20)
    expect(
        page.locator("#faq-suggestions a", has_text=entry.question_de)
    ).to_be_visible()
    assert_no_axe_violations(page)
    page.fill(
        "#id_text",
        "Der Newsletter-Export fehlt. Erika Mustermann, Telefon 0171 2345678.",
    )
    page.select_option("#id_category", str(category.pk))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    ticket = Ticket.objects.get()

    # The agent answers with the canned answer; it leaves by the SMTP server.
    agent_context = new_context()
    agent_page = agent_context.new_page()
    try:
        log_in_staff(agent_page, live_server, agent)
        agent_page.goto(ticket.get_absolute_url())
        agent_page.select_option("#id_canned", label="Export")
        with agent_page.expect_navigation():
            agent_page.locator("form:has(#id_canned) button").click()
        expect(agent_page.locator("#id_text")).to_have_value(
            "Hallo Erika Mustermann, den Export finden Sie unter Einstellungen."
        )
        with agent_page.expect_navigation():
            agent_page.locator(
                f"form[action='/help/tickets/{ticket.pk}/reply/'] button"
            ).click()
        assert_no_axe_violations(agent_page)

        def is_answer(received: ReceivedMail) -> bool:
            return asker.email in received.rcpt_tos and "Einstellungen" in (
                received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            )

        answer = smtp_outbox.wait_until(is_answer).message
        assert f"[#{ticket.pk}]" in answer["Subject"]
        assert answer["Reply-To"] == f"hilfe+{ticket.token}@example.org"

        # The person answers by mail: a real reply, into the real mailbox.
        reply = EmailMessage()
        reply["From"] = f"Erika Mustermann <{asker.email}>"
        reply["To"] = answer["Reply-To"]
        reply["Subject"] = f"AW: {answer['Subject']}"
        reply["Message-ID"] = "<antwort-1@verein.example>"
        reply["In-Reply-To"] = answer["Message-ID"]
        reply["References"] = answer["Message-ID"]
        reply.set_content("Danke, gefunden! Es klappt jetzt.\n\n> the export ...\n")
        with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as imap:
            imap.login(dovecot.user, dovecot.password)
            imap.append(imap_folder, bytes(reply))
        call_command("helpdesk_fetch", stdout=StringIO())
        assert Ticket.objects.count() == 1
        assert ticket.messages.filter(
            kind=MessageKind.ASKER, text__contains="gefunden"
        ).exists()

        agent_page.reload()
        expect(agent_page.locator(".conversation")).to_contain_text("gefunden")
        with agent_page.expect_navigation():
            agent_page.locator("button[name=target][value=resolved]").click()
        ticket.refresh_from_db()
        assert ticket.state == TicketState.RESOLVED

        # The answer becomes an FAQ entry without the person's data.
        with agent_page.expect_navigation():
            agent_page.locator(f"a[href='/help/tickets/{ticket.pk}/faq/']").click()
        assert_no_axe_violations(agent_page)
        # The browser speaks German, so the draft is the German half.
        question = agent_page.locator("#id_question_de")
        body = agent_page.locator("#id_answer_de")
        expect(body).to_contain_text("den Export finden Sie unter Einstellungen")
        draft = body.input_value() + question.input_value()
        for personal in ("Erika", "Mustermann", "0171 2345678", asker.email):
            assert personal not in draft
        question.fill("Wo ist der Newsletter-Export?")
        agent_page.fill("#id_question_en", "Where is the newsletter export?")
        agent_page.fill("#id_answer_en", "Under Settings.")
        with agent_page.expect_navigation():
            agent_page.locator("main form button[type=submit]").click()
        published = FaqEntry.objects.get(source_ticket=ticket)
        assert "Erika" not in published.answer_de
        assert "Einstellungen" in published.answer_de

        # The site search finds it.
        page.goto("/search/?q=newsletter+export")
        expect(
            page.locator(
                "main a",
                has_text=re.compile("Wo ist der Newsletter-Export|newsletter export"),
            )
        ).to_be_visible()
        assert_no_axe_violations(page)
    finally:
        agent_context.close()
