"""Each role against each view that changes experience reports.

The roles are relative to the report's organization; a forbidden request
changes nothing, an allowed one does what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.knowledge.models import Report, ReportState, ReportVote, ToolUse
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_report, make_tool
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "registered",
    "org_member",
    "org_admin",
    "other_org_admin",
    "editor",
    "staff",
]


def _actor(role: str, report: Report) -> User | None:
    organization = report.organization
    if role == "anonymous":
        return None
    if role == "registered":
        return UserFactory()
    if role == "org_member":
        return MembershipFactory(organization=organization).user
    if role == "org_admin":
        return MembershipFactory(
            organization=organization, role=Membership.Role.ADMIN
        ).user
    if role == "other_org_admin":
        return MembershipFactory(role=Membership.Role.ADMIN).user
    if role == "editor":
        return editor()
    if role == "staff":
        return StaffFactory()
    raise ValueError(role)


def _state(report: Report) -> str:
    return Report.objects.get(pk=report.pk).state


@dataclass(frozen=True)
class Action:
    name: str
    published: bool
    request: Callable[[Client, Report], int]
    happened: Callable[[Report], bool]
    allowed: frozenset[str]


ACTIONS = [
    Action(
        "edit draft",
        False,
        lambda client, report: (
            client.post(
                f"/reports/{report.pk}/edit/",
                {"title": "Geändert", "language": "de", "summary": "Neu."},
            ).status_code
        ),
        lambda report: Report.objects.filter(title="Geändert").exists(),
        frozenset({"org_member", "org_admin"}),
    ),
    Action(
        "publish",
        False,
        lambda client, report: (
            client.post(f"/reports/{report.pk}/to/published/").status_code
        ),
        lambda report: _state(report) == ReportState.PUBLISHED,
        frozenset({"org_admin"}),
    ),
    Action(
        "back to draft",
        True,
        lambda client, report: (
            client.post(f"/reports/{report.pk}/to/draft/").status_code
        ),
        lambda report: _state(report) == ReportState.DRAFT,
        frozenset({"org_admin"}),
    ),
    Action(
        "take down",
        True,
        lambda client, report: (
            client.post(
                f"/reports/{report.pk}/to/unpublished/", {"reason": "Falsche Angaben."}
            ).status_code
        ),
        lambda report: _state(report) == ReportState.UNPUBLISHED,
        frozenset({"staff"}),
    ),
    Action(
        "vote helpful",
        True,
        lambda client, report: client.post(f"/reports/{report.pk}/vote/").status_code,
        lambda report: ReportVote.objects.filter(report=report).exists(),
        frozenset(set(ROLES) - {"anonymous"}),
    ),
    Action(
        "mark tool used",
        True,
        lambda client, report: (
            client.post(
                f"/tools/{report.tools.get().slug}/use/",
                {"organization": report.organization.pk, "used": "1"},
            ).status_code
        ),
        lambda report: ToolUse.objects.exists(),
        frozenset({"org_admin", "staff"}),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_each_role_may_change_reports_only_as_the_workflow_allows(
    role: str, action: Action
) -> None:
    report = make_report(published=action.published, tools=[make_tool()])
    status = action.request(client_for(_actor(role, report)), report)
    if role in action.allowed:
        assert status == 302, status
        assert action.happened(report)
    else:
        assert status in (302, 403, 404), status
        if role == "anonymous":
            assert status == 302
        assert not action.happened(report)


@pytest.mark.parametrize("role", ROLES)
def test_only_members_of_an_organization_write_its_reports(role: str) -> None:
    report = make_report()
    actor = _actor(role, report)
    response = client_for(actor).get("/reports/new/")
    member = role in {"org_member", "org_admin", "other_org_admin"}
    assert response.status_code == (
        200 if member else 302 if role == "anonymous" else 403
    )
