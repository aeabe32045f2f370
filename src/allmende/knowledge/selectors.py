"""Reads of the tool directory: lists, filters, the start page and the
staff's queue of tools that need attention."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from allmende.core.search import search_queryset
from allmende.knowledge.models import (
    AccessState,
    Book,
    Category,
    Chapter,
    HostedService,
    Page,
    PageRevision,
    PageState,
    Provisioner,
    Report,
    ReportState,
    ReportVote,
    ServiceRequest,
    SuggestionState,
    Tool,
    ToolLink,
    ToolSuggestion,
    unmaintained_before,
)
from allmende.knowledge.models.hosting import HOLDING_STATES
from allmende.organizations.models import Membership, Organization


@dataclass(frozen=True)
class ToolFilters:
    q: str = ""
    category: str = ""
    licence_family: str = ""
    hosting: str = ""
    platform: str = ""
    cost: str = ""
    difficulty: str = ""
    language: str = ""

    @property
    def active(self) -> bool:
        return any(asdict(self).values())


def visible_tools(viewer: Any = None) -> QuerySet[Tool]:
    """Every tool entry is public."""
    return Tool.objects.all()


def _with_value(queryset: QuerySet[Tool], field: str, value: str) -> QuerySet[Tool]:
    """Tools whose JSON list ``field`` holds ``value``.

    The list is compared as text, which works alike on SQLite and PostgreSQL
    (SQLite has no JSON containment lookup); values are choice values without
    quotes, so ``"value"`` matches exactly one element.
    """
    alias = f"{field}_text"
    return queryset.alias(**{alias: Cast(field, output_field=TextField())}).filter(
        **{f"{alias}__contains": f'"{value}"'}
    )


def tool_list(*, filters: ToolFilters) -> QuerySet[Tool]:
    """The public directory, filtered; best match first with a query,
    else by name."""
    queryset = visible_tools().prefetch_related(
        Prefetch("categories", queryset=Category.objects.order_by("name_de"))
    )
    if filters.category:
        queryset = queryset.filter(categories__slug=filters.category)
    if filters.licence_family:
        queryset = queryset.filter(licence_family=filters.licence_family)
    if filters.cost:
        queryset = queryset.filter(cost=filters.cost)
    if filters.difficulty:
        queryset = queryset.filter(difficulty=filters.difficulty)
    if filters.hosting:
        queryset = _with_value(queryset, "hosting", filters.hosting)
    if filters.platform:
        queryset = _with_value(queryset, "platforms", filters.platform)
    if filters.language:
        queryset = _with_value(queryset, "languages", filters.language)
    if filters.q:
        return search_queryset(queryset, filters.q)
    return queryset.order_by("name")


def tool_detail(*, slug: str) -> Tool | None:
    return (
        visible_tools()
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("name_de")),
            Prefetch("links", queryset=ToolLink.objects.order_by("kind")),
        )
        .filter(slug=slug)
        .first()
    )


# Tools shown side by side at most.
COMPARE_MAX = 4


def tools_for_comparison(*, slugs: list[str]) -> list[Tool]:
    """The tools named by ``slugs`` (unknown ones left out), in that order,
    at most :data:`COMPARE_MAX`."""
    wanted = list(dict.fromkeys(slugs))[: COMPARE_MAX * 5]
    found = {
        tool.slug: tool
        for tool in visible_tools()
        .filter(slug__in=wanted)
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("name_de"))
        )
    }
    return [found[slug] for slug in wanted if slug in found][:COMPARE_MAX]


def categories() -> list[Category]:
    return list(Category.objects.order_by("name_de"))


def new_and_updated_tools(*, limit: int = 6) -> list[Tool]:
    """The tools most recently added or changed by editors, for the start page."""
    return list(
        visible_tools()
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("name_de"))
        )
        .order_by("-updated_at", "-pk")[:limit]
    )


def maintenance_queue() -> QuerySet[Tool]:
    """Tools whose addresses broke or that look unmaintained, broken links
    first, then the longest quiet."""
    return (
        Tool.objects.filter(
            Q(links_broken=True) | Q(activity_at__lt=unmaintained_before())
        )
        .prefetch_related(Prefetch("links", queryset=ToolLink.objects.filter(ok=False)))
        .order_by("-links_broken", "activity_at", "name")
    )


# Experience reports.


def visible_reports(viewer: Any = None) -> QuerySet[Report]:
    """Published reports for everyone; drafts and taken-down reports also
    for the members of their organization and for staff."""
    published = Q(state=ReportState.PUBLISHED)
    if viewer is None or not viewer.is_authenticated:
        return Report.objects.filter(published)
    if viewer.is_staff:
        return Report.objects.all()
    return Report.objects.filter(
        published | Q(organization__memberships__user=viewer)
    ).distinct()


def published_reports() -> QuerySet[Report]:
    return Report.objects.filter(state=ReportState.PUBLISHED)


@dataclass(frozen=True)
class ReportFilters:
    q: str = ""
    tool: str = ""
    sort: str = "helpful"


def report_list(*, filters: ReportFilters) -> QuerySet[Report]:
    """Published reports, the most helpful first (or the newest first)."""
    queryset = published_reports().select_related("organization")
    if filters.tool:
        queryset = queryset.filter(tools__slug=filters.tool)
    queryset = queryset.prefetch_related(
        Prefetch("tools", queryset=Tool.objects.order_by("name"))
    )
    if filters.q:
        return search_queryset(queryset, filters.q)
    if filters.sort == "new":
        return queryset.order_by("-published_at", "-pk")
    return queryset.order_by("-helpful_count", "-published_at", "-pk")


def reports_of_organizations(viewer: Any) -> QuerySet[Report]:
    """Every report of the organizations ``viewer`` belongs to, newest first."""
    return (
        Report.objects.filter(organization__memberships__user=viewer)
        .select_related("organization")
        .order_by("-updated_at", "-pk")
    )


def report_detail(*, pk: int, viewer: Any) -> Report | None:
    return (
        visible_reports(viewer)
        .select_related("organization", "author")
        .prefetch_related(
            Prefetch("tools", queryset=Tool.objects.order_by("name")), "focus_areas"
        )
        .filter(pk=pk)
        .first()
    )


def has_voted(*, report: Report, viewer: Any) -> bool:
    if not viewer.is_authenticated:
        return False
    return ReportVote.objects.filter(report=report, user=viewer).exists()


def tool_reports(*, tool: Tool, limit: int = 20) -> list[Report]:
    """A tool's published reports, the most helpful first."""
    return list(
        published_reports()
        .filter(tools=tool)
        .select_related("organization")
        .order_by("-helpful_count", "-published_at", "-pk")[:limit]
    )


def organizations_using(*, tool: Tool) -> list[Organization]:
    """Organizations that published a report on ``tool`` or that say on their
    profile that they use it, by name."""
    return list(
        Organization.objects.filter(
            Q(
                knowledge_reports__tools=tool,
                knowledge_reports__state=ReportState.PUBLISHED,
            )
            | Q(tool_uses__tool=tool)
        )
        .distinct()
        .order_by("name")
    )


def new_reports(*, limit: int = 6) -> list[Report]:
    return list(
        published_reports()
        .select_related("organization")
        .order_by("-published_at", "-pk")[:limit]
    )


# The handbook.


def visible_pages(viewer: Any = None) -> QuerySet[Page]:
    """Pages readers see: those with a published revision."""
    return Page.objects.filter(published_revision__isnull=False).select_related(
        "book", "published_revision"
    )


def books() -> list[Book]:
    return list(Book.objects.order_by("position", "title"))


def book_contents(*, book: Book, viewer: Any) -> list[tuple[Chapter, list[Page]]]:
    """The book's chapters, each with its pages in order: the published ones
    for readers, every page for editors."""
    pages = Page.objects.filter(book=book).select_related("published_revision")
    if not viewer.has_perm("knowledge.edit_guide"):
        pages = pages.filter(published_revision__isnull=False)
    chapters = list(
        Chapter.objects.filter(book=book)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("pages", queryset=pages.order_by("position", "pk")))
    )
    return [(chapter, list(chapter.pages.all())) for chapter in chapters]


def page_for(*, book: str, page: str) -> Page | None:
    return (
        Page.objects.select_related(
            "book", "chapter", "published_revision", "counterpart__book"
        )
        .filter(book__slug=book, slug=page)
        .first()
    )


def page_revisions(*, page: Page) -> QuerySet[PageRevision]:
    return page.revisions.select_related("author").order_by("-number")


def guide_review_queue() -> QuerySet[Page]:
    return (
        Page.objects.filter(state=PageState.IN_REVIEW)
        .select_related("book", "submitted_by")
        .order_by("updated_at")
    )


def overdue_pages() -> QuerySet[Page]:
    return (
        visible_pages()
        .filter(review_due_on__lt=timezone.localdate())
        .select_related("book")
        .order_by("review_due_on", "pk")
    )


def new_pages(*, limit: int = 6) -> list[Page]:
    return list(
        visible_pages()
        .select_related("book", "published_revision")
        .order_by("-published_at", "-pk")[:limit]
    )


# Hosted services.


def hosted_services() -> QuerySet[HostedService]:
    return HostedService.objects.select_related("tool").order_by("position", "name")


def tool_services(*, tool: Tool) -> list[HostedService]:
    return list(HostedService.objects.filter(tool=tool).order_by("position", "name"))


def service_requests_of(viewer: Any) -> QuerySet[ServiceRequest]:
    """Requests of the organizations ``viewer`` administers, newest first."""
    if not viewer.is_authenticated:
        return ServiceRequest.objects.none()
    return (
        ServiceRequest.objects.filter(
            organization__memberships__user=viewer,
            organization__memberships__role=Membership.Role.ADMIN,
        )
        .select_related("service", "organization")
        .order_by("-updated_at", "-pk")
    )


def service_request_for(*, pk: int, viewer: Any) -> ServiceRequest | None:
    """A request for staff and for the administrators of its organization."""
    if not viewer.is_authenticated:
        return None
    queryset = ServiceRequest.objects.select_related(
        "service", "organization", "code_of_conduct", "requested_by"
    )
    if not viewer.is_staff:
        queryset = queryset.filter(
            organization__memberships__user=viewer,
            organization__memberships__role=Membership.Role.ADMIN,
        )
    return queryset.filter(pk=pk).first()


def service_request_queue() -> QuerySet[ServiceRequest]:
    """What waits for staff: new requests, manual set-ups and organizations
    that did not accept a new code of conduct in time."""
    return (
        ServiceRequest.objects.filter(
            Q(state=AccessState.REQUESTED)
            | Q(
                state=AccessState.PROVISIONING,
                service__provisioner=Provisioner.MANUAL,
            )
            | Q(state__in=sorted(HOLDING_STATES), reaccept_by__lt=timezone.now())
        )
        .select_related("service", "organization")
        .order_by("created_at", "pk")
    )


def service_usage() -> QuerySet[ServiceRequest]:
    """Which organizations use which service since when."""
    return (
        ServiceRequest.objects.filter(state__in=sorted(HOLDING_STATES))
        .select_related("service", "organization")
        .order_by("service__name", "active_since", "organization__name")
    )


def open_suggestions() -> QuerySet[ToolSuggestion]:
    """Suggestions of organizations that wait for staff or editors."""
    return (
        ToolSuggestion.objects.filter(state=SuggestionState.OPEN)
        .select_related("organization", "tool", "suggested_by")
        .order_by("created_at", "pk")
    )
