"""Every role × every view of projects that changes something: status and effect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.organizations.models import Membership
from allmende.programmes import services_projects as services
from allmende.programmes.models import (
    Consultation,
    Mentorship,
    Milestone,
    MilestoneReportFile,
    Project,
    ProjectResult,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory
from tests.programmes.projects_helpers import (
    accepted_application,
    add_milestone,
    project_data,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "user",
    "org_member",
    "org_admin",
    "other_member",
    "mentor",
    "staff",
]
CC_BY = "http://dcat-ap.de/def/licenses/cc-by/4.0"


@dataclass
class World:
    people: dict[str, User | None]
    project: Project
    milestone: Milestone
    mentorship: Mentorship
    extra: dict[str, Any] = field(default_factory=dict)


def _world() -> World:
    staff = StaffFactory()
    organization = OrganizationFactory()
    member = MembershipFactory(organization=organization).user
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    other = MembershipFactory(organization=OrganizationFactory()).user
    application = accepted_application(
        staff=staff, member=member, organization=organization
    )
    project = services.project_create(
        actor=staff, application=application, data=project_data()
    )
    mentor = UserFactory()
    accepted = services.mentorship_propose(
        actor=staff, project=project, mentor=mentor, area="technical"
    )
    services.mentorship_answer(actor=mentor, mentorship=accepted, accept=True)
    user = UserFactory()
    # A plain registered person asked to mentor: only they may answer.
    proposal = services.mentorship_propose(
        actor=staff, project=project, mentor=user, area="legal"
    )
    milestone = add_milestone(project, staff)
    return World(
        people={
            "anonymous": None,
            "user": user,
            "org_member": member,
            "org_admin": admin,
            "other_member": other,
            "mentor": mentor,
            "staff": staff,
        },
        project=project,
        milestone=milestone,
        mentorship=proposal,
        extra={"accepted": accepted, "staff": staff},
    )


def _reported(world: World) -> None:
    services.milestone_report(
        actor=world.project.application.applicant,
        milestone=world.milestone,
        text="Bericht",
        uploads=[SimpleUploadedFile("b.pdf", b"%PDF-1.4\n%%EOF\n")],
    )


def _with_link(world: World) -> None:
    world.extra["link"] = services.result_add_link(
        actor=world.extra["staff"],
        project=world.project,
        kind="code",
        title="Code",
        url="https://git.example.org/x",
    )


def _milestone_state(world: World) -> str:
    return Milestone.objects.get(pk=world.milestone.pk).state


def _project(world: World) -> Project:
    return Project.objects.get(pk=world.project.pk)


def _other_accepted_application(world: World) -> None:
    world.extra["application"] = accepted_application(staff=world.extra["staff"])


@dataclass
class Case:
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    changed: Callable[[World], bool]
    allowed: dict[str, int]
    # For the others: 302 to the login page for anonymous, else this status.
    refused: int = 403
    prepare: Callable[[World], None] | None = None


TEAM = {"org_member": 302, "org_admin": 302}
TEAM_AND_STAFF = {**TEAM, "staff": 302}
MENTOR_AND_STAFF = {"mentor": 302, "staff": 302}
STAFF_ONLY = {"staff": 302}


def _p(world: World, rest: str = "") -> str:
    return f"/projects/{world.project.slug}/{rest}"


CASES: dict[str, Case] = {
    "project_create": Case(
        url=lambda w: f"/projects/new/{w.extra['application'].pk}/",
        data=lambda w: {"title_de": "Neues Projekt", "title_en": ""},
        changed=lambda w: Project.objects.filter(title_de="Neues Projekt").exists(),
        allowed=STAFF_ONLY,
        prepare=_other_accepted_application,
    ),
    "project_edit": Case(
        url=lambda w: _p(w, "edit/"),
        data=lambda w: {"title_de": "Geändert", "title_en": "", "description_de": ""},
        changed=lambda w: _project(w).title_de == "Geändert",
        allowed=TEAM_AND_STAFF,
    ),
    "project_state": Case(
        url=lambda w: _p(w, "state/"),
        data=lambda w: {"target": "completed"},
        changed=lambda w: _project(w).state == "completed",
        allowed=STAFF_ONLY,
    ),
    "mentor_propose": Case(
        url=lambda w: _p(w, "mentors/"),
        data=lambda w: {
            "mentor-mentor": str(w.extra["staff"].pk),
            "mentor-area": "legal",
        },
        changed=lambda w: Mentorship.objects.filter(
            mentor=w.extra["staff"], project=w.project
        ).exists(),
        allowed=STAFF_ONLY,
    ),
    "mentorship_answer": Case(
        url=lambda w: f"/projects/mentorships/{w.mentorship.pk}/answer/",
        data=lambda w: {"answer": "accept"},
        changed=lambda w: (
            Mentorship.objects.get(pk=w.mentorship.pk).state == "accepted"
        ),
        allowed={"user": 302},
        refused=404,
    ),
    "mentorship_end": Case(
        url=lambda w: f"/projects/mentorships/{w.extra['accepted'].pk}/end/",
        data=lambda w: {},
        changed=lambda w: (
            Mentorship.objects.get(pk=w.extra["accepted"].pk).state == "ended"
        ),
        allowed=STAFF_ONLY,
    ),
    "consultation_add": Case(
        url=lambda w: _p(w, "consultations/"),
        data=lambda w: {
            "consultation-area": "legal",
            "consultation-held_on": timezone.localdate().isoformat(),
            "consultation-notes": "Lizenzfrage",
        },
        changed=lambda w: Consultation.objects.exists(),
        allowed=MENTOR_AND_STAFF,
    ),
    "milestone_add": Case(
        url=lambda w: _p(w, "milestones/"),
        data=lambda w: {
            "milestone-title_de": "Zweiter",
            "milestone-due_on": timezone.localdate().isoformat(),
        },
        changed=lambda w: Milestone.objects.filter(title_de="Zweiter").exists(),
        allowed=MENTOR_AND_STAFF,
    ),
    "milestone_report": Case(
        url=lambda w: _p(w, f"milestones/{w.milestone.pk}/report/"),
        data=lambda w: {"text": "Erledigt"},
        changed=lambda w: _milestone_state(w) == "reported",
        allowed=TEAM,
    ),
    "milestone_review": Case(
        url=lambda w: _p(w, f"milestones/{w.milestone.pk}/review/"),
        data=lambda w: {f"review-{w.milestone.pk}-decision": "accept"},
        changed=lambda w: _milestone_state(w) == "reached",
        allowed=MENTOR_AND_STAFF,
        prepare=_reported,
    ),
    "milestone_cancel": Case(
        url=lambda w: _p(w, f"milestones/{w.milestone.pk}/cancel/"),
        data=lambda w: {},
        changed=lambda w: _milestone_state(w) == "cancelled",
        allowed=STAFF_ONLY,
    ),
    "result_dataset": Case(
        url=lambda w: _p(w, "results/dataset/"),
        data=lambda w: {"title_de": "Ergebnis", "licence": CC_BY},
        changed=lambda w: Dataset.objects.filter(title_de="Ergebnis").exists(),
        allowed=TEAM_AND_STAFF,
    ),
    "result_link": Case(
        url=lambda w: _p(w, "results/link/"),
        data=lambda w: {
            "link-kind": "document",
            "link-title": "Bericht",
            "link-url": "https://example.org/bericht.pdf",
        },
        changed=lambda w: ProjectResult.objects.filter(title="Bericht").exists(),
        allowed=TEAM_AND_STAFF,
    ),
    "result_remove": Case(
        url=lambda w: _p(w, f"results/{w.extra['link'].pk}/remove/"),
        data=lambda w: {},
        changed=lambda w: not ProjectResult.objects.exists(),
        allowed=TEAM_AND_STAFF,
        prepare=_with_link,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", sorted(CASES))
def test_permission_matrix(view: str, role: str) -> None:
    world = _world()
    case = CASES[view]
    if case.prepare is not None:
        case.prepare(world)
    response = client_for(world.people[role]).post(case.url(world), case.data(world))
    if role in case.allowed:
        assert response.status_code == case.allowed[role], response.content[:800]
        assert case.changed(world), f"{role} could not {view}"
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == case.refused, response.content[:300]
    assert not case.changed(world), f"{role} could {view}"


FOLLOWERS = {"org_member", "org_admin", "mentor", "staff"}


@pytest.mark.parametrize("role", ROLES)
def test_report_files_and_the_log_are_for_the_team_mentors_and_staff(
    role: str,
) -> None:
    world = _world()
    _reported(world)
    services.consultation_record(
        actor=world.extra["staff"],
        project=world.project,
        area="legal",
        held_on=timezone.localdate(),
        notes="Vertrauliche Notiz",
    )
    stored = MilestoneReportFile.objects.get()
    client = client_for(world.people[role])
    response = client.get(_p(world, f"files/{stored.pk}/"))
    page = client.get(world.project.get_absolute_url())
    assert page.status_code == 200
    if role in FOLLOWERS:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert "Vertrauliche Notiz" in page.content.decode()
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)
        assert "Vertrauliche Notiz" not in page.content.decode()
