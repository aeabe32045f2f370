"""Every role × every view that changes something: the status and the effect."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from allmende.accounts.models import User
from allmende.organizations.models import Membership
from allmende.programmes import review_services, services
from allmende.programmes.models import (
    Application,
    Call,
    CoApplicant,
    DecisionTemplate,
    FormField,
    Review,
    ReviewCriterion,
    Reviewer,
    ReviewPhase,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory
from tests.programmes.conftest import GOOD_ANSWERS
from tests.programmes.factories import CallFactory, full_form, in_review

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "user",
    "org_member",
    "org_admin",
    "other_member",
    "co_read",
    "co_comment",
    "co_edit",
    "reviewer_assigned",
    "reviewer_unassigned",
    "reviewer_conflict",
    "staff",
]
REVIEWERS = ("reviewer_assigned", "reviewer_unassigned", "reviewer_conflict")
CO_ROLES = {"co_read": "read", "co_comment": "comment", "co_edit": "edit"}


@dataclass
class World:
    people: dict[str, User | None]
    call: Call
    other_call: Call
    application: Application
    # Invited to the application, but none of the roles above.
    invited: CoApplicant


def _world() -> World:
    organization = OrganizationFactory()
    member = MembershipFactory(organization=organization).user
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    other = MembershipFactory(organization=OrganizationFactory()).user
    call = CallFactory()
    full_form(call)
    other_call = CallFactory()
    full_form(other_call)
    application = services.application_start(
        actor=member, call=call, organization=organization
    )
    application.answers = dict(GOOD_ANSWERS)
    application.save()
    co_applicants = {}
    for role_name, role in CO_ROLES.items():
        person = MembershipFactory(organization=organization).user
        place = services.co_applicant_invite(
            actor=member, application=application, email=person.email, role=role
        )
        services.co_applicant_answer(actor=person, place=place, accept=True)
        co_applicants[role_name] = person
    invited = services.co_applicant_invite(
        actor=member,
        application=application,
        email=MembershipFactory(organization=organization).user.email,
        role="edit",
    )
    reviewers = {}
    for role_name in REVIEWERS:
        person = UserFactory()
        Reviewer.objects.create(call=call, user=person)
        reviewers[role_name] = person
    ReviewCriterion.objects.create(call=call, name_de="Relevanz", weight=1, position=1)
    return World(
        invited=invited,
        people={
            **co_applicants,
            **reviewers,
            "anonymous": None,
            "user": UserFactory(),
            "org_member": member,
            "org_admin": admin,
            "other_member": other,
            "staff": StaffFactory(),
        },
        call=call,
        other_call=other_call,
        application=application,
    )


def _call_data(title: str) -> dict[str, Any]:
    now = timezone.localtime()
    return {
        "title_de": title,
        "title_en": title,
        "description_de": "Text",
        "description_en": "",
        "eligibility": "any",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "contact_name": "",
        "contact_email": "",
    }


FIELD = {"kind": "short_text", "label_de": "Neue Frage", "label_en": "New question"}


def _submitted(world: World) -> None:
    services.application_submit(
        actor=world.application.applicant, application=world.application
    )


def _in_review(world: World, *, declared: bool = True) -> None:
    """The application in review with two reviews: the assigned reviewer's,
    and one of a reviewer who joined the applying organization since."""
    staff = world.people["staff"]
    in_review(world.application, staff, GOOD_ANSWERS)
    for role in ("reviewer_assigned", "reviewer_conflict"):
        person = world.people[role]
        assert person is not None and staff is not None
        review = review_services.review_assign(
            actor=staff, application=world.application, user=person
        )
        if declared:
            review_services.review_declare(actor=person, review=review, conflict=False)
        world.__dict__[role] = review
    conflicted = world.people["reviewer_conflict"]
    MembershipFactory(user=conflicted, organization=world.application.organization)


def _in_review_undeclared(world: World) -> None:
    _in_review(world, declared=False)


def _review_submitted(world: World) -> None:
    _in_review(world)
    review = world.__dict__["reviewer_assigned"]
    Review.objects.filter(pk=review.pk).update(
        state="submitted", submitted_at=timezone.now(), recommendation="yes"
    )


def _review(world: World) -> Review:
    return Review.objects.get(pk=world.__dict__["reviewer_assigned"].pk)


def _app_state(world: World) -> str:
    return Application.objects.get(pk=world.application.pk).state


@dataclass
class Case:
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]]
    changed: Callable[[World], bool]
    allowed: dict[str, int]
    # For the others: 302 to the login page for anonymous, else this status.
    refused: int = 403
    # Per role, where it differs from ``refused``.
    refused_as: dict[str, int] | None = None
    prepare: Callable[[World], None] | None = None


STAFF_ONLY = {"staff": 302}
EDITORS = {"org_member": 302, "co_edit": 302}

CASES: dict[str, Case] = {
    "call_create": Case(
        url=lambda w: "/calls/new/",
        data=lambda w: _call_data("Neu"),
        changed=lambda w: Call.objects.filter(title_de="Neu").exists(),
        allowed=STAFF_ONLY,
    ),
    "call_edit": Case(
        url=lambda w: f"/calls/{w.call.slug}/edit/",
        data=lambda w: _call_data("Geändert"),
        changed=lambda w: Call.objects.get(pk=w.call.pk).title_de == "Geändert",
        allowed=STAFF_ONLY,
    ),
    "call_transition": Case(
        url=lambda w: f"/calls/{w.call.slug}/state/",
        data=lambda w: {"target": "closed"},
        changed=lambda w: Call.objects.get(pk=w.call.pk).state == "closed",
        allowed=STAFF_ONLY,
    ),
    "field_add": Case(
        url=lambda w: f"/calls/{w.call.slug}/form/new/",
        data=lambda w: FIELD,
        changed=lambda w: FormField.objects.filter(label_de="Neue Frage").exists(),
        allowed=STAFF_ONLY,
    ),
    "field_edit": Case(
        url=lambda w: f"/calls/{w.call.slug}/form/title/",
        data=lambda w: FIELD,
        changed=lambda w: FormField.objects.filter(label_de="Neue Frage").exists(),
        allowed=STAFF_ONLY,
    ),
    "field_delete": Case(
        url=lambda w: f"/calls/{w.other_call.slug}/form/title/delete/",
        data=lambda w: {},
        changed=lambda w: (
            not FormField.objects.filter(
                version__call=w.other_call, key="title"
            ).exists()
        ),
        allowed=STAFF_ONLY,
    ),
    "field_move": Case(
        url=lambda w: f"/calls/{w.other_call.slug}/form/title/move/",
        data=lambda w: {"direction": "up"},
        changed=lambda w: (
            FormField.objects.get(version__call=w.other_call, key="title").position == 1
        ),
        allowed=STAFF_ONLY,
    ),
    "apply": Case(
        url=lambda w: f"/calls/{w.other_call.slug}/apply/",
        data=lambda w: {
            "submission_key": str(uuid.uuid4()),
            "organization": str(_organization_of(w)),
        },
        changed=lambda w: w.other_call.applications.exists(),
        # Members of any eligible organization may apply; their own one.
        allowed={
            "org_member": 302,
            "org_admin": 302,
            "other_member": 302,
            "co_read": 302,
            "co_comment": 302,
            "co_edit": 302,
        },
    ),
    "save": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/save/",
        data=lambda w: {"title": "Geändert"},
        changed=lambda w: (
            Application.objects.get(pk=w.application.pk).answers["title"] == "Geändert"
        ),
        allowed=EDITORS,
        refused=404,
    ),
    "upload": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/upload/",
        data=lambda w: {
            "upload": "plan",
            "plan": SimpleUploadedFile("p.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
        changed=lambda w: w.application.files.exists(),
        allowed=EDITORS,
        refused=404,
    ),
    "submit": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/submit/",
        data=lambda w: {"submission_key": str(uuid.uuid4())},
        changed=lambda w: _app_state(w) == "submitted",
        allowed=EDITORS,
        refused=404,
    ),
    "withdraw": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/withdraw/",
        data=lambda w: {},
        changed=lambda w: _app_state(w) == "withdrawn",
        allowed={"org_member": 302},
        refused=404,
        prepare=_submitted,
    ),
    "staff_move": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/move/",
        data=lambda w: {"target": "screening", "state": "submitted"},
        changed=lambda w: _app_state(w) == "screening",
        allowed=STAFF_ONLY,
        refused=404,
        prepare=_submitted,
    ),
    "invite": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/team/",
        data=lambda w: {"email": w.people["org_admin"].email, "role": "read"},  # type: ignore[union-attr]
        changed=lambda w: CoApplicant.objects.filter(
            application=w.application, user=w.people["org_admin"]
        ).exists(),
        allowed={"org_member": 302},
        refused=404,
    ),
    "team_remove": Case(
        url=lambda w: (
            f"/calls/applications/{w.application.pk}/team/{w.invited.pk}/remove/"
        ),
        data=lambda w: {},
        changed=lambda w: (
            CoApplicant.objects.get(pk=w.invited.pk).revoked_at is not None
        ),
        allowed={"org_member": 302},
        refused=404,
    ),
    "comment": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/comment/",
        data=lambda w: {"text": "Eine Anmerkung"},
        changed=lambda w: w.application.comments.exists(),
        allowed={"org_member": 302, "co_comment": 302, "co_edit": 302, "staff": 302},
        refused=404,
    ),
    "invitation_answer": Case(
        url=lambda w: f"/calls/invitations/{w.invited.pk}/",
        data=lambda w: {"answer": "accept"},
        changed=lambda w: (
            CoApplicant.objects.get(pk=w.invited.pk).accepted_at is not None
        ),
        # Only the invited person, who holds none of the roles.
        allowed={},
        refused=404,
        refused_as={},
    ),
    "review_save": Case(
        url=lambda w: f"/calls/reviews/{_review(w).pk}/",
        data=lambda w: {"recommendation": "maybe", "comment_staff": "Gut"},
        changed=lambda w: _review(w).recommendation == "maybe",
        # Only the reviewer, and only without a conflict: everyone else finds
        # no such page, staff included.
        allowed={"reviewer_assigned": 302},
        refused=404,
        refused_as={},
        prepare=_in_review,
    ),
    "review_declare": Case(
        url=lambda w: f"/calls/reviews/{_review(w).pk}/declare/",
        data=lambda w: {"conflict": "no"},
        changed=lambda w: _review(w).state == "draft",
        allowed={"reviewer_assigned": 302},
        refused=404,
        refused_as={},
        prepare=_in_review_undeclared,
    ),
    "review_reopen": Case(
        url=lambda w: f"/calls/reviews/{_review(w).pk}/reopen/",
        data=lambda w: {},
        changed=lambda w: _review(w).state == "draft",
        allowed=STAFF_ONLY,
        prepare=_review_submitted,
    ),
    "review_assign": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/reviews/",
        data=lambda w: {"reviewer": str(w.people["reviewer_unassigned"].pk)},  # type: ignore[union-attr]
        changed=lambda w: w.application.reviews.filter(
            reviewer=w.people["reviewer_unassigned"]
        ).exists(),
        allowed=STAFF_ONLY,
        refused=404,
        prepare=_in_review,
    ),
    "redact": Case(
        url=lambda w: f"/calls/applications/{w.application.pk}/redact/",
        data=lambda w: {"field": "summary", "text": "[...]"},
        changed=lambda w: (
            Application.objects.get(pk=w.application.pk).redacted_answers.get("summary")
            == "[...]"
        ),
        allowed=STAFF_ONLY,
        refused=404,
    ),
    "phase_add": Case(
        url=lambda w: f"/calls/{w.call.slug}/reviews/phases/",
        data=lambda w: {"name": "Runde 1", "others_visible": "after_own"},
        changed=lambda w: w.call.review_phases.exists(),
        allowed=STAFF_ONLY,
    ),
    "phase_delete": Case(
        url=lambda w: f"/calls/{w.call.slug}/reviews/phases/{_phase(w).pk}/delete/",
        data=lambda w: {},
        changed=lambda w: not w.call.review_phases.exists(),
        allowed=STAFF_ONLY,
        prepare=lambda w: _phase(w) and None,
    ),
    "criterion_add": Case(
        url=lambda w: f"/calls/{w.call.slug}/reviews/criteria/",
        data=lambda w: {"name_de": "Wirkung", "weight": "2"},
        changed=lambda w: w.call.review_criteria.filter(name_de="Wirkung").exists(),
        allowed=STAFF_ONLY,
    ),
    "criterion_delete": Case(
        url=lambda w: (
            f"/calls/{w.call.slug}/reviews/criteria/"
            f"{w.call.review_criteria.get().pk}/delete/"
        ),
        data=lambda w: {},
        changed=lambda w: not w.call.review_criteria.exists(),
        allowed=STAFF_ONLY,
    ),
    "reviewer_add": Case(
        url=lambda w: f"/calls/{w.call.slug}/reviews/reviewers/",
        data=lambda w: {"email": w.people["user"].email},  # type: ignore[union-attr]
        changed=lambda w: w.call.reviewers.filter(user=w.people["user"]).exists(),
        allowed=STAFF_ONLY,
    ),
    "reviewer_remove": Case(
        url=lambda w: (
            f"/calls/{w.call.slug}/reviews/reviewers/"
            f"{w.call.reviewers.get(user=w.people['reviewer_unassigned']).pk}/remove/"
        ),
        data=lambda w: {},
        changed=lambda w: (
            not w.call.reviewers.filter(user=w.people["reviewer_unassigned"]).exists()
        ),
        allowed=STAFF_ONLY,
    ),
    "assign_automatically": Case(
        url=lambda w: f"/calls/{w.call.slug}/reviews/assign/",
        data=lambda w: {"per_application": "1"},
        changed=lambda w: w.application.reviews.exists(),
        allowed=STAFF_ONLY,
        prepare=lambda w: (
            in_review(w.application, w.people["staff"], GOOD_ANSWERS) and None
        ),
    ),
    "decision_template_add": Case(
        url=lambda w: f"/calls/{w.call.slug}/decisions/templates/",
        data=lambda w: {
            "outcome": "accepted",
            "name": "Zusage",
            "body_de": "Liebe {applicant}",
            "body_en": "",
        },
        changed=lambda w: w.call.decision_templates.exists(),
        allowed=STAFF_ONLY,
    ),
    "decision_template_delete": Case(
        url=lambda w: (
            f"/calls/{w.call.slug}/decisions/templates/{_letter(w).pk}/delete/"
        ),
        data=lambda w: {},
        changed=lambda w: not w.call.decision_templates.exists(),
        allowed=STAFF_ONLY,
        prepare=lambda w: _letter(w) and None,
    ),
    "decide_batch": Case(
        url=lambda w: f"/calls/{w.call.slug}/decide/",
        data=lambda w: {
            "applications": [str(w.application.pk)],
            "template": str(_letter(w).pk),
            "confirm": "1",
            f"state-{w.application.pk}": "ready_for_decision",
        },
        changed=lambda w: _app_state(w) == "accepted",
        allowed=STAFF_ONLY,
        prepare=lambda w: _ready_for_decision(w),
    ),
}


def _letter(world: World) -> DecisionTemplate:
    template, _created = DecisionTemplate.objects.get_or_create(
        call=world.call,
        name="Zusage",
        defaults={"outcome": "accepted", "body_de": "Liebe {applicant}"},
    )
    return template


def _ready_for_decision(world: World) -> None:
    staff = world.people["staff"]
    in_review(world.application, staff, GOOD_ANSWERS)
    services.application_transition(
        actor=staff,  # type: ignore[arg-type]
        application=world.application,
        target="ready_for_decision",
    )
    _letter(world)


def _phase(world: World) -> ReviewPhase:
    phase, _created = ReviewPhase.objects.get_or_create(
        call=world.call, position=1, defaults={"name": "Runde 1"}
    )
    return phase


def _organization_of(world: World) -> int:
    """The organization the acting person is a member of (set per test)."""
    return int(world.__dict__.get("acting_organization", 0))


# Staff see every application, so a refused change there is 403, not 404.
VISIBLE_TO = {"org_member", "staff", *CO_ROLES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", sorted(CASES))
def test_permission_matrix(view: str, role: str) -> None:
    world = _world()
    case = CASES[view]
    if case.prepare is not None:
        case.prepare(world)
    person = world.people[role]
    if person is not None:
        membership = Membership.objects.filter(user=person).first()
        world.__dict__["acting_organization"] = (
            membership.organization_id if membership else 0
        )
    response = client_for(person).post(case.url(world), case.data(world))
    if role in case.allowed:
        assert response.status_code == case.allowed[role], response.content[:500]
        assert case.changed(world), f"{role} could not {view}"
        return
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    elif case.refused_as is not None:
        assert response.status_code == case.refused_as.get(role, case.refused)
    elif case.refused == 404 and role in VISIBLE_TO:
        assert response.status_code == 403
    else:
        assert response.status_code == case.refused
    assert not case.changed(world), f"{role} could {view}"


def test_staff_see_every_application_and_others_only_their_own() -> None:
    world = _world()
    url = world.application.get_absolute_url()
    assert client_for(world.people["org_member"]).get(url).status_code == 200
    assert client_for(world.people["staff"]).get(url).status_code == 200
    for role in CO_ROLES:
        assert client_for(world.people[role]).get(url).status_code == 200
    for role in ("user", "org_admin", "other_member", *REVIEWERS):
        assert client_for(world.people[role]).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302


def test_a_draft_call_is_seen_by_staff_only() -> None:
    world = _world()
    Call.objects.filter(pk=world.call.pk).update(state="draft")
    url = world.call.get_absolute_url()
    assert client_for(world.people["staff"]).get(url).status_code == 200
    for role in ("anonymous", "user", "org_member"):
        assert client_for(world.people[role]).get(url).status_code == 404
