"""Every role × every helpdesk view: askers see their own tickets, agents
those of their categories, staff everything; the FAQ is public."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile

from allmende.accounts.models import User
from allmende.helpdesk.models import (
    Attachment,
    Category,
    FaqEntry,
    HeldMail,
    HeldReason,
    MessageKind,
    Ticket,
    TicketMessage,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.helpdesk.factories import CategoryFactory, FaqEntryFactory, TicketFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "user", "asker", "agent", "other_agent", "staff"]


@dataclass
class World:
    users: dict[str, User | None]
    ticket: Ticket
    other: Ticket
    faq: FaqEntry
    public_file: Attachment
    note_file: Attachment
    held_file: Attachment
    held: HeldMail
    category: Category


def _file(**owner: object) -> Attachment:
    attachment = Attachment(
        original_name="a.pdf", content_type="application/pdf", size=9, **owner
    )
    attachment.file.save("a.pdf", ContentFile(b"%PDF-1.4 x"), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def world() -> World:
    category = CategoryFactory()
    elsewhere = CategoryFactory()
    asker = UserFactory()
    agent = UserFactory()
    other_agent = UserFactory()
    category.agents.add(agent)
    elsewhere.agents.add(other_agent)
    ticket = TicketFactory(category=category, asker=asker, asker_email=asker.email)
    other = TicketFactory(category=category)
    asked = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.ASKER, text="Frage"
    )
    note = TicketMessage.objects.create(ticket=ticket, kind=MessageKind.NOTE, text="n")
    held = HeldMail.objects.create(
        reason=HeldReason.UNKNOWN_SENDER,
        ticket=ticket,
        from_address="x@example.org",
        mailbox="INBOX",
        uidvalidity=1,
        uid=1,
    )
    return World(
        users={
            "anonymous": None,
            "user": UserFactory(),
            "asker": asker,
            "agent": agent,
            "other_agent": other_agent,
            "staff": StaffFactory(),
        },
        ticket=ticket,
        other=other,
        faq=FaqEntryFactory(category=category),
        public_file=_file(message=asked),
        note_file=_file(message=note),
        held_file=_file(held=held),
        held=held,
        category=category,
    )


LOGIN = 302
# Expected status per role, in the order of ROLES.
PUBLIC = [200] * 6
LOGGED_IN = [LOGIN, 200, 200, 200, 200, 200]
QUEUE = [LOGIN, 403, 403, 200, 200, 200]
TICKET = [LOGIN, 404, 200, 200, 404, 200]
NOTE_FILE = [LOGIN, 404, 404, 200, 404, 200]
STAFF_ONLY_FILE = [LOGIN, 404, 404, 404, 404, 200]
FAQ_FROM_TICKET = [LOGIN, 404, 403, 403, 404, 200]
STAFF_ONLY = [LOGIN, 403, 403, 403, 403, 200]

GETS: list[tuple[str, Callable[[World], str], list[int]]] = [
    ("ask", lambda w: "/help/", PUBLIC),
    ("suggest", lambda w: "/help/suggest/?subject=Newsletter", PUBLIC),
    ("check_mail", lambda w: "/help/check-mail/", PUBLIC),
    ("faq", lambda w: "/help/faq/", PUBLIC),
    ("faq_entry", lambda w: w.faq.get_absolute_url(), PUBLIC),
    ("mine", lambda w: "/help/mine/", LOGGED_IN),
    ("queue", lambda w: "/help/tickets/", QUEUE),
    ("ticket", lambda w: w.ticket.get_absolute_url(), TICKET),
    ("attachment", lambda w: w.public_file.get_absolute_url(), TICKET),
    ("note_attachment", lambda w: w.note_file.get_absolute_url(), NOTE_FILE),
    ("held_attachment", lambda w: w.held_file.get_absolute_url(), STAFF_ONLY_FILE),
    ("faq_from_ticket", lambda w: f"/help/tickets/{w.ticket.pk}/faq/", FAQ_FROM_TICKET),
    ("faq_edit", lambda w: f"/help/faq/{w.faq.pk}/edit/", STAFF_ONLY),
    ("held", lambda w: "/help/held/", STAFF_ONLY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "expected"), GETS, ids=[g[0] for g in GETS])
def test_pages(
    world: World,
    role: str,
    name: str,
    url: Callable[[World], str],
    expected: list[int],
) -> None:
    response = client_for(world.users[role]).get(url(world))
    assert response.status_code == expected[ROLES.index(role)], name


def _count(model: type, **where: object) -> Callable[[World], int]:
    return lambda w: model.objects.filter(**where).count()  # type: ignore[attr-defined]


# name, url, data, expected status per role, what changes on success
POSTS: list[
    tuple[
        str,
        Callable[[World], str],
        Callable[[World], dict[str, object]],
        list[int],
        Callable[[World], object],
    ]
] = [
    (
        "reply",
        lambda w: f"/help/tickets/{w.ticket.pk}/reply/",
        lambda w: {"text": "Neue Nachricht"},
        [LOGIN, 404, 302, 302, 404, 302],
        _count(TicketMessage, text="Neue Nachricht"),
    ),
    (
        "note",
        lambda w: f"/help/tickets/{w.ticket.pk}/note/",
        lambda w: {"text": "Notiz"},
        [LOGIN, 404, 403, 302, 404, 302],
        _count(TicketMessage, kind=MessageKind.NOTE, text="Notiz"),
    ),
    (
        "transition",
        lambda w: f"/help/tickets/{w.ticket.pk}/state/",
        lambda w: {"target": "open"},
        [LOGIN, 404, 403, 302, 404, 302],
        lambda w: Ticket.objects.get(pk=w.ticket.pk).state,
    ),
    (
        "assign",
        lambda w: f"/help/tickets/{w.ticket.pk}/assign/",
        lambda w: {"assignee": w.users["agent"].pk},  # type: ignore[union-attr]
        [LOGIN, 404, 403, 302, 404, 302],
        lambda w: Ticket.objects.get(pk=w.ticket.pk).assignee_id,
    ),
    (
        "category",
        lambda w: f"/help/tickets/{w.ticket.pk}/category/",
        lambda w: {"category": CategoryFactory().pk},
        [LOGIN, 404, 403, 302, 404, 302],
        lambda w: Ticket.objects.get(pk=w.ticket.pk).category_id,
    ),
    (
        "merge",
        lambda w: f"/help/tickets/{w.ticket.pk}/merge/",
        lambda w: {"target": w.other.pk},
        [LOGIN, 404, 403, 302, 404, 302],
        lambda w: Ticket.objects.get(pk=w.ticket.pk).merged_into_id,
    ),
    (
        "faq_from_ticket",
        lambda w: f"/help/tickets/{w.ticket.pk}/faq/",
        lambda w: {
            "category": w.category.pk,
            "question_de": "Neue Frage?",
            "answer_de": "Antwort.",
            "published": "on",
        },
        [LOGIN, 404, 403, 403, 404, 302],
        _count(FaqEntry, question_de="Neue Frage?"),
    ),
    (
        "faq_edit",
        lambda w: f"/help/faq/{w.faq.pk}/edit/",
        lambda w: {
            "category": w.category.pk,
            "question_de": "Geändert?",
            "answer_de": "Antwort.",
            "published": "on",
        },
        [LOGIN, 403, 403, 403, 403, 302],
        _count(FaqEntry, question_de="Geändert?"),
    ),
    (
        "held_new_ticket",
        lambda w: f"/help/held/{w.held.pk}/",
        lambda w: {"action": "new_ticket"},
        [LOGIN, 403, 403, 403, 403, 302],
        _count(Ticket),
    ),
    (
        "held_accept",
        lambda w: f"/help/held/{w.held.pk}/",
        lambda w: {"action": "accept"},
        [LOGIN, 403, 403, 403, 403, 302],
        _count(TicketMessage, from_address="x@example.org"),
    ),
    (
        "held_discard",
        lambda w: f"/help/held/{w.held.pk}/",
        lambda w: {"action": "discard"},
        [LOGIN, 403, 403, 403, 403, 302],
        _count(HeldMail, decided_at__isnull=False),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "url", "data", "expected", "effect"), POSTS, ids=[p[0] for p in POSTS]
)
def test_changes(
    world: World,
    role: str,
    name: str,
    url: Callable[[World], str],
    data: Callable[[World], dict[str, object]],
    expected: list[int],
    effect: Callable[[World], object],
) -> None:
    before = effect(world)
    response = client_for(world.users[role]).post(url(world), data(world))
    status = expected[ROLES.index(role)]
    assert response.status_code == status, name
    after = effect(world)
    if status == 302 and role != "anonymous":
        assert after != before, f"{name} by {role} changed nothing"
    else:
        assert after == before, f"{name} by {role} changed something"
