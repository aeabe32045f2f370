"""Calls and projects as JSON.

Calls (open, upcoming, past) and public project pages with their milestones
and results are open to everyone. ``/my/applications`` and ``/my/projects``
answer a personal API token's owner (``Authorization: Bearer <token>``) and
401 without one. A parameter outside its type or range (an unknown ``state``,
``limit``, ``offset``, a NUL character) answers 422 with ``{"detail": [...]}``,
an unknown or hidden call or project 404.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from allmende.core.api import (
    INVALID,
    NOT_FOUND,
    UNAUTHORIZED,
    LimitOffset,
    PathSlug,
)
from allmende.core.site import site_url
from allmende.notifications.api import PersonalToken
from allmende.programmes import selectors
from allmende.programmes import selectors_projects as project_selectors
from allmende.programmes.models import Application, Call, Milestone, Project

router = Router(tags=["programmes"])


class CallOut(Schema):
    slug: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    status: Literal["open", "upcoming", "past"]
    opens_at: datetime
    closes_at: datetime
    budget: Decimal | None
    expected_projects: int | None
    individuals_allowed: bool
    verified_only: bool
    url: str

    @staticmethod
    def resolve_status(obj: Call) -> str:
        if obj.is_open():
            return "open"
        return "upcoming" if obj.is_upcoming() else "past"

    @staticmethod
    def resolve_verified_only(obj: Call) -> bool:
        return obj.eligibility == "verified"

    @staticmethod
    def resolve_url(obj: Call) -> str:
        return site_url() + obj.get_absolute_url()


class CallQuery(Schema):
    state: Literal["open", "upcoming", "past"] | None = Field(
        None, description="Only open, upcoming or past calls; all without."
    )


class ResultOut(Schema):
    kind: str
    title: str
    url: str = Field(description="The dataset's page or the linked address.")
    dataset: str | None = Field(description="The catalog dataset's slug.")
    licence: str | None = Field(description="The dataset's licence (DCAT-AP.de).")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return site_url() + obj.get_url() if obj.dataset_id else str(obj.url)

    @staticmethod
    def resolve_dataset(obj: Any) -> str | None:
        return obj.dataset.slug if obj.dataset_id else None

    @staticmethod
    def resolve_licence(obj: Any) -> str | None:
        return obj.dataset.licence if obj.dataset_id else None


class ProjectOut(Schema):
    slug: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    status: str
    organization: str | None = Field(description="The organization's slug.")
    call: str = Field(description="The call's slug.")
    started_on: date
    ended_on: date | None
    milestones_planned: int
    milestones_reached: int
    progress: int = Field(description="Milestones reached, in percent.")
    results: list[ResultOut]
    url: str

    @staticmethod
    def resolve_status(obj: Project) -> str:
        return obj.state

    @staticmethod
    def resolve_organization(obj: Project) -> str | None:
        return obj.organization.slug if obj.organization is not None else None

    @staticmethod
    def resolve_call(obj: Project) -> str:
        return obj.call.slug

    @staticmethod
    def resolve_progress(obj: Project) -> int:
        return project_selectors.progress(obj)

    @staticmethod
    def resolve_results(obj: Project) -> list[Any]:
        return list(getattr(obj, "public_results", []))

    @staticmethod
    def resolve_url(obj: Project) -> str:
        return site_url() + obj.get_absolute_url()


class MilestoneOut(Schema):
    title_de: str
    title_en: str
    due_on: date
    status: str
    reached_on: date | None

    @staticmethod
    def resolve_status(obj: Milestone) -> str:
        return obj.state


class ProjectDetailOut(ProjectOut):
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_milestones(obj: Project) -> list[Milestone]:
        return project_selectors.project_milestones(obj)


class ProjectQuery(Schema):
    state: Literal["active", "completed"] | None = Field(
        None, description="Only running or completed projects; all without."
    )


class ApplicationOut(Schema):
    id: int
    call: str = Field(description="The call's slug.")
    organization: str | None = Field(description="The organization's slug.")
    status: str = Field(description="The status as the applicant sees it.")
    state: str = Field(description="The internal state.")
    submitted_at: datetime | None
    url: str

    @staticmethod
    def resolve_call(obj: Application) -> str:
        return obj.call.slug

    @staticmethod
    def resolve_organization(obj: Application) -> str | None:
        return obj.organization.slug if obj.organization is not None else None

    @staticmethod
    def resolve_status(obj: Application) -> str:
        return obj.applicant_state

    @staticmethod
    def resolve_url(obj: Application) -> str:
        return site_url() + obj.get_absolute_url()


@router.get("/calls", response={200: list[CallOut], **INVALID})
@paginate(LimitOffset)
def list_calls(request: HttpRequest, filters: Query[CallQuery]):  # type: ignore[no-untyped-def]
    """Calls the public sees: open and upcoming first (soonest closing), then
    past calls (latest first)."""
    current, past = selectors.call_list(
        viewer=AnonymousUser(), state=filters.state or ""
    )
    return current + past


@router.get("/calls/{call_slug}", response={200: CallOut, **NOT_FOUND, **INVALID})
def get_call(request: HttpRequest, call_slug: PathSlug) -> Call:
    call = selectors.call_for_viewer(slug=call_slug, viewer=AnonymousUser())
    if call is None:
        raise Http404
    return call


@router.get("/projects", response={200: list[ProjectOut], **INVALID})
@paginate(LimitOffset)
def list_projects(request: HttpRequest, filters: Query[ProjectQuery]):  # type: ignore[no-untyped-def]
    """Public projects with their progress and results; completed first."""
    return project_selectors.public_projects(state=filters.state or "")


@router.get(
    "/projects/{project_slug}",
    response={200: ProjectDetailOut, **NOT_FOUND, **INVALID},
)
def get_project(request: HttpRequest, project_slug: PathSlug) -> Project:
    project = project_selectors.project_for_viewer(
        slug=project_slug, viewer=AnonymousUser()
    )
    if project is None:
        raise Http404
    return project


@router.get(
    "/my/applications",
    response={200: list[ApplicationOut], **UNAUTHORIZED, **INVALID},
    auth=PersonalToken(),
)
@paginate(LimitOffset)
def my_applications(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The token owner's applications, latest change first."""
    return selectors.applications_of(user=request.auth)  # type: ignore[attr-defined]


@router.get(
    "/my/projects",
    response={200: list[ProjectOut], **UNAUTHORIZED, **INVALID},
    auth=PersonalToken(),
)
@paginate(LimitOffset)
def my_projects(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The projects the token owner works on or mentors."""
    return project_selectors.projects_of(
        user=request.auth,  # type: ignore[attr-defined]
        with_results=True,
    )
