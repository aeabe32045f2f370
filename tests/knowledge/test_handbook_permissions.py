"""Each role against each view that changes the handbook.

Editors write and send to review, reviewers approve and send back, staff do
both; a forbidden request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.knowledge.models import Page, PageRevision, PageState
from allmende.knowledge.services import handbook as services
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_page, reviewer
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "registered",
    "org_member",
    "org_admin",
    "editor",
    "reviewer",
    "staff",
]


def _actor(role: str) -> User | None:
    return {
        "anonymous": lambda: None,
        "registered": UserFactory,
        "org_member": lambda: MembershipFactory().user,
        "org_admin": lambda: MembershipFactory(role=Membership.Role.ADMIN).user,
        "editor": editor,
        "reviewer": reviewer,
        "staff": StaffFactory,
    }[role]()


def _in_review() -> Page:
    page = make_page(published=True)
    services.page_save(actor=StaffFactory(), page=page, title="T", body="Neu")
    return services.page_transition(
        actor=StaffFactory(), page=page, target=PageState.IN_REVIEW
    )


def _draft() -> Page:
    page = make_page(published=True)
    services.page_save(actor=StaffFactory(), page=page, title="T", body="Neu")
    return page


def _base(page: Page) -> str:
    return f"/guides/{page.book.slug}/{page.slug}/"


def _state(page: Page) -> str:
    return Page.objects.get(pk=page.pk).state


@dataclass(frozen=True)
class Action:
    name: str
    setup: Callable[[], Page]
    request: Callable[[Client, Page], int]
    happened: Callable[[Page], bool]
    allowed: frozenset[str]


EDITORS = frozenset({"editor", "staff"})
REVIEWERS = frozenset({"reviewer", "staff"})

ACTIONS = [
    Action(
        "add page",
        make_page,
        lambda client, page: (
            client.post(
                f"/guides/{page.book.slug}/new/",
                {
                    "chapter": page.chapter.pk,
                    "title": "Ganz neu",
                    "body": "Text",
                    "submission_key": "1f0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10",
                },
            ).status_code
        ),
        lambda page: Page.objects.filter(title="Ganz neu").exists(),
        EDITORS,
    ),
    Action(
        "edit page",
        make_page,
        lambda client, page: (
            client.post(
                _base(page) + "edit/", {"title": "Geändert", "body": "Text"}
            ).status_code
        ),
        lambda page: PageRevision.objects.filter(title="Geändert").exists(),
        EDITORS,
    ),
    Action(
        "send to review",
        _draft,
        lambda client, page: client.post(_base(page) + "to/in_review/").status_code,
        lambda page: _state(page) == PageState.IN_REVIEW,
        EDITORS,
    ),
    Action(
        "approve",
        _in_review,
        lambda client, page: client.post(_base(page) + "to/published/").status_code,
        lambda page: _state(page) == PageState.PUBLISHED,
        REVIEWERS,
    ),
    Action(
        "send back",
        _in_review,
        lambda client, page: (
            client.post(
                _base(page) + "to/draft/", {"comment": "Bitte kürzen."}
            ).status_code
        ),
        lambda page: _state(page) == PageState.DRAFT,
        EDITORS | REVIEWERS,
    ),
    Action(
        "restore",
        _draft,
        lambda client, page: (
            client.post(_base(page) + "revisions/1/restore/").status_code
        ),
        lambda page: page.revisions.count() == 3,
        EDITORS,
    ),
    Action(
        "confirm current",
        lambda: make_page(published=True),
        lambda client, page: client.post(_base(page) + "confirm/").status_code,
        lambda page: AuditLogEntry.objects.filter(action="guide.confirmed").exists(),
        REVIEWERS,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_each_role_may_change_the_handbook_only_as_the_workflow_allows(
    role: str, action: Action
) -> None:
    page = action.setup()
    status = action.request(client_for(_actor(role)), page)
    if role in action.allowed:
        assert status == 302, status
        assert action.happened(page)
    else:
        assert status in (302, 403), status
        if role == "anonymous":
            assert status == 302
        assert not action.happened(page)
