"""What the knowledge hub adds to the navigation, the start page and the
dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section, everyone
from allmende.knowledge import selectors
from allmende.knowledge.models import Category, Page, Report, Tool

if TYPE_CHECKING:
    from allmende.core.modules import Viewer


def start_section(request: HttpRequest) -> Section | None:
    tools = selectors.new_and_updated_tools(limit=START_SHOWN)
    if not tools:
        return None
    return Section(
        title=_("New and updated tools"),
        template="knowledge/sections/start.html",
        context={"tools": tools},
    )


def guides_section(request: HttpRequest) -> Section | None:
    pages = selectors.new_pages(limit=START_SHOWN)
    reports = selectors.new_reports(limit=START_SHOWN)
    if not pages and not reports:
        return None
    return Section(
        title=_("New guides and reports"),
        template="knowledge/sections/guides.html",
        context={"pages": pages, "reports": reports},
    )


def guide_review_queue(request: HttpRequest) -> Section | None:
    waiting = list(selectors.guide_review_queue()[:QUEUE_SHOWN])
    overdue = list(selectors.overdue_pages()[:QUEUE_SHOWN])
    return Section(
        title=_("Guide pages to review"),
        template="knowledge/sections/guide_review.html",
        context={"waiting": waiting, "overdue": overdue},
        urgent=bool(waiting),
    )


def _reviewer(user: Viewer) -> bool:
    has_perm = getattr(user, "has_perm", None)
    return bool(has_perm and has_perm("knowledge.review_guide"))


def maintenance_queue(request: HttpRequest) -> Section:
    queue = list(selectors.maintenance_queue()[:QUEUE_SHOWN])
    return Section(
        title=_("Tools with broken links or without recent releases"),
        template="knowledge/_maintenance_queue.html",
        context={"maintenance_queue": queue},
        urgent=any(tool.links_broken for tool in queue),
    )


def _maintainer(user: Viewer) -> bool:
    has_perm = getattr(user, "has_perm", None)
    return bool(has_perm and has_perm("knowledge.view_maintenance"))


START_SHOWN = 6
# Tools shown on the dashboard; the maintenance page lists all of them.
QUEUE_SHOWN = 10

MODULE = Module(
    key="knowledge",
    label=_("Knowledge"),
    url_name="knowledge:tool_list",
    icon="lightbulb",
    order=10,
    start_section=start_section,
    start_section_audience=everyone,
    start_section_models=(Tool, Category),
)

# The maintenance queue on the dashboard of staff and editors; no navigation
# entry of its own.
MAINTENANCE_QUEUE = Module(
    key="knowledge-maintenance",
    label=_("Tool maintenance"),
    url_name="",
    icon="triangle-alert",
    order=11,
    visible=_maintainer,
    dashboard=maintenance_queue,
)

# Experience reports (and the handbook's guides): a navigation entry and the
# start page's "new guides and reports".
GUIDES = Module(
    key="knowledge-guides",
    label=_("Guides and reports"),
    url_name="knowledge:guide_index",
    icon="book-open",
    order=12,
    start_section=guides_section,
    start_section_audience=everyone,
    start_section_models=(Report, Page),
)

# Reviewers' queue: changes waiting for review and pages whose check is due.
GUIDE_REVIEW = Module(
    key="knowledge-guide-review",
    label=_("Guide review"),
    url_name="",
    icon="book-open",
    order=13,
    visible=_reviewer,
    dashboard=guide_review_queue,
)


def my_service_requests(request: HttpRequest) -> Section | None:
    mine = list(selectors.service_requests_of(request.user)[:QUEUE_SHOWN])
    if not mine:
        return None
    return Section(
        title=_("My service requests"),
        template="knowledge/sections/service_requests.html",
        context={"requests": mine, "staff": False},
        urgent=any(access.reaccept_by is not None for access in mine),
    )


def service_request_queue(request: HttpRequest) -> Section:
    queue = list(selectors.service_request_queue()[:QUEUE_SHOWN])
    return Section(
        title=_("Service requests to handle"),
        template="knowledge/sections/service_requests.html",
        context={"requests": queue, "staff": True},
        urgent=bool(queue),
    )


def _staff(user: Viewer) -> bool:
    return bool(getattr(user, "is_staff", False))


# The programme's hosted services: a navigation entry, and on the dashboard
# the requests of the person's organizations.
SERVICES = Module(
    key="knowledge-services",
    label=_("Services"),
    url_name="knowledge:service_list",
    icon="settings",
    order=14,
    dashboard=my_service_requests,
)

SERVICE_QUEUE = Module(
    key="knowledge-service-queue",
    label=_("Service requests"),
    url_name="",
    icon="inbox",
    order=15,
    visible=_staff,
    dashboard=service_request_queue,
)
