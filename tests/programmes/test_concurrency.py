"""Two staff members deciding one application at the same moment, and a
double click on "submit", against a real PostgreSQL server."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from allmende.core.models import AuditLogEntry
from allmende.programmes import services
from allmende.programmes.models import Application, ApplicationState
from tests.accounts.factories import StaffFactory
from tests.organizations.factories import MembershipFactory
from tests.programmes.conftest import GOOD_ANSWERS
from tests.programmes.factories import CallFactory, full_form

WORKERS = 2


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (set DATABASE_URL)")


def _draft() -> Application:
    call = CallFactory()
    full_form(call)
    member = MembershipFactory()
    application = services.application_start(
        actor=member.user, call=call, organization=member.organization
    )
    application.answers = dict(GOOD_ANSWERS)
    application.save()
    return application


def _together(posts: list[tuple[Client, str, dict[str, str]]]) -> list[int]:
    start = threading.Barrier(len(posts), timeout=60)

    def post(index: int) -> int:
        client, url, data = posts[index]
        start.wait()
        try:
            return client.post(url, data).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(post, range(len(posts))))


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_at_once_one_wins_the_other_is_told() -> None:
    _postgresql()
    application = _draft()
    services.application_submit(actor=application.applicant, application=application)
    staff = StaffFactory()
    for target in ("screening", "in_review", "ready_for_decision"):
        services.application_transition(
            actor=staff, application=application, target=target
        )
    url = f"/calls/applications/{application.pk}/move/"
    posts = []
    for decision in ("accepted", "rejected"):
        client = Client()
        client.force_login(StaffFactory())
        posts.append(
            (
                client,
                url,
                {
                    "target": "decision",
                    "state": "ready_for_decision",
                    "decision": decision,
                    "message": decision,
                },
            )
        )
    assert _together(posts) == [302, 302]
    application.refresh_from_db()
    assert application.state in (ApplicationState.ACCEPTED, ApplicationState.REJECTED)
    # Exactly one decision was taken, and its message is the winner's.
    assert application.decision_message == application.state
    decisions = AuditLogEntry.objects.filter(
        action="application.state_changed", data__from="ready_for_decision"
    )
    assert decisions.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_submit_submits_once() -> None:
    _postgresql()
    application = _draft()
    client = Client()
    client.force_login(application.applicant)
    key = str(uuid.uuid4())
    url = f"/calls/applications/{application.pk}/submit/"
    statuses = _together([(client, url, {"submission_key": key})] * WORKERS)
    assert statuses == [302] * WORKERS
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert AuditLogEntry.objects.filter(action="application.submitted").count() == 1
