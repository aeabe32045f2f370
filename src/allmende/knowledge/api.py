"""The knowledge hub as JSON (read only): tools, published experience reports
and published guide pages, and the whole tool directory as one file that
another directory can import."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from allmende.core.api import INVALID, NOT_FOUND, LimitOffset, PathSlug, Text
from allmende.events.models import Level
from allmende.knowledge import selectors
from allmende.knowledge.licences import LicenceFamily
from allmende.knowledge.models import Cost, HostingOption, Page, Platform, Report, Tool

router = Router(tags=["knowledge"])


class ToolOut(Schema):
    slug: str
    name: str
    purpose_de: str
    purpose_en: str
    categories: list[str]
    licence: str
    licence_family: str
    source_url: str
    homepage_url: str
    hosting: list[str]
    platforms: list[str]
    data_location: str
    processing_agreement: str
    cost: str
    nonprofit_discount: bool
    difficulty: str
    languages: list[str]
    alternative_to: list[str]
    activity_at: datetime | None
    links_broken: bool
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_categories(obj: Tool) -> list[str]:
        return [category.slug for category in obj.categories.all()]

    @staticmethod
    def resolve_url(obj: Tool) -> str:
        return obj.get_absolute_url()


def _one_of(values: list[str]) -> Any:
    """Text that is empty or one of ``values`` (a pattern in the document)."""
    return Annotated[str, Field(pattern=f"^(|{'|'.join(values)})$")]


# The filters accept exactly the values the directory knows; anything else
# is answered with 422 and names the parameter.
class ToolQuery(Schema):
    q: Text = ""
    category: Text = ""
    licence_family: _one_of(LicenceFamily.values) = ""  # type: ignore[valid-type]
    hosting: _one_of(HostingOption.values) = ""  # type: ignore[valid-type]
    platform: _one_of(Platform.values) = ""  # type: ignore[valid-type]
    cost: _one_of(Cost.values) = ""  # type: ignore[valid-type]
    difficulty: _one_of(Level.values) = ""  # type: ignore[valid-type]


@router.get("/tools", response={200: list[ToolOut], **INVALID})
@paginate(LimitOffset)
def list_tools(request: HttpRequest, filters: Query[ToolQuery]):  # type: ignore[no-untyped-def]
    return selectors.tool_list(filters=selectors.ToolFilters(**filters.dict()))


@router.get("/tools/export", response={200: list[ToolOut], **INVALID})
def export_tools(request: HttpRequest) -> Any:
    """Every tool of the directory in one answer, for another directory to
    import."""
    return selectors.tool_list(filters=selectors.ToolFilters())


@router.get("/tools/{slug}", response={200: ToolOut, **NOT_FOUND, **INVALID})
def get_tool(request: HttpRequest, slug: PathSlug) -> Tool:
    tool = selectors.tool_detail(slug=slug)
    if tool is None:
        raise Http404
    return tool


class ReportOut(Schema):
    id: int
    title: str
    language: str
    summary: str
    organization: str
    tools: list[str]
    helpful_count: int
    published_at: datetime | None
    url: str

    @staticmethod
    def resolve_organization(obj: Report) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_tools(obj: Report) -> list[str]:
        return [tool.slug for tool in obj.tools.all()]

    @staticmethod
    def resolve_url(obj: Report) -> str:
        return obj.get_absolute_url()


class ReportQuery(Schema):
    q: Text = ""
    tool: Text = ""
    sort: Literal["helpful", "new"] = "helpful"


@router.get("/reports", response={200: list[ReportOut], **INVALID})
@paginate(LimitOffset)
def list_reports(request: HttpRequest, filters: Query[ReportQuery]):  # type: ignore[no-untyped-def]
    return selectors.report_list(filters=selectors.ReportFilters(**filters.dict()))


class GuideOut(Schema):
    book: str
    slug: str
    language: str
    title: str
    body: str
    published_at: datetime | None
    last_reviewed_at: datetime | None
    url: str

    @staticmethod
    def resolve_book(obj: Page) -> str:
        return obj.book.slug

    @staticmethod
    def resolve_language(obj: Page) -> str:
        return obj.book.language

    @staticmethod
    def resolve_title(obj: Page) -> str:
        return obj.published_revision.title if obj.published_revision else ""

    @staticmethod
    def resolve_body(obj: Page) -> str:
        return obj.published_revision.body if obj.published_revision else ""

    @staticmethod
    def resolve_url(obj: Page) -> str:
        return obj.get_absolute_url()


@router.get("/guides", response={200: list[GuideOut], **INVALID})
@paginate(LimitOffset)
def list_guides(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Published guide pages with their published text (Markdown)."""
    return selectors.visible_pages().order_by("book__position", "book", "pk")
