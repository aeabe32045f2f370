"""Organizations suggest tools or changes; staff and editors answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from allmende.knowledge.models import SuggestionState, ToolSuggestion
from allmende.knowledge.services import reports as services
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_tool
from tests.knowledge.factories import reviewer as make_reviewer
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

KEY = "4f0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10"


def test_a_member_suggests_a_new_tool_and_editors_are_told(
    django_capture_on_commit_callbacks: Any,
) -> None:
    member = MembershipFactory()
    watcher = editor()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(member.user).post(
            "/tools/suggest/",
            {
                "organization": member.organization.pk,
                "name": "Mobilizon",
                "homepage_url": "joinmobilizon.org",
                "text": "Veranstaltungen ohne Facebook.",
                "submission_key": KEY,
            },
        )
    assert response.status_code == 302
    suggestion = ToolSuggestion.objects.get()
    assert suggestion.name == "Mobilizon"
    assert suggestion.homepage_url == "https://joinmobilizon.org"
    assert Notification.objects.filter(
        recipient=watcher, type="knowledge.tool_suggested"
    ).exists()


def test_a_suggestion_names_a_tool_or_an_entry() -> None:
    member = MembershipFactory()
    page = client_for(member.user).post(
        "/tools/suggest/",
        {
            "organization": member.organization.pk,
            "text": "Irgendwas",
            "submission_key": KEY,
        },
    )
    assert page.status_code == 200
    assert not ToolSuggestion.objects.exists()


@pytest.mark.parametrize(
    "role", ["anonymous", "registered", "org_member", "editor", "reviewer", "staff"]
)
def test_only_staff_and_editors_answer_suggestions(role: str) -> None:
    member = MembershipFactory()
    suggestion = services.tool_suggestion_create(
        actor=member.user,
        organization=member.organization,
        text="Bitte Lizenz prüfen.",
        tool=make_tool(),
    )
    actor = {
        "anonymous": lambda: None,
        "registered": UserFactory,
        "org_member": lambda: (
            MembershipFactory(
                organization=member.organization, role=Membership.Role.ADMIN
            ).user
        ),
        "editor": editor,
        "reviewer": make_reviewer,
        "staff": StaffFactory,
    }[role]()
    response = client_for(actor).post(
        "/tools/suggestions/",
        {"suggestion": suggestion.pk, "accepted": "1", "answer": "Erledigt."},
    )
    suggestion.refresh_from_db()
    if role in {"editor", "staff"}:
        assert response.status_code == 302
        assert suggestion.state == SuggestionState.ACCEPTED
        assert suggestion.answer == "Erledigt."
    else:
        assert response.status_code in (302, 403)
        assert suggestion.state == SuggestionState.OPEN


def test_a_suggestion_is_answered_once_and_outsiders_cannot_suggest() -> None:
    member = MembershipFactory()
    suggestion = services.tool_suggestion_create(
        actor=member.user, organization=member.organization, text="x", name="Y"
    )
    staff = StaffFactory()
    services.tool_suggestion_answer(actor=staff, suggestion=suggestion, accepted=False)
    with pytest.raises(ValidationError):
        services.tool_suggestion_answer(
            actor=staff, suggestion=suggestion, accepted=True
        )
    with pytest.raises(PermissionDenied):
        services.tool_suggestion_create(
            actor=UserFactory(), organization=member.organization, text="x", name="Z"
        )
    assert client_for(UserFactory()).get("/tools/suggest/").status_code == 403
    assert (
        client_for(StaffFactory()).post("/tools/suggestions/", {"suggestion": "x"})
    ).status_code == 404
