"""A person asks on the web, sees an FAQ suggestion and sends anyway; a
helpdesk agent answers with a canned answer. On a 360 px phone, axe-clean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.helpdesk import services
from allmende.helpdesk.models import Ticket, TicketState
from tests.accounts.factories import UserFactory
from tests.helpdesk.factories import (
    CannedAnswerFactory,
    CategoryFactory,
    FaqEntryFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def fits_phone(page: Any) -> None:
    width = int(page.evaluate("document.scrollingElement.scrollWidth"))
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_question_suggestion_and_canned_answer(
    page: Any,
    new_context: Callable[..., Any],
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
    settings: Any,
) -> None:
    settings.ALLMENDE_HELPDESK_ADDRESS = "hilfe@example.org"
    category = CategoryFactory(name_de="Digitale Werkzeuge", name_en="Digital tools")
    entry = FaqEntryFactory(
        category=category,
        question_de="Wie exportieren wir den Newsletter?",
        question_en="How do we export the newsletter?",
    )
    services.faq_index(entry)
    CannedAnswerFactory(
        category=category,
        title="Rückfrage",
        text_de="Hallo {name}, danke für Ihre Frage {ticket}.",
    )
    asker = UserFactory(display_name="Erika Mustermann")
    agent = UserFactory()
    category.agents.add(agent)

    page.set_viewport_size(PHONE)
    login(page, asker)
    page.goto("/help/")
    assert_no_axe_violations(page)
    fits_phone(page)
    page.locator("#id_subject").press_sequentially("Newsletter export", delay=20)
    suggestion = page.locator("#faq-suggestions a", has_text=entry.question_de)
    expect(suggestion).to_be_visible()
    assert_no_axe_violations(page)
    page.fill("#id_text", "Wir finden den Export nicht. Was tun?")
    page.select_option("#id_category", str(category.pk))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    ticket = Ticket.objects.get()
    assert page.url.endswith(ticket.get_absolute_url())
    expect(page.locator(".conversation")).to_contain_text("Export nicht")
    assert_no_axe_violations(page)
    fits_phone(page)

    agent_context = new_context(viewport=PHONE)
    agent_page = agent_context.new_page()
    try:
        login(agent_page, agent)
        agent_page.goto("/help/tickets/")
        expect(agent_page.locator("main")).to_contain_text(ticket.subject)
        assert_no_axe_violations(agent_page)
        fits_phone(agent_page)
        agent_page.goto(ticket.get_absolute_url())
        assert_no_axe_violations(agent_page)
        fits_phone(agent_page)
        agent_page.select_option("#id_canned", label="Rückfrage")
        with agent_page.expect_navigation():
            agent_page.locator("form:has(#id_canned) button").click()
        reply = agent_page.locator("#id_text")
        expect(reply).to_have_value(
            f"Hallo Erika Mustermann, danke für Ihre Frage #{ticket.pk}."
        )
        with agent_page.expect_navigation():
            agent_page.locator(
                f"form[action='/help/tickets/{ticket.pk}/reply/'] button"
            ).click()
        expect(agent_page.locator(".conversation")).to_contain_text(
            "danke für Ihre Frage"
        )
        assert_no_axe_violations(agent_page)
        fits_phone(agent_page)
    finally:
        agent_context.close()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING
    answer = mail.outbox[-1]
    assert answer.to == [asker.email]
    assert f"[#{ticket.pk}]" in answer.subject
    assert f"hilfe+{ticket.token}@example.org" in answer.from_email

    page.goto(ticket.get_absolute_url())
    expect(page.locator(".conversation")).to_contain_text("danke für Ihre Frage")
    page.goto("/help/faq/")
    assert_no_axe_violations(page)
    fits_phone(page)
