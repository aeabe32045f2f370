"""CKAN's DataStore reads on the dataset engine: ``datastore_search`` and
``datastore_search_sql``.

The table's row number (the engine's ``_row``) is CKAN's ``_id``. Column types
are given with CKAN's names. SQL runs in the engine's sandbox, exactly as the
catalog's own SQL API does; CKAN names a table by its resource id in double
quotes, which becomes the sandbox's table ``data``.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from allmende.catalog import engine, selectors, tables
from allmende.catalog import sql as user_sql
from allmende.catalog.models import Resource
from allmende.catalog.selectors import Viewer
from allmende.ckan import params as params_
from allmende.ckan.errors import NotFound, TooManyRequests, Unavailable
from allmende.ckan.errors import ValidationFailed as Invalid
from allmende.core.api import id_from_text
from allmende.core.spreadsheets import safe_row

# The engine's row number column (see ``allmende.catalog.engine.sql``).
ROW = "_row"
CKAN_ID = "_id"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CKAN_TYPES = {
    engine.ColumnType.INTEGER: "int",
    engine.ColumnType.DECIMAL: "numeric",
    engine.ColumnType.BOOLEAN: "bool",
    engine.ColumnType.DATE: "date",
    engine.ColumnType.TIMESTAMP: "timestamp",
    engine.ColumnType.TEXT: "text",
}
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")


def _table(viewer: Viewer, resource: Resource) -> engine.Resource:
    try:
        return selectors.table_for_viewer(viewer=viewer, resource_id=resource.pk)
    except engine.errors.ResourceNotReadyError:
        raise NotFound(
            _("Resource “%(id)s” has no table (yet).") % {"id": resource.pk}
        ) from None


def _column(table: engine.Resource, name: Any, key: str) -> str:
    if name == CKAN_ID:
        return ROW
    if not isinstance(name, str) or name not in table.by_name:
        raise Invalid(
            {key: [_("Field “%(field)s” is not in the table.") % {"field": name}]}
        )
    return name


def _names(value: Any, key: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value]
    raise Invalid({key: [_("Must be a list of field names.")]})


def _filters(table: engine.Resource, params: dict[str, Any]) -> list[engine.Filter]:
    raw = params.get("filters") or {}
    if not isinstance(raw, dict):
        raise Invalid({"filters": [_("Must be an object of field names and values.")]})
    found: list[engine.Filter] = []
    for name, value in raw.items():
        column = _column(table, name, "filters")
        if isinstance(value, list):
            found.append(engine.Filter(column, "in", value))
        elif isinstance(value, dict):
            raise Invalid({"filters": [_("A filter value cannot be an object.")]})
        else:
            found.append(engine.Filter(column, "eq", value))
    q = params.get("q")
    if isinstance(q, dict):
        for name, text in q.items():
            column = _column(table, name, "q")
            found.append(engine.Filter(column, "contains", str(text)))
    return found


def _sort(table: engine.Resource, value: Any) -> list[engine.Sort]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list):
        parts = [str(item) for item in value]
    else:
        raise Invalid({"sort": [_("Must be a text like “field desc, other”.")]})
    found: list[engine.Sort] = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        name, direction = text, "asc"
        words = text.rsplit(" ", 1)
        if len(words) == 2 and words[1].lower() in ("asc", "desc"):
            name, direction = words[0].strip(), words[1].lower()
        name = name.strip('"')
        column = _column(table, name, "sort")
        if column == ROW:
            if direction == "desc":
                raise Invalid({"sort": [_("“_id” can only be sorted ascending.")]})
            break  # row order is the last key of every sort anyway
        found.append(engine.Sort(column, direction == "desc"))
    return found


def _field_info(table: engine.Resource, names: list[str]) -> list[dict[str, Any]]:
    found = []
    for name in names:
        if name == ROW:
            found.append({"id": CKAN_ID, "type": "int"})
        else:
            found.append({"id": name, "type": CKAN_TYPES[table.by_name[name].type]})
    return found


def _delimited(rows: list[list[Any]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for row in rows:
        writer.writerow(safe_row("" if v is None else v for v in row))
    return out.getvalue()


def _link(request: HttpRequest, params: dict[str, Any], offset: int | None) -> str:
    query: dict[str, str] = {}
    for key, value in params.items():
        if key in ("offset",) or value in (None, ""):
            continue
        query[key] = value if isinstance(value, str) else json.dumps(value)
    if offset:
        query["offset"] = str(offset)
    path = reverse("ckan:action", kwargs={"name": "datastore_search"})
    return f"{path}?{urlencode(query)}"


def search(
    request: HttpRequest, viewer: Viewer, resource: Resource, params: dict[str, Any]
) -> dict[str, Any]:
    """CKAN's ``datastore_search`` over the current table of ``resource``."""
    table = _table(viewer, resource)
    records_format = str(params.get("records_format") or "objects")
    if records_format not in RECORDS_FORMATS:
        raise Invalid(
            {
                "records_format": [
                    _("Must be one of: %(formats)s.")
                    % {"formats": ", ".join(RECORDS_FORMATS)}
                ]
            }
        )
    limit = min(params_.integer(params, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    offset = params_.integer(params, "offset", 0)
    include_total = params_.boolean(params, "include_total", True)
    wanted = [
        _column(table, name, "fields")
        for name in _names(params.get("fields"), "fields")
    ]
    q = params.get("q")
    text = q.strip() if isinstance(q, str) else None
    query = engine.Query(
        filters=_filters(table, params),
        sort=_sort(table, params.get("sort")),
        fields=[n for n in wanted if n != ROW] or None,
        q=text or None,
        limit=max(limit, 1),
        count=include_total,
        offset=offset,
    )
    try:
        page = engine.query(table, query)
    except engine.QueryError as exc:
        raise Invalid({"query": [tables.message_of(exc)]}) from exc
    names = [c["name"] for c in page["columns"]]
    if wanted:
        names = [n for n in wanted if n in names]
    rows = page["rows"][:limit]
    values = [[row[name] for name in names] for row in rows]
    records: Any
    if records_format == "objects":
        records = [
            {(CKAN_ID if n == ROW else n): v for n, v in zip(names, row, strict=True)}
            for row in values
        ]
    elif records_format == "lists":
        records = values
    else:
        records = _delimited(values, "," if records_format == "csv" else "\t")
    result: dict[str, Any] = {
        "resource_id": str(resource.pk),
        "fields": _field_info(table, names),
        "records": records,
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "include_total": include_total,
        "_links": {
            "start": _link(request, params, None),
            "next": _link(request, params, offset + limit),
        },
    }
    for key in ("filters", "q", "sort"):
        if params.get(key) not in (None, ""):
            result[key] = params[key]
    if include_total:
        result["total"] = page["count"]
        result["total_was_estimated"] = False
    return result


def _quoted_identifiers(sql: str) -> list[tuple[int, int, str]]:
    """Positions and names of the double-quoted identifiers of ``sql``.

    String literals and comments are skipped, so a quoted name inside them
    is left alone.
    """
    found: list[tuple[int, int, str]] = []
    i, length = 0, len(sql)
    while i < length:
        char = sql[i]
        if char == "'":
            i += 1
            while i < length:
                if sql[i] == "'" and sql[i + 1 : i + 2] == "'":
                    i += 2
                elif sql[i] == "'":
                    break
                else:
                    i += 1
            i += 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = length if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = length if end < 0 else end + 2
        elif char == '"':
            start = i
            i += 1
            name: list[str] = []
            while i < length:
                if sql[i] == '"' and sql[i + 1 : i + 2] == '"':
                    name.append('"')
                    i += 2
                elif sql[i] == '"':
                    break
                else:
                    name.append(sql[i])
                    i += 1
            i += 1
            found.append((start, i, "".join(name)))
        else:
            i += 1
    return found


def table_reference(sql: str, viewer: Viewer) -> str:
    """The resource id the statement reads from (exactly one is allowed).

    Quoted numbers that are no resource ``viewer`` may see are column names
    to the sandbox; when none is, the answer is the same "Not found" for a
    hidden resource as for a missing one.
    """
    ids = {
        pk
        for _s, _e, name in _quoted_identifiers(sql)
        if (pk := id_from_text(name)) is not None
    }
    if not ids:
        raise Invalid(
            {
                "query": [
                    _(
                        "Name the table by its resource id in double quotes, "
                        'for example SELECT * FROM "42".'
                    )
                ],
                "info": {"statement": [sql]},
            }
        )
    visible = set(
        Resource.objects.filter(
            pk__in=ids, dataset__in=selectors.visible_datasets(viewer)
        ).values_list("pk", flat=True)
    )
    if not visible:
        raise NotFound(_("Resource was not found."))
    if len(visible) > 1:
        raise Invalid(
            {
                "query": [_("A query can read from one resource’s table only.")],
                "info": {"statement": [sql]},
            }
        )
    return str(visible.pop())


def _sandbox_sql(sql: str, reference: str) -> str:
    parts: list[str] = []
    position = 0
    for start, end, name in _quoted_identifiers(sql):
        if name == reference:
            parts.append(sql[position:start])
            parts.append("data")
            position = end
    parts.append(sql[position:])
    return "".join(parts)


def _value_type(values: list[Any]) -> str:
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float):
            return "numeric"
        return "text"
    return "text"


def search_sql(
    request: HttpRequest, viewer: Viewer, resource: Resource, sql: str
) -> dict[str, Any]:
    """CKAN's ``datastore_search_sql`` through the engine's SQL sandbox."""
    table = _table(viewer, resource)
    try:
        result = user_sql.run(request, table, _sandbox_sql(sql, str(resource.pk)))
    except (engine.errors.SqlClientBusyError, engine.errors.SqlBusyError) as exc:
        client = isinstance(exc, engine.errors.SqlClientBusyError)
        busy = TooManyRequests if client else Unavailable
        raise busy(tables.message_of(exc)) from exc
    except engine.QueryError as exc:
        info: dict[str, list[str]] = {"statement": [sql]}
        if exc.detail:
            info["detail"] = [exc.detail]
        raise Invalid({"query": [tables.message_of(exc)], "info": info}) from exc
    fields = []
    for index, name in enumerate(result.columns):
        column = table.by_name.get(name)
        if name == ROW:
            kind = "int"
        elif column is not None:
            kind = CKAN_TYPES[column.type]
        else:
            kind = _value_type([row[index] for row in result.rows])
        fields.append({"id": CKAN_ID if name == ROW else name, "type": kind})
    keys = [f["id"] for f in fields]
    return {
        "sql": sql,
        "fields": fields,
        "records": [dict(zip(keys, row, strict=True)) for row in result.rows],
        "records_truncated": result.truncated,
    }
