"""The helpdesk's pages as people use them."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from allmende.accounts.models import User
from allmende.helpdesk import services
from allmende.helpdesk.models import (
    Attachment,
    Category,
    FaqEntry,
    HeldMail,
    HeldReason,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketState,
)
from tests.accounts.factories import StaffFactory
from tests.conftest import client_for
from tests.helpdesk.factories import (
    CannedAnswerFactory,
    FaqEntryFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _form(category: Category, **extra: object) -> dict[str, object]:
    return {
        "subject": "Newsletter exportieren",
        "text": "Wie exportieren wir unsere Adressen?",
        "category": category.pk,
        "organization_name": "Sportverein Nord",
        "submission_key": str(uuid.uuid4()),
        **extra,
    }


def test_logged_in_person_asks_and_sees_the_conversation(
    user: User, category: Category
) -> None:
    client = client_for(user)
    pdf = SimpleUploadedFile("Übersicht.pdf", b"%PDF-1.4 test", "application/pdf")
    response = client.post("/help/", _form(category, attachments=[pdf]))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    assert ticket.asker == user and ticket.confirmed_at is not None
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Wie exportieren wir unsere Adressen?" in page
    assert "Übersicht.pdf" in page
    mine = client.get("/help/mine/").content.decode()
    assert ticket.label in mine
    attachment = Attachment.objects.get()
    download = client.get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_bad_attachments_get_clear_messages(
    user: User, category: Category, settings: object
) -> None:
    settings.ALLMENDE_HELPDESK_MAX_ATTACHMENT_BYTES = 100  # type: ignore[attr-defined]
    client = client_for(user)
    html = SimpleUploadedFile("page.html", b"<html><script>x</script>", "text/html")
    response = client.post("/help/", _form(category, attachments=[html]))
    assert response.status_code == 400
    assert "is not a file type we accept" in response.content.decode()
    large = SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 200, "application/pdf")
    response = client.post("/help/", _form(category, attachments=[large]))
    assert response.status_code == 400
    assert "is too large" in response.content.decode()
    response = client.post("/help/", {"subject": "", "text": ""})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_anonymous_question_counts_after_the_post_confirmation(
    category: Category, agent: User
) -> None:
    client = Client()
    response = client.post(
        "/help/", _form(category, name="Erika", email="Erika@Example.org")
    )
    assert response.status_code == 302 and response["Location"] == "/help/check-mail/"
    ticket = Ticket.objects.get()
    assert ticket.confirmed_at is None
    assert (
        not client_for(agent)
        .get("/help/tickets/")
        .content.decode()
        .count(ticket.subject)
    )
    [confirmation] = mail.outbox
    link = re.search(r"http://\S+/help/q/\S+/", confirmation.body)
    assert link is not None
    path = link.group().split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "Send my question" in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.confirmed_at is None  # a GET (a mail scanner) changes nothing
    client.post(f"/{path}", {"action": "confirm"})
    ticket.refresh_from_db()
    assert ticket.confirmed_at is not None
    ack = mail.outbox[-1]
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert f"[#{ticket.pk}]" in ack.subject
    client.post(f"/{path}", {"action": "reply", "text": "Noch ein Detail"})
    assert ticket.messages.filter(text="Noch ein Detail").exists()
    assert client.get("/help/q/1-forged/").status_code == 404


def test_faq_suggestions_follow_the_subject(category: Category) -> None:
    entry = FaqEntryFactory(category=category)
    services.faq_index(entry)
    response = Client().get("/help/suggest/", {"subject": "Newsletter export"})
    assert entry.get_absolute_url() in response.content.decode()
    empty = Client().get("/help/suggest/", {"subject": "Zebra"})
    assert empty.content.decode().strip() == ""
    form = Client().get("/help/").content.decode()
    assert 'hx-get="/help/suggest/"' in form


def test_agent_answers_with_a_canned_answer(category: Category, agent: User) -> None:
    CannedAnswerFactory(category=category)
    ticket = TicketFactory(category=category, asker_name="Erika")
    client = client_for(agent)
    page = client.get(
        ticket.get_absolute_url(),
        {"canned": category.canned_answers.get().pk},
    ).content.decode()
    assert f"Hallo Erika, danke für #{ticket.pk}." in page
    response = client.post(
        f"/help/tickets/{ticket.pk}/reply/", {"text": "Hallo Erika, so geht es."}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING
    assert mail.outbox[-1].to == [ticket.asker_email]
    client.post(f"/help/tickets/{ticket.pk}/note/", {"text": "Nur intern"})
    assert TicketMessage.objects.filter(kind=MessageKind.NOTE).count() == 1


def test_asker_does_not_see_internal_notes(category: Category, user: User) -> None:
    ticket = TicketFactory(category=category, asker=user)
    TicketMessage.objects.create(ticket=ticket, kind=MessageKind.NOTE, text="GEHEIM")
    page = client_for(user).get(ticket.get_absolute_url()).content.decode()
    assert "GEHEIM" not in page


def test_answer_becomes_faq_entry_without_personal_details(
    category: Category,
) -> None:
    staff = StaffFactory()
    ticket = TicketFactory(
        category=category,
        asker_name="Erika Mustermann",
        asker_email="erika@verein.de",
        organization_name="Sportverein Nord",
        subject="Frage von Erika zum Datenexport",
    )
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.ASKER,
        text="Ich bin Erika vom Sportverein Nord, Tel. 030 1234567. Wie exportieren?",
    )
    TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.AGENT, text="Liebe Erika, über Menü Export."
    )
    client = client_for(staff)
    editor = client.get(f"/help/tickets/{ticket.pk}/faq/")
    html = editor.content.decode()
    assert editor.status_code == 200
    textarea = html.split('name="answer_de"', 1)[1].split("</textarea>", 1)[0]
    assert "Erika" not in textarea and "Sportverein" not in textarea
    assert "1234567" not in textarea
    assert "<mark>[name]</mark>" in html and "<mark>[phone]</mark>" in html
    response = client.post(
        f"/help/tickets/{ticket.pk}/faq/",
        {
            "category": category.pk,
            "question_de": "Wie exportieren wir Daten?",
            "answer_de": "Über das Menü Export.",
            "published": "on",
        },
    )
    entry = FaqEntry.objects.get()
    assert response.status_code == 302 and entry.source_ticket == ticket
    faq = Client().get("/help/faq/").content.decode()
    assert "Wie exportieren wir Daten?" in faq or "How" in faq
    found = Client().get("/search/", {"q": "exportieren"}).content.decode()
    assert entry.get_absolute_url() in found


def test_faq_pages_in_both_languages(category: Category) -> None:
    entry = FaqEntryFactory(category=category)
    english = Client(headers={"accept-language": "en"}).get(entry.get_absolute_url())
    german = Client(headers={"accept-language": "de"}).get(entry.get_absolute_url())
    assert "How do we export the newsletter?" in english.content.decode()
    assert "Wie exportieren wir den Newsletter?" in german.content.decode()


def test_queue_lists_only_the_agents_categories(
    category: Category, agent: User
) -> None:
    mine = TicketFactory(category=category, subject="Meine Kategorie")
    TicketFactory(subject="Fremde Kategorie")
    page = client_for(agent).get("/help/tickets/").content.decode()
    assert mine.subject in page and "Fremde Kategorie" not in page
    dashboard = client_for(agent).get("/dashboard/").content.decode()
    assert "Helpdesk queue" in dashboard and mine.subject in dashboard


def test_dashboard_shows_my_questions(user: User, category: Category) -> None:
    ticket = TicketFactory(category=category, asker=user, subject="Meine Frage")
    page = client_for(user).get("/dashboard/").content.decode()
    assert "My questions" in page and ticket.subject in page


def test_transition_with_unknown_state_gives_a_message(
    category: Category, agent: User
) -> None:
    ticket = TicketFactory(category=category)
    response = client_for(agent).post(
        f"/help/tickets/{ticket.pk}/state/", {"target": "bogus"}, follow=True
    )
    assert response.status_code == 200
    assert "cannot go from" in response.content.decode()


def test_sending_the_form_twice_makes_one_question(
    user: User, category: Category
) -> None:
    client = client_for(user)
    data = _form(category)
    first = client.post("/help/", data)
    second = client.post("/help/", data)
    assert first["Location"] == second["Location"]
    assert Ticket.objects.count() == 1


def test_anonymous_questions_are_limited_like_every_mail_asked_for(
    category: Category, settings: object
) -> None:
    settings.ALLMENDE_MAIL_RATE_PER_ADDRESS = 1  # type: ignore[attr-defined]
    client = Client()
    data = {"name": "E", "email": "e@example.org"}
    assert client.post("/help/", _form(category, **data)).status_code == 302
    response = client.post("/help/", _form(category, **data))
    assert response.status_code == 429
    assert "Too many messages" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_list_pages_run_a_fixed_number_of_queries(
    category: Category,
    agent: User,
    user: User,
    django_assert_max_num_queries: Any,
) -> None:
    def add(count: int) -> None:
        for _ in range(count):
            TicketFactory(category=category, asker=user, assignee=agent)
            FaqEntryFactory(category=category)

    pages = [(client_for(agent), "/help/tickets/"), (client_for(user), "/help/mine/")]
    pages.append((Client(), "/help/faq/"))
    add(2)
    counts = []
    for client, url in pages:
        client.get(url)
        with django_assert_max_num_queries(30) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    add(10)
    for (client, url), count in zip(pages, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_staff_edit_categories_and_canned_answers_in_the_admin(
    category: Category,
) -> None:
    staff = StaffFactory()
    client = client_for(staff)
    response = client.post(
        f"/admin/helpdesk/category/{category.pk}/change/",
        {
            "slug": category.slug,
            "name_de": "Neu benannt",
            "name_en": "Renamed",
            "order": 3,
            "agents": [],
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name_de == "Neu benannt"
    assert client.get("/admin/helpdesk/cannedanswer/add/").status_code == 200


def test_html_only_mail_is_shown_without_scripts_or_remote_images(
    category: Category, user: User
) -> None:
    ticket = TicketFactory(category=category, asker=user)
    TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.ASKER,
        html="<p>Hallo <b>Team</b></p><script>alert(1)</script>"
        '<img src="https://tracker.example/p.gif"><a href="javascript:x()">x</a>',
    )
    page = client_for(user).get(ticket.get_absolute_url()).content.decode()
    assert "<p>Hallo <b>Team</b></p>" in page
    assert "alert(1)" not in page and "tracker.example" not in page
    assert "javascript:" not in page


def test_staff_make_a_held_mail_a_ticket_of_its_own(category: Category) -> None:
    ticket = TicketFactory(category=category)
    held = HeldMail.objects.create(
        reason=HeldReason.UNKNOWN_SENDER,
        ticket=ticket,
        from_address="kollege@example.org",
        subject="AW: [#1] Andere Frage",
        text="Eine ganz andere Frage",
        mailbox="INBOX",
        uidvalidity=1,
        uid=1,
    )
    client = client_for(StaffFactory())
    assert "kollege@example.org" in client.get("/help/held/").content.decode()
    response = client.post(f"/help/held/{held.pk}/", {"action": "new_ticket"})
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert response["Location"] == new.get_absolute_url()
    assert new.subject == "Andere Frage" and new.asker_email == "kollege@example.org"
    assert new.messages.get().text == "Eine ganz andere Frage"
    again = client.post(f"/help/held/{held.pk}/", {"action": "new_ticket"})
    assert again.status_code == 404
    assert Ticket.objects.count() == 2
