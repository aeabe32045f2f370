"""Each role against each view that changes the tool directory.

A forbidden request must change nothing; an allowed one must do what it says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.knowledge.models import Tool
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_tool
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "registered", "org_member", "org_admin", "editor", "staff"]


def _actor(role: str) -> User | None:
    if role == "anonymous":
        return None
    if role == "registered":
        return UserFactory()
    if role == "org_member":
        return MembershipFactory().user
    if role == "org_admin":
        return MembershipFactory(role=Membership.Role.ADMIN).user
    if role == "editor":
        return editor()
    if role == "staff":
        return StaffFactory()
    raise ValueError(role)


FORM = {
    "name": "Nextcloud",
    "purpose_de": "Dateien teilen",
    "purpose_en": "Share files",
    "categories": [],
    "licence": "AGPL-3.0-or-later",
    "data_location": "own_server",
    "processing_agreement": "not_needed",
    "cost": "free",
    "difficulty": "intermediate",
    "hosting": ["self_hosted"],
    "platforms": ["web", "linux"],
    "languages": ["de"],
    "alternative_to": "Dropbox, Google Drive",
}


def _create(client: Client, tool: Tool) -> int:
    from allmende.knowledge.models import Category

    data = {
        **FORM,
        "categories": [Category.objects.get(slug="cloud-speicher").pk],
        "submission_key": "6c0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10",
    }
    return client.post("/tools/new/", data).status_code


def _edit(client: Client, tool: Tool) -> int:
    from allmende.knowledge.models import Category

    data = {
        **FORM,
        "name": "Jitsi Meet",
        "purpose_de": "Neuer Zweck",
        "categories": [Category.objects.get(slug="videokonferenzen").pk],
    }
    return client.post(f"/tools/{tool.slug}/edit/", data).status_code


def _check(client: Client, tool: Tool) -> int:
    return client.post(f"/tools/{tool.slug}/check/").status_code


@dataclass(frozen=True)
class Action:
    name: str
    request: Callable[[Client, Tool], int]
    happened: Callable[[Tool], bool]


ACTIONS = [
    Action(
        "create",
        _create,
        lambda tool: Tool.objects.filter(
            name="Nextcloud", alternative_to=["Dropbox", "Google Drive"]
        ).exists(),
    ),
    Action(
        "edit",
        _edit,
        lambda tool: Tool.objects.filter(purpose_de="Neuer Zweck").exists(),
    ),
    Action(
        "check now",
        _check,
        lambda tool: AuditLogEntry.objects.filter(
            action="tool.check_requested"
        ).exists(),
    ),
]
ALLOWED = {"editor", "staff"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_only_editors_and_staff_change_tools(
    role: str, action: Action, settings: object
) -> None:
    # "Check now" would fetch the tool's addresses; there are none here.
    tool = make_tool()
    status = action.request(client_for(_actor(role)), tool)
    if role in ALLOWED:
        assert status == 302, status
        assert action.happened(tool)
    else:
        assert status in (302, 403)
        if role == "anonymous":
            assert status == 302  # to the login page
        assert not action.happened(tool)


@pytest.mark.parametrize("role", ROLES)
def test_only_editors_and_staff_see_the_maintenance_list(role: str) -> None:
    status = client_for(_actor(role)).get("/tools/maintenance/").status_code
    assert status == (200 if role in ALLOWED else 302 if role == "anonymous" else 403)


def test_the_form_refuses_an_unknown_licence_and_keeps_the_input() -> None:
    client = client_for(StaffFactory())
    data = {**FORM, "licence": "Nextcloud-Licence-1.0", "submission_key": ""}
    from allmende.knowledge.models import Category

    data["categories"] = [Category.objects.get(slug="cloud-speicher").pk]
    data["submission_key"] = "7c0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10"
    page = client.post("/tools/new/", data)
    assert page.status_code == 200
    assert "is not on the SPDX licence list" in page.content.decode()
    assert not Tool.objects.exists()


def test_the_forms_show_the_stored_entry() -> None:
    tool = make_tool(alternative_to=["Zoom", "Microsoft Teams"])
    client = client_for(editor())
    assert client.get("/tools/new/").status_code == 200
    page = client.get(f"/tools/{tool.slug}/edit/").content.decode()
    assert 'value="Zoom, Microsoft Teams"' in page
    assert 'value="Apache-2.0"' in page


def test_the_maintenance_list_runs_a_fixed_number_of_queries() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(StaffFactory())
    make_tool(name="Erstes")
    Tool.objects.update(links_broken=True)
    with CaptureQueriesContext(connection) as few:
        client.get("/tools/maintenance/")
    for number in range(8):
        make_tool(name=f"Werkzeug {number}")
    Tool.objects.update(links_broken=True)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/tools/maintenance/")
    assert "Werkzeug 7" in page.content.decode()
    assert len(many) == len(few)
