from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest

from allmende.programmes.demo import load_demo
from allmende.programmes.models import Application, Call, FieldKind, FormField
from tests.accounts.factories import UserFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_loads_an_open_call_with_every_kind_and_a_closed_one_once() -> None:
    UserFactory(is_superuser=True, is_staff=True)
    for _ in range(6):
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
    # The two calls above and the earlier call of the completed demo project.
    assert Call.objects.count() == 3


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
