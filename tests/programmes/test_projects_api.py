"""The programmes JSON API: public calls and projects, the token owner's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from allmende.accounts.models import User
from allmende.accounts.services import api_token_create
from allmende.config.api import api
from allmende.programmes import services_projects as services
from allmende.programmes.services_projects import DatasetResultData
from tests.programmes.factories import CallFactory
from tests.programmes.projects_helpers import add_milestone, make_project

pytestmark = pytest.mark.django_db


def get(url: str, **kwargs: Any) -> tuple[int, Any]:
    response = Client(raise_request_exception=False).get(url, **kwargs)
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


def test_calls_are_listed_by_state() -> None:
    now = timezone.now()
    open_call = CallFactory()
    upcoming = CallFactory(
        opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9)
    )
    past = CallFactory(
        state="closed",
        opens_at=now - timedelta(days=9),
        closes_at=now - timedelta(days=2),
    )
    CallFactory(state="draft")
    status, body = get("/api/programmes/calls")
    assert status == 200
    # Open and upcoming first, soonest closing first; then past calls.
    assert [c["slug"] for c in body["items"]] == [
        upcoming.slug,
        open_call.slug,
        past.slug,
    ]
    assert body["count"] == 3
    for state, call in (("open", open_call), ("upcoming", upcoming), ("past", past)):
        status, body = get("/api/programmes/calls", data={"state": state})
        assert [c["slug"] for c in body["items"]] == [call.slug]
        assert body["items"][0]["status"] == state
    status, body = get(f"/api/programmes/calls/{open_call.slug}")
    assert status == 200
    assert body["url"].endswith(open_call.get_absolute_url())


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/programmes/calls", {"state": "draft"}),
        ("/api/programmes/calls", {"state": "a\x00b"}),
        ("/api/programmes/calls", {"limit": 10**20}),
        ("/api/programmes/calls", {"offset": -1}),
        ("/api/programmes/projects", {"state": "discontinued"}),
        ("/api/programmes/projects", {"limit": "viele"}),
        ("/api/programmes/calls/a%00b", {}),
        ("/api/programmes/projects/a%00b", {}),
    ],
)
def test_malformed_parameters_answer_422(url: str, params: dict[str, Any]) -> None:
    status, body = get(url, data=params)
    assert status == 422
    assert body["detail"]


def test_a_draft_call_or_unknown_project_is_not_found() -> None:
    draft = CallFactory(state="draft")
    assert get(f"/api/programmes/calls/{draft.slug}")[0] == 404
    assert get("/api/programmes/projects/gibt-es-nicht")[0] == 404


def test_projects_show_progress_milestones_and_results(staff: User) -> None:
    project = make_project(staff=staff)
    milestone = add_milestone(project, staff)
    add_milestone(project, staff, title="Zweiter")
    team = project.application.applicant
    services.milestone_report(actor=team, milestone=milestone, text="Fertig")
    services.milestone_review(actor=staff, milestone=milestone, accept=True)
    services.result_publish_dataset(
        actor=team,
        project=project,
        data=DatasetResultData(
            title_de="Feinstaub",
            title_en="",
            description_de="",
            description_en="",
            licence="http://dcat-ap.de/def/licenses/cc-zero",
            keywords=[],
        ),
    )
    status, body = get("/api/programmes/projects")
    assert status == 200
    item = body["items"][0]
    assert item["slug"] == project.slug
    assert item["progress"] == 50
    assert item["results"][0]["licence"].endswith("cc-zero")
    status, detail = get(f"/api/programmes/projects/{project.slug}")
    assert [m["status"] for m in detail["milestones"]] == ["reached", "open"]
    assert detail["results"][0]["dataset"]
    status, body = get("/api/programmes/projects", data={"state": "completed"})
    assert body["count"] == 0


def test_my_endpoints_need_a_token_and_answer_its_owner(staff: User) -> None:
    project = make_project(staff=staff)
    team = project.application.applicant
    assert get("/api/programmes/my/applications")[0] == 401
    assert (
        get("/api/programmes/my/projects", HTTP_AUTHORIZATION="Bearer nope")[0] == 401
    )
    _token, secret = api_token_create(actor=team, name="test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    status, body = get("/api/programmes/my/applications", **headers)
    assert status == 200
    assert body["items"][0]["id"] == project.application_id
    assert body["items"][0]["status"] == "Approved"
    status, body = get("/api/programmes/my/projects", **headers)
    assert [p["slug"] for p in body["items"]] == [project.slug]
    _token, other = api_token_create(actor=staff, name="staff")
    status, body = get(
        "/api/programmes/my/applications", HTTP_AUTHORIZATION=f"Bearer {other}"
    )
    assert body["count"] == 0


def test_the_openapi_document_lists_the_programme_operations() -> None:
    paths = api.get_openapi_schema()["paths"]
    for path in (
        "/api/programmes/calls",
        "/api/programmes/calls/{call_slug}",
        "/api/programmes/projects",
        "/api/programmes/projects/{project_slug}",
        "/api/programmes/my/applications",
        "/api/programmes/my/projects",
    ):
        assert path in paths
        assert 422 in next(iter(paths[path].values()))["responses"]
