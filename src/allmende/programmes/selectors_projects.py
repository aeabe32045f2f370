"""Reads of projects that depend on who is looking.

Project pages are public: what, who, status, milestones reached and results.
The accompaniment (consultations, reports, files) is for the team, mentors
and staff; :mod:`rules_projects` decides who that is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.catalog.dcat import Related
from allmende.organizations.models import Membership
from allmende.programmes.models import (
    Application,
    Mentorship,
    MentorshipState,
    Milestone,
    MilestoneState,
    Project,
    ProjectResult,
    ProjectState,
)
from allmende.programmes.models.applications import ApplicationState as A

PROJECT_FILTERS = ("active", "completed")


def _public_results() -> Any:
    """Results whose dataset (if any) is published and public."""
    return Prefetch(
        "results",
        queryset=ProjectResult.objects.filter(
            Q(dataset__isnull=True)
            | Q(dataset__status="published", dataset__is_private=False)
        ).select_related("dataset"),
        to_attr="public_results",
    )


def with_progress(projects: QuerySet[Project]) -> QuerySet[Project]:
    """Count milestones planned (not cancelled) and reached, for progress."""
    return projects.annotate(
        milestones_planned=Count(
            "milestones",
            filter=~Q(milestones__state=MilestoneState.CANCELLED),
            distinct=True,
        ),
        milestones_reached=Count(
            "milestones",
            filter=Q(milestones__state=MilestoneState.REACHED),
            distinct=True,
        ),
    )


def progress(project: Any) -> int:
    """Milestones reached of those planned, in percent (0 without any)."""
    planned = getattr(project, "milestones_planned", 0)
    reached = getattr(project, "milestones_reached", 0)
    return round(100 * reached / planned) if planned else 0


def public_projects(*, state: str = "") -> QuerySet[Project]:
    """The gallery: completed projects first, then running ones."""
    projects = Project.objects.exclude(state=ProjectState.DISCONTINUED)
    if state in PROJECT_FILTERS:
        projects = projects.filter(state=state)
    return (
        with_progress(projects)
        .select_related("organization", "call")
        .prefetch_related(_public_results())
        # "completed" sorts after "active": descending puts it first.
        .order_by("-state", "-started_on", "-id")
    )


def project_for_viewer(*, slug: str, viewer: Any) -> Project | None:
    """Every project page is public; a discontinued one only to those who
    follow it."""
    project = (
        with_progress(Project.objects.filter(slug=slug))
        .select_related("organization", "call", "application")
        .prefetch_related(_public_results())
        .first()
    )
    if project is None:
        return None
    if project.state == ProjectState.DISCONTINUED and not viewer.has_perm(
        "programmes.follow_project", project
    ):
        return None
    return project


def project_milestones(project: Project) -> list[Milestone]:
    return list(
        project.milestones.exclude(state=MilestoneState.CANCELLED).order_by(
            "due_on", "id"
        )
    )


def project_mentors(project: Project) -> list[Mentorship]:
    return list(
        project.mentorships.filter(state=MentorshipState.ACCEPTED).select_related(
            "mentor"
        )
    )


@dataclass(frozen=True)
class Accompaniment:
    """What the team, mentors and staff see beyond the public page."""

    mentorships: list[Mentorship]
    milestones: list[Milestone]
    consultations: list[Any]


def accompaniment(project: Project) -> Accompaniment:
    return Accompaniment(
        mentorships=list(project.mentorships.select_related("mentor")),
        milestones=list(
            project.milestones.prefetch_related("reports__files", "reports__author")
        ),
        consultations=list(project.consultations.select_related("author")),
    )


def projects_of(
    *, user: Any, limit: int | None = None, with_results: bool = False
) -> list[Project]:
    """The projects ``user`` works on (team) or accompanies (mentor)."""
    if not getattr(user, "is_authenticated", False):
        return []
    organizations = Membership.objects.filter(user_id=user.pk).values("organization_id")
    mentored = Mentorship.objects.filter(
        mentor_id=user.pk, state=MentorshipState.ACCEPTED
    ).values("project_id")
    projects = (
        with_progress(
            Project.objects.filter(
                Q(application__applicant_id=user.pk)
                | Q(organization_id__in=organizations)
                | Q(pk__in=mentored)
            )
        )
        .select_related("organization", "call")
        .order_by("state", "-started_on", "-id")
    )
    if with_results:
        projects = projects.prefetch_related(_public_results())
    return list(projects[:limit] if limit else projects)


def mentorship_requests(*, user: Any) -> list[Mentorship]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Mentorship.objects.filter(
            mentor_id=user.pk, state=MentorshipState.PROPOSED
        ).select_related("project")
    )


def overdue_milestones(*, today: date | None = None) -> QuerySet[Milestone]:
    today = today or timezone.localdate()
    return (
        Milestone.objects.filter(
            state=MilestoneState.OPEN,
            due_on__lt=today,
            project__state=ProjectState.ACTIVE,
        )
        .select_related("project")
        .order_by("due_on", "id")
    )


def reports_waiting() -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(
            state=MilestoneState.REPORTED, project__state=ProjectState.ACTIVE
        )
        .select_related("project")
        .order_by("updated_at", "id")
    )


def accepted_without_project() -> QuerySet[Application]:
    return (
        Application.objects.filter(state=A.ACCEPTED, project__isnull=True)
        .select_related("call", "organization", "applicant")
        .order_by("decided_at", "id")
    )


def export_projects() -> QuerySet[Project]:
    return (
        with_progress(Project.objects.all())
        .select_related("organization", "call", "application__applicant")
        .annotate(
            mentor_count=Count(
                "mentorships",
                filter=Q(mentorships__state=MentorshipState.ACCEPTED),
                distinct=True,
            ),
            result_count=Count("results", distinct=True),
        )
        .order_by("call_id", "started_on", "id")
    )


def dataset_relations(dataset_ids: list[int]) -> dict[int, list[Related]]:
    """The public projects each dataset is a result of (for the catalog)."""
    found: dict[int, list[Related]] = {}
    results = (
        ProjectResult.objects.filter(dataset_id__in=dataset_ids)
        .exclude(project__state=ProjectState.DISCONTINUED)
        .select_related("project")
    )
    for result in results:
        if result.dataset_id is None:
            continue
        found.setdefault(result.dataset_id, []).append(
            Related(
                path=result.project.get_absolute_url(),
                label=_("Project: %(title)s") % {"title": result.project.title},
            )
        )
    return found
