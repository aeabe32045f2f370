from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest

from allmende.programmes.demo import load_demo
from allmende.programmes.models import Application, Call, FieldKind, FormField, Review
from tests.accounts.factories import UserFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_loads_an_open_call_with_every_kind_and_a_closed_one_once() -> None:
    UserFactory(is_superuser=True, is_staff=True)
    for _ in range(40):
        MembershipFactory()
    load_demo(rng=random.Random(1), stdout=io.StringIO())
    open_call = Call.objects.get(title_en="Data lab 2027")
    closed = Call.objects.get(title_en="Data lab 2026")
    assert open_call.is_open()
    assert closed.state == "closed"
    kinds = set(
        FormField.objects.filter(version__call=open_call).values_list("kind", flat=True)
    )
    assert kinds == {choice.value for choice in FieldKind}
    states = set(
        Application.objects.filter(call=closed).values_list("state", flat=True)
    )
    assert states == {"submitted", "screening", "in_review", "accepted", "rejected"}
    # Every demo application reads as sent in time.
    submitted = Application.objects.filter(call=closed).values_list(
        "submitted_at", flat=True
    )
    assert all(closed.opens_at <= at < closed.closes_at for at in submitted)
    load_demo(rng=random.Random(1), stdout=io.StringIO())
    # The three calls above and the earlier call of the completed demo project.
    assert Call.objects.count() == 4


def test_demo_has_a_pseudonymised_call_in_review_with_30_applications() -> None:
    UserFactory(is_superuser=True, is_staff=True)
    for _ in range(40):
        MembershipFactory()
    load_demo(rng=random.Random(2), stdout=io.StringIO())
    call = Call.objects.get(title_en="Data lab 2026 – round 2")
    assert call.applications.count() == 30
    states = set(call.applications.values_list("state", flat=True))
    assert states == {
        "draft",
        "withdrawn",
        "submitted",
        "screening",
        "more_information",
        "in_review",
        "ready_for_decision",
        "accepted",
        "rejected",
    }
    phase = call.review_phases.get()
    assert phase.pseudonymised and phase.is_current()
    assert call.reviewers.count() == 9  # eight people and the admin
    reviews = Review.objects.filter(application__call=call)
    assert {"assigned", "draft", "submitted"} <= set(
        reviews.values_list("state", flat=True)
    )
    for application in call.applications.filter(state__in=["accepted", "rejected"]):
        assert application.decision_message
        assert application.reviews.filter(state="submitted").count() == 3
    # No reviewer reviews their own organization.
    for review in reviews.select_related("application"):
        assert not review.reviewer.memberships.filter(
            organization_id=review.application.organization_id
        ).exists()
    assert call.applications.filter(revisions__number=2).exists()


def test_demo_projects_have_mentors_milestones_and_a_result_dataset() -> None:
    from allmende.catalog.models import Dataset
    from allmende.programmes.models import Project

    UserFactory(is_superuser=True, is_staff=True)
    for _ in range(6):
        MembershipFactory()
    load_demo(rng=random.Random(1), stdout=io.StringIO())
    projects = list(Project.objects.order_by("pk"))
    assert len(projects) == 2
    running, completed = projects
    assert running.state == "active"
    assert completed.state == "completed"
    for project in projects:
        assert project.mentorships.filter(state="accepted").exists()
        assert project.milestones.filter(state="reached").exists()
    assert running.milestones.filter(
        state="open", due_on__lt=running.started_on + timedelta(days=60)
    ).exists()
    result = completed.results.get(kind="dataset")
    assert result.dataset is not None
    assert result.dataset.status == "published"
    assert result.dataset.licence.endswith("cc-by/4.0")
    # The catalog's own demo datasets are there as well.
    assert Dataset.objects.count() > 1
    load_demo(rng=random.Random(1), stdout=io.StringIO())
    assert Project.objects.count() == 2
