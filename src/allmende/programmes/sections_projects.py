"""What projects add to the dashboard: "my projects" and the staff queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section
from allmende.programmes import selectors_projects as selectors

if TYPE_CHECKING:
    from allmende.core.modules import Viewer

# Items shown per list on a dashboard; the full lists are a click away.
SHOWN = 10


def dashboard(request: HttpRequest) -> Section | None:
    projects = selectors.projects_of(user=request.user, limit=SHOWN)
    requests = selectors.mentorship_requests(user=request.user)
    if not projects and not requests:
        return None
    for project in projects:
        project.progress = selectors.progress(project)  # type: ignore[attr-defined]
    return Section(
        title=_("My projects"),
        template="programmes/projects/sections/dashboard.html",
        context={"projects": projects, "requests": requests},
        urgent=bool(requests),
    )


def staff_queue(request: HttpRequest) -> Section:
    today = timezone.localdate()
    waiting = list(selectors.accepted_without_project()[:SHOWN])
    reports = list(selectors.reports_waiting()[:SHOWN])
    overdue = list(selectors.overdue_milestones(today=today)[:SHOWN])
    return Section(
        title=_("Projects needing attention"),
        template="programmes/projects/sections/queue.html",
        context={
            "waiting": waiting,
            "reports": reports,
            "overdue": overdue,
            "today": today,
        },
        urgent=bool(waiting or reports or overdue),
    )


def _signed_in(user: Viewer) -> bool:
    return bool(user.is_authenticated)


def _staff(user: Viewer) -> bool:
    return bool(getattr(user, "is_staff", False))


PROJECTS = Module(
    key="projects",
    label=_("Projects"),
    url_name="",
    icon="lightbulb",
    order=42,
    visible=_signed_in,
    dashboard=dashboard,
)

PROJECT_QUEUE = Module(
    key="projects-queue",
    label=_("Projects needing attention"),
    url_name="",
    icon="inbox",
    order=43,
    visible=_staff,
    dashboard=staff_queue,
)
