"""The catalog's JSON API: datasets, row queries and read-only SQL per resource.

Anonymous requests see public datasets. A personal API token
(``Authorization: Bearer <token>`` or ``Token <token>``) or a logged-in session
also sees the private datasets and drafts of the person's organizations.
Every refused query answers 400 with ``{"error": {"code", "message"}}``; a
resource without a table to query answers 409 in the same form. A parameter
outside its type or range (an id, ``limit``, ``offset``) answers 422 with
``{"detail": [...]}``, an unknown or hidden dataset or resource 404, an unknown
token 401.
"""

import json
import re
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from ninja.responses import NinjaJSONEncoder
from ninja.security.http import HttpAuthBase

from allmende.accounts.models import User
from allmende.accounts.services import api_token_user
from allmende.catalog import engine, selectors, tables
from allmende.catalog import sql as user_sql
from allmende.catalog.models import Dataset, Resource
from allmende.core.api import (
    INVALID,
    NOT_FOUND,
    UNAUTHORIZED,
    LimitOffset,
    PathId,
    PathSlug,
    Text,
    id_from_text,
)


class ApiToken(HttpAuthBase):
    """A personal token in the Authorization header; without one, the session.

    Requests with no header go on as the logged-in or anonymous user; a header
    with an unknown or revoked token is refused with 401.
    """

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> User | AnonymousUser:
        header = request.headers.get("Authorization", "")
        if not header:
            return request.user
        scheme, _, secret = header.partition(" ")
        user = (
            api_token_user(secret.strip())
            if scheme.lower() in ("bearer", "token")
            else None
        )
        if user is None:
            raise AuthenticationError
        return user


router = Router(tags=["catalog"], auth=ApiToken())


def _viewer(request: HttpRequest) -> User | AnonymousUser:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class ErrorBody(Schema):
    code: str
    message: str
    detail: str = ""


class ErrorOut(Schema):
    error: ErrorBody


class ResourceOut(Schema):
    id: int
    title: str
    kind: str
    format: str
    url: str
    licence: str
    version: int | None
    row_count: int | None
    columns: list[dict[str, Any]]
    rows_url: str | None
    sql_url: str | None
    download_url: str | None

    @staticmethod
    def resolve_url(obj: Resource) -> str:
        return obj.url

    @staticmethod
    def resolve_licence(obj: Resource) -> str:
        return obj.effective_licence

    @staticmethod
    def resolve_version(obj: Resource) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @staticmethod
    def resolve_row_count(obj: Resource) -> int | None:
        return obj.current_version.row_count if obj.current_version else None

    @staticmethod
    def resolve_columns(obj: Resource) -> list[dict[str, Any]]:
        if obj.current_version is None:
            return []
        return [
            {"name": c["name"], "type": c["type"]} for c in obj.current_version.columns
        ]

    @staticmethod
    def resolve_rows_url(obj: Resource) -> str | None:
        return f"/api/catalog/resources/{obj.pk}/rows" if obj.current_version else None

    @staticmethod
    def resolve_sql_url(obj: Resource) -> str | None:
        return f"/api/catalog/resources/{obj.pk}/sql" if obj.current_version else None

    @staticmethod
    def resolve_download_url(obj: Resource) -> str | None:
        version = obj.current_version
        if version is None:
            return None
        return (
            f"/datasets/{obj.dataset.slug}/resources/{obj.pk}/v{version.number}"
            "/download.csv"
        )


class DatasetOut(Schema):
    slug: str
    title: str
    title_de: str
    title_en: str
    description_de: str
    description_en: str
    organization: str
    licence: str
    themes: list[str]
    keywords: list[str]
    status: str
    is_private: bool
    temporal_start: date | None
    temporal_end: date | None
    spatial: str
    update_frequency: str
    issued_at: datetime | None
    modified_at: datetime

    @staticmethod
    def resolve_organization(obj: Dataset) -> str:
        return obj.organization.slug

    @staticmethod
    def resolve_themes(obj: Dataset) -> list[str]:
        return [t.theme for t in obj.themes.all()]


class DatasetDetailOut(DatasetOut):
    resources: list[ResourceOut]

    @staticmethod
    def resolve_resources(obj: Dataset) -> list[Resource]:
        return selectors.dataset_resources(dataset=obj)


class DatasetFilters(Schema):
    q: Text = ""
    organization: Text = ""
    licence: Text = ""
    theme: Text = ""
    format: Text = ""


@router.get("/datasets", response={200: list[DatasetOut], **UNAUTHORIZED, **INVALID})
@paginate(LimitOffset)
def list_datasets(request: HttpRequest, filters: Query[DatasetFilters]):  # type: ignore[no-untyped-def]
    """Datasets the caller may see, searched and filtered like the catalog page."""
    return selectors.dataset_list(
        viewer=_viewer(request), filters=selectors.CatalogFilters(**filters.dict())
    )


@router.get(
    "/datasets/{slug}",
    response={200: DatasetDetailOut, **UNAUTHORIZED, **NOT_FOUND, **INVALID},
)
def get_dataset(request: HttpRequest, slug: PathSlug) -> Dataset:
    return selectors.dataset_for_viewer(viewer=_viewer(request), slug=slug)


# Refusals that are not the query's fault; every other one answers 400.
_ERROR_STATUS: dict[type[engine.EngineError], int] = {
    engine.errors.SqlClientBusyError: 429,
    engine.errors.SqlBusyError: 503,
}


def _error(exc: engine.EngineError) -> Status[dict[str, Any]]:
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
    code = code.removesuffix("_error") or "error"
    body = {"code": code, "message": tables.message_of(exc)}
    if exc.detail:
        body["detail"] = exc.detail
    return Status(_ERROR_STATUS.get(type(exc), 400), {"error": body})


def _table(
    request: HttpRequest, pk: int
) -> tuple[engine.Resource | None, dict[str, Any] | None]:
    number: int | None = None
    wanted = request.GET.get("_version")
    if wanted:
        number = id_from_text(wanted)
        if number is None:
            return None, {"error": {"code": "bad_query", "message": "_version"}}
    try:
        table = selectors.table_for_viewer(
            viewer=_viewer(request), resource_id=pk, version=number
        )
    except engine.EngineError as exc:
        return None, _error(exc).value
    return table, None


ROW_PARAMETERS = [
    {
        "in": "query",
        "name": name,
        "required": False,
        "schema": {"type": kind},
        "description": text,
    }
    for name, kind, text in (
        ("<column>", "string", "Filter: a column equals the value."),
        (
            "<column>__<op>",
            "string",
            "Filter with an operator: eq, ne, in (comma-separated), lt, lte, gt, "
            "gte, contains, isnull, notnull.",
        ),
        ("_sort", "string", "Sort columns, comma-separated; '-' sorts descending."),
        ("_size", "integer", "Rows per page (1 to 1000, default 50)."),
        ("_next", "string", "The 'next' token of the previous page."),
        ("_fields", "string", "Columns to return, comma-separated."),
        ("_q", "string", "Full-text search over the text columns."),
        ("_count", "boolean", "Also return the number of matching rows."),
        ("_facet", "string", "Value counts of a column (repeatable)."),
        ("_facet_size", "integer", "Values per facet (default 10)."),
        ("_version", "integer", "Query an earlier version of the resource."),
    )
]


# The answers of the row and SQL operations.
TABLE_RESPONSES: dict[int, Any] = {
    200: dict[str, Any],
    400: ErrorOut,
    409: ErrorOut,
    **UNAUTHORIZED,
    **NOT_FOUND,
    **INVALID,
}


@router.get(
    "/resources/{pk}/rows",
    response=TABLE_RESPONSES,
    openapi_extra={"parameters": ROW_PARAMETERS},
)
def resource_rows(
    request: HttpRequest, pk: PathId
) -> Status[dict[str, Any]] | HttpResponse:
    """Rows of a resource's table with filters, sort, keyset pagination and facets.

    Pages are linked by the ``next`` token (keyset pagination): pass it as
    ``_next`` to get the following page.
    """
    table, error = _table(request, pk)
    if table is None:
        return Status(409, error or {})
    params = {key: request.GET.getlist(key) for key in request.GET if key != "_version"}
    try:
        result = engine.query(table, engine.parse_params(params))
    except engine.QueryError as exc:
        return _error(exc)
    # The engine's result is JSON-ready: written directly, without validating
    # it again against the schema ``dict[str, Any]`` (which costs about as
    # much as the query of a small page).
    return HttpResponse(
        json.dumps(result, cls=NinjaJSONEncoder), content_type="application/json"
    )


class SqlIn(Schema):
    sql: Text


SQL_RESPONSES: dict[int, Any] = {**TABLE_RESPONSES, 429: ErrorOut, 503: ErrorOut}
SQL_DESCRIPTION = """Read-only SQL over the table `data`: one SELECT, no files,
network, settings or server catalog (`duckdb_*`, `pragma_*`,
`current_setting()`, `query()`).

Limits (the operator's settings; defaults in brackets): the query is stopped
after `ALLMENDE_SQL_TIMEOUT_SECONDS` (5 s) with `sql_timeout`; it may use
`ALLMENDE_SQL_MEMORY_BYTES` (512 MiB) of memory, else `sql_memory`; the answer
holds at most `ALLMENDE_SQL_MAX_ROWS` (1,000) rows (then `truncated` is true)
and `ALLMENDE_SQL_MAX_RESULT_BYTES` (10 MB) as JSON, else
`sql_result_too_large`. Each of these answers 400. A client (a person, or an
address) runs at most `ALLMENDE_SQL_PER_CLIENT` (2) queries at once, else 429
`sql_client_busy`; when every worker of the server is busy: 503 `sql_busy`.
An error's `message` is short; `detail` holds the engine's own text."""


@router.get("/resources/{pk}/sql", response=SQL_RESPONSES, description=SQL_DESCRIPTION)
def resource_sql_get(
    request: HttpRequest, pk: PathId, sql: Text = ""
) -> Status[dict[str, Any]]:
    """Read-only SQL over a resource's table"""
    return _run_sql(request, pk, sql)


@router.post("/resources/{pk}/sql", response=SQL_RESPONSES, description=SQL_DESCRIPTION)
def resource_sql_post(
    request: HttpRequest, pk: PathId, body: SqlIn
) -> Status[dict[str, Any]]:
    """Read-only SQL over a resource's table, for long queries"""
    return _run_sql(request, pk, body.sql)


def _run_sql(request: HttpRequest, pk: int, sql: str) -> Status[dict[str, Any]]:
    table, error = _table(request, pk)
    if table is None:
        return Status(409, error or {})
    try:
        result = user_sql.run(request, table, sql)
    except engine.QueryError as exc:
        return _error(exc)
    return Status(
        200,
        {"columns": result.columns, "rows": result.rows, "truncated": result.truncated},
    )
