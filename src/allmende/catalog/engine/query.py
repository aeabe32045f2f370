"""Filtering, sorting, keyset pagination, facets and search over a resource.

Column names are only ever taken from the resource's own column list and
quoted; values are always bound as parameters.  Results are JSON-ready.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import errors, messages, projection
from .infer import quote_ident
from .options import ColumnType
from .resource import ROW_ID, SEARCH, TABLE, ColumnMeta, Resource

OPERATORS = frozenset(
    {"eq", "ne", "in", "lt", "lte", "gt", "gte", "contains", "isnull", "notnull"}
)
_COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
MAX_LIMIT = 1000
# Rows to skip at most; far beyond any table, and small enough that the
# offset plus a page stays a 64-bit integer.
MAX_OFFSET = 2**31 - 1
# DuckDB's BIGINT, the type of integer columns and of the row number.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# The largest row number a page token may name, leaving room for the page.
MAX_ROW = INT64_MAX - MAX_OFFSET - MAX_LIMIT - 1
MAX_IN_VALUES = 500
MAX_SEARCH_TERMS = 10
MAX_FACETS = 10
MAX_FACET_LIMIT = 100
TRUE_VALUES = frozenset({"true", "1", "ja", "yes", "wahr"})
FALSE_VALUES = frozenset({"false", "0", "nein", "no", "falsch"})


@dataclass(frozen=True)
class Filter:
    column: str
    op: str = "eq"
    value: Any = None


@dataclass(frozen=True)
class Sort:
    column: str
    descending: bool = False


@dataclass(frozen=True)
class Query:
    filters: Sequence[Filter] = ()
    sort: Sequence[Sort] = ()
    fields: Sequence[str] | None = None
    q: str | None = None
    limit: int = 50
    after: str | None = None
    count: bool = False
    facets: Sequence[str] = ()
    facet_limit: int = 10
    extra: dict[str, Any] = field(default_factory=dict)
    offset: int = 0  # rows to skip before the page (after ``after``, if given)
    # Answer single-key sorts from a sorted projection where one applies;
    # ``False`` always sorts the table itself (same results).
    projections: bool = True


def parse_params(params: Mapping[str, str | Sequence[str]]) -> Query:
    """Build a :class:`Query` from query-string style parameters.

    ``<column>__<op>=value`` filters (``eq`` when no operator is given; ``in``
    takes comma-separated values or repeated parameters), ``_sort=col,-col2``,
    ``_fields=a,b``, ``_q=text``, ``_size=50``, ``_next=token``,
    ``_count=1``, ``_facet=col`` (repeatable), ``_facet_size=10``.
    """

    def values(key: str) -> list[str]:
        raw = params.get(key)
        if raw is None:
            return []
        return [raw] if isinstance(raw, str) else list(raw)

    def first(key: str) -> str | None:
        found = values(key)
        return found[0] if found else None

    filters: list[Filter] = []
    for key in params:
        if key.startswith("_"):
            continue
        column, _, op = key.rpartition("__")
        if not column or op not in OPERATORS:
            column, op = key, "eq"
        given = values(key)
        if op == "in":
            items = [v for raw in given for v in raw.split(",")]
            filters.append(Filter(column, "in", items))
        elif op in ("isnull", "notnull"):
            filters.append(Filter(column, op))
        else:
            filters.extend(Filter(column, op, v) for v in given)
    sort = [
        Sort(part.lstrip("-"), part.startswith("-"))
        for raw in values("_sort")
        for part in raw.split(",")
        if part.strip("-")
    ]
    fields_raw = first("_fields")
    size = first("_size")
    try:
        limit = int(size) if size else 50
        facet_limit = int(first("_facet_size") or 10)
    except ValueError as exc:
        raise errors.QueryError(detail="_size") from exc
    return Query(
        filters=filters,
        sort=sort,
        fields=[f for f in fields_raw.split(",") if f] if fields_raw else None,
        q=first("_q"),
        limit=limit,
        after=first("_next"),
        count=first("_count") in ("1", "true", "yes"),
        facets=[f for raw in values("_facet") for f in raw.split(",") if f],
        facet_limit=facet_limit,
    )


# --- values ------------------------------------------------------------------


def _coerce(column: ColumnMeta, value: Any) -> Any:
    """Turn a filter value into a Python value of the column's type."""
    kind = column.type
    try:
        if value is None:
            raise ValueError
        if kind is ColumnType.INTEGER:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            whole = int(value)
            if not INT64_MIN <= whole <= INT64_MAX:
                raise ValueError
            return whole
        if kind is ColumnType.DECIMAL:
            number = (
                float(str(value).replace(",", "."))
                if isinstance(value, str)
                else float(value)
            )
            if not math.isfinite(number):
                raise ValueError
            return number
        if kind is ColumnType.BOOLEAN:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in TRUE_VALUES:
                return True
            if text in FALSE_VALUES:
                return False
            raise ValueError
        if kind is ColumnType.DATE:
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                return value
            return dt.date.fromisoformat(str(value))
        if kind is ColumnType.TIMESTAMP:
            if isinstance(value, dt.datetime):
                return value
            return dt.datetime.fromisoformat(str(value))
        if isinstance(value, dict | list):
            raise ValueError
        return str(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise errors.BadFilterError(
            value=str(value)[:100], type=kind.value, column=column.name
        ) from exc


def to_json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value)
    return value


# Types whose values DuckDB already returns in their JSON form (int, bool, str).
_JSON_READY = frozenset({ColumnType.INTEGER, ColumnType.BOOLEAN, ColumnType.TEXT})


def _json_rows(
    names: list[str], columns: list[ColumnMeta], rows: Sequence[Sequence[Any]]
) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts, converting only the columns that need it."""
    convert = [i for i, c in enumerate(columns) if c.type not in _JSON_READY]
    result = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        for i in convert:
            record[names[i]] = to_json_value(row[i])
        result.append(record)
    return result


# --- SQL building ---------------------------------------------------------------


class _Where:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "TRUE"

    def empty(self) -> bool:
        return not self.parts


def _where(resource: Resource, filters: Iterable[Filter], q: str | None) -> _Where:
    where = _Where()
    for item in filters:
        if item.op not in OPERATORS:
            raise errors.QueryError(
                messages.UNKNOWN_OPERATOR, operator=str(item.op)[:30]
            )
        column = resource.column(item.column)
        ident = quote_ident(column.name)
        if item.op == "isnull":
            where.add(f"{ident} IS NULL")
        elif item.op == "notnull":
            where.add(f"{ident} IS NOT NULL")
        elif item.op == "contains":
            text = str(item.value if item.value is not None else "").lower()
            if column.type is ColumnType.TEXT:
                if resource.has_search:
                    # Cheap pre-filter on the stored lower-case search text.
                    where.add(f"contains({SEARCH}, ?)", text)
                where.add(f"contains(lower({ident}), ?)", text)
            else:
                where.add(f"contains(lower(CAST({ident} AS VARCHAR)), ?)", text)
        elif item.op == "in":
            raw = (
                item.value
                if isinstance(item.value, list | tuple | set)
                else [item.value]
            )
            items = [_coerce(column, v) for v in list(raw)[:MAX_IN_VALUES]]
            if not items:
                where.add("FALSE")
                continue
            marks = ", ".join(f"CAST(? AS {column.type.sql})" for _ in items)
            where.add(f"{ident} IN ({marks})", *items)
        else:
            value = _coerce(column, item.value)
            where.add(
                f"{ident} {_COMPARISONS[item.op]} CAST(? AS {column.type.sql})", value
            )
    terms = (q or "").lower().split()[:MAX_SEARCH_TERMS]
    if terms:
        if not resource.has_search:
            where.add("FALSE")
        for term in terms:
            where.add(f"contains({SEARCH}, ?)", term)
    return where


def _sort_keys(
    resource: Resource, sort: Sequence[Sort]
) -> list[tuple[ColumnMeta, bool]]:
    keys: list[tuple[ColumnMeta, bool]] = []
    seen: set[str] = set()
    for item in sort[:5]:
        column = resource.column(item.column)
        if column.name in seen:
            continue
        seen.add(column.name)
        if column.name == ROW_ID:
            break
        keys.append((column, bool(item.descending)))
    return keys


def _signature(keys: list[tuple[ColumnMeta, bool]]) -> str:
    spec = json.dumps([[c.name, d] for c, d in keys])
    return hashlib.sha256(spec.encode()).hexdigest()[:12]


def _encode_token(
    keys: list[tuple[ColumnMeta, bool]], last: Sequence[Any], row: int
) -> str:
    payload = {"s": _signature(keys), "v": [to_json_value(v) for v in last], "r": row}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(
    token: str, keys: list[tuple[ColumnMeta, bool]]
) -> tuple[list[Any], int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if payload["s"] != _signature(keys) or len(payload["v"]) != len(keys):
            raise ValueError
        row = int(payload["r"])
        if not 0 <= row <= MAX_ROW:
            raise ValueError
        values = [
            None if v is None else _coerce(column, v)
            for (column, _), v in zip(keys, payload["v"], strict=True)
        ]
    except (ValueError, KeyError, TypeError, binascii.Error, errors.QueryError) as exc:
        raise errors.BadPageTokenError() from exc
    return values, row


@dataclass
class _After:
    """Keyset condition for rows after a page token, split by whether the first
    sort key is NULL (those rows come last)."""

    non_null: str = "TRUE"
    non_null_params: list[Any] = field(default_factory=list)
    null: str | None = None
    null_params: list[Any] = field(default_factory=list)


def _rest(
    keys: list[tuple[ColumnMeta, bool]], last: list[Any], row: int
) -> tuple[str, list[Any]]:
    """Rows after ``(last, row)`` among rows equal on all earlier keys."""
    if not keys:
        return f"{ROW_ID} > ?", [row]
    (column, descending), value = keys[0], last[0]
    inner, params = _rest(keys[1:], last[1:], row)
    ident = quote_ident(column.name)
    if value is None:
        return f"({ident} IS NULL AND {inner})", params
    cast = f"CAST(? AS {column.type.sql})"
    inclusive, strict = ("<=", "<") if descending else (">=", ">")
    sql = (
        f"({ident} IS NULL OR ({ident} {inclusive} {cast} "
        f"AND ({ident} {strict} {cast} OR {inner})))"
    )
    return sql, [value, value, *params]


def _keyset(keys: list[tuple[ColumnMeta, bool]], last: list[Any], row: int) -> _After:
    """Rows strictly after ``(last, row)`` in ``ORDER BY col NULLS LAST, …, _row``.

    Written as a range on the first key plus a narrower condition, so DuckDB
    can push the range into the scan instead of evaluating OR-chains.
    """
    (first, descending), value = keys[0], last[0]
    rest, params = _rest(keys[1:], last[1:], row)
    ident = quote_ident(first.name)
    if value is None:
        return _After(
            non_null="FALSE", null=f"({ident} IS NULL AND {rest})", null_params=params
        )
    cast = f"CAST(? AS {first.type.sql})"
    inclusive, strict = ("<=", "<") if descending else (">=", ">")
    return _After(
        non_null=f"{ident} {inclusive} {cast} AND ({ident} {strict} {cast} OR {rest})",
        non_null_params=[value, value, *params],
        null=f"{ident} IS NULL",
    )


def _order_by(keys: list[tuple[ColumnMeta, bool]]) -> str:
    parts = []
    for column, descending in keys:
        ident = quote_ident(column.name)
        parts.append(f"{ident} {'DESC' if descending else 'ASC'} NULLS LAST")
    parts.append(f"{ROW_ID} ASC")
    return ", ".join(parts)


# --- public API -----------------------------------------------------------------


def query(
    resource: Resource, request: Query | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Run a table query and return ``{"rows", "next", "count", "facets", ...}``.

    ``request`` is a :class:`Query`; keyword arguments are accepted as a
    shortcut (``query(resource, filters=[...], limit=20)``).
    """
    request = request or Query(**kwargs)
    if not 1 <= int(request.limit) <= MAX_LIMIT:
        raise errors.QueryError(messages.LIMIT_OUT_OF_RANGE, limit=MAX_LIMIT)
    if not 0 <= int(request.offset) <= MAX_OFFSET:
        raise errors.QueryError(messages.OFFSET_OUT_OF_RANGE, limit=MAX_OFFSET)
    fields = _fields(resource, request.fields)
    where = _where(resource, request.filters, request.q)
    base_where = _Where()
    base_where.parts, base_where.params = list(where.parts), list(where.params)
    keys = _sort_keys(resource, request.sort)
    after = _After()
    row = 0
    if request.after:
        last, row = _decode_token(request.after, keys)
        if keys:
            after = _keyset(keys, last, row)
        else:
            where.add(f"{ROW_ID} > ?", row)
    cursor = resource.cursor()
    limit = int(request.limit)
    order = _order_by(keys)
    select = ", ".join(quote_ident(name) for name in [ROW_ID, *fields])
    offset = max(0, int(request.offset))
    if keys:
        wanted = offset + limit + 1
        chosen = _projection_cursor(resource, keys, request)
        # A wide projection holds the page's fields: read them with the keys.
        extra = fields if chosen is not None and set(fields) <= chosen[1] else []
        if chosen is not None:
            # Same conditions on a copy stored in sort order: read in
            # physical order, the scan stops once the page is full.
            found = _sorted_keys(
                chosen[0], keys, where, after, None, wanted, projection.TABLE, extra
            )
        else:
            found = _sorted_keys(cursor, keys, where, after, order, wanted, TABLE)
        found = found[offset:]
        page_keys = found[:limit]
        if extra:
            rows = [(r[0], *r[1 + len(keys) :]) for r in page_keys]
        else:
            rows_by_id: dict[int, tuple[Any, ...]] = {}
            if page_keys:
                ids = [int(r[0]) for r in page_keys]
                id_list = ", ".join(str(i) for i in ids)  # integers from our table
                for fetched in cursor.execute(
                    f"SELECT {select} FROM {TABLE} WHERE {ROW_ID} IN ({id_list})"  # noqa: S608
                ).fetchall():
                    rows_by_id[int(fetched[0])] = fetched
            rows = [rows_by_id[int(r[0])] for r in page_keys]
        more = len(found) > limit
        last_key = page_keys[-1] if page_keys else None
        next_token = (
            _encode_token(keys, list(last_key[1 : 1 + len(keys)]), int(last_key[0]))
            if more and last_key is not None
            else None
        )
    else:
        # A page in file order, which is also the physical order.
        if base_where.empty():
            # Rows are numbered without gaps: an unfiltered page is a range of
            # ``_row`` that the scan finds through the row groups' min/max
            # statistics.
            start = (row if request.after else resource.first_row() - 1) + offset
            sql = f"SELECT {select} FROM {TABLE} WHERE {ROW_ID} > ? AND {ROW_ID} <= ?"  # noqa: S608
            params = [start, start + limit + 1]
        else:
            # DuckDB keeps insertion order for queries without ORDER BY: the
            # scan stops after the page.  It reads the other columns only for
            # the rows that pass the filters, which costs less than finding
            # the ``_row`` values first and fetching the rows by them.
            sql = (
                f"SELECT {select} FROM {TABLE} WHERE {where.sql()} "  # noqa: S608
                f"LIMIT {limit + 1}" + (f" OFFSET {offset}" if offset else "")
            )
            params = where.params
        # Sorted here: an ORDER BY in DuckDB costs more than the page (0.3-0.6
        # ms for its extra pipeline at 1M rows).
        rows = sorted(cursor.execute(sql, params).fetchall(), key=lambda r: int(r[0]))
        more = len(rows) > limit
        rows = rows[:limit]
        next_token = (
            _encode_token(keys, [], int(rows[-1][0])) if more and rows else None
        )
    names = [ROW_ID, *fields]
    metas = [resource.column(name) for name in names]
    result: dict[str, Any] = {
        "columns": [{"name": c.name, "type": c.type.value} for c in metas],
        "rows": _json_rows(names, metas, rows),
        "next": next_token,
    }
    if request.count:
        known = _known_count(resource, request.filters, request.q)
        result["count"] = known if known is not None else count(resource, base_where)
    if request.facets:
        result["facets"] = {
            name: facet(resource, name, base_where, request.facet_limit)
            for name in list(dict.fromkeys(request.facets))[:MAX_FACETS]
        }
    return result


def _projection_cursor(
    resource: Resource, keys: list[tuple[ColumnMeta, bool]], request: Query
) -> tuple[Any, set[str]] | None:
    """A cursor on the sorted projection that can answer this query and the
    columns it holds, or ``None``: one sort key, filters only on columns the
    projection holds (no ``contains``), no full-text search."""
    if not request.projections or len(keys) != 1 or (request.q or "").split():
        return None
    column, descending = keys[0]
    filtered = {resource.column(item.column).name for item in request.filters}
    if any(item.op == "contains" for item in request.filters):
        return None
    if not filtered <= set(resource.projection_columns(column.name, descending)):
        return None
    cursor = resource.projection_cursor(column.name, descending)
    if cursor is None:
        return None
    # The file may be of the other kind than planned (built by another process).
    held = set(resource.projection_columns(column.name, descending))
    return (cursor, held) if filtered <= held else None


def _sorted_keys(
    cursor: Any,
    keys: list[tuple[ColumnMeta, bool]],
    where: _Where,
    after: _After,
    order: str | None,
    wanted: int,
    table: str,
    extra: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """``_row`` and sort values of the next ``wanted`` rows in sort order,
    followed by the ``extra`` columns.

    With ``order``, one top-N over the rows whose first key is not NULL
    (DuckDB pushes the running N-th value into the scan as a filter).  Without
    it, ``table`` is stored in sort order and the rows are read in physical
    order (DuckDB keeps insertion order for queries without ORDER BY), so the
    scan stops after ``wanted`` rows.  Rows with NULL in the first key come
    last and are read only when the page is not yet full.
    """
    first, _descending = keys[0]
    ident = quote_ident(first.name)
    key_select = ", ".join(
        [ROW_ID, *(quote_ident(c.name) for c, _ in keys), *map(quote_ident, extra)]
    )
    order_sql = f"ORDER BY {order} " if order else ""
    found: list[tuple[Any, ...]] = []
    if after.non_null != "FALSE":
        found = cursor.execute(
            f"SELECT {key_select} FROM {table} "  # noqa: S608
            f"WHERE {where.sql()} AND {ident} IS NOT NULL AND {after.non_null} "
            f"{order_sql}LIMIT {wanted}",
            [*where.params, *after.non_null_params],
        ).fetchall()
    if len(found) < wanted:
        null_condition = after.null or f"{ident} IS NULL"
        found += cursor.execute(
            f"SELECT {key_select} FROM {table} "  # noqa: S608
            f"WHERE {where.sql()} AND {null_condition} "
            f"{order_sql}LIMIT {wanted - len(found)}",
            [*where.params, *after.null_params],
        ).fetchall()
    return found


def _fields(resource: Resource, fields: Sequence[str] | None) -> list[str]:
    if not fields:
        return [c.name for c in resource.columns]
    chosen: list[str] = []
    for name in fields:
        column = resource.column(name)
        if column.name != ROW_ID and column.name not in chosen:
            chosen.append(column.name)
    return chosen


# Types whose facet values (DuckDB's text form) can be matched exactly.
_KNOWN_COUNT_TYPES = (ColumnType.TEXT, ColumnType.INTEGER, ColumnType.BOOLEAN)


def _facet_key(column: ColumnMeta, value: Any) -> str:
    if column.type is ColumnType.BOOLEAN:
        return "true" if value else "false"
    return str(value)


def _known_count(
    resource: Resource, filters: Sequence[Filter], q: str | None
) -> int | None:
    """The count of a single-filter query from figures computed at ingest:
    the null count of each column and the per-value counts of facet columns.
    ``None`` when the query needs counting."""
    if (q or "").split() or len(filters) != 1:
        return None
    item = filters[0]
    column = resource.column(item.column)
    if column.name not in resource.null_counts:
        return None
    nulls = resource.null_counts[column.name]
    if item.op == "isnull":
        return nulls
    if item.op == "notnull":
        return resource.row_count - nulls
    if item.op not in ("eq", "in") or not column.facet:
        return None
    if column.type not in _KNOWN_COUNT_TYPES:
        return None
    values = resource.facet_counts().get(column.name)
    if values is None:
        return None
    raw = item.value if item.op == "in" else [item.value]
    if not isinstance(raw, list | tuple | set):
        raw = [raw]
    keys = {_facet_key(column, _coerce(column, v)) for v in list(raw)[:MAX_IN_VALUES]}
    return sum(values.get(key, 0) for key in keys)


def count(resource: Resource, where: _Where | None = None) -> int:
    if where is None or where.empty():
        return resource.row_count
    row = (
        resource.cursor()
        .execute(f"SELECT count(*) FROM {TABLE} WHERE {where.sql()}", where.params)  # noqa: S608
        .fetchone()
    )
    return int(row[0]) if row else 0


def facet(
    resource: Resource, name: str, where: _Where | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """Most frequent values of a column (NULLs left out), with counts."""
    column = resource.column(name)
    limit = max(1, min(int(limit), MAX_FACET_LIMIT))
    cursor = resource.cursor()
    if (where is None or where.empty()) and column.facet:
        stored = cursor.execute(
            "SELECT value, n FROM _facets WHERE column_name = ? "
            "ORDER BY n DESC, value LIMIT ?",
            [column.name, limit],
        ).fetchall()
        return [{"value": _facet_value(column, v), "count": int(n)} for v, n in stored]
    ident = quote_ident(column.name)
    where = where or _Where()
    found = cursor.execute(
        f"SELECT {ident}, count(*) AS n FROM {TABLE} WHERE {where.sql()} "  # noqa: S608
        f"AND {ident} IS NOT NULL GROUP BY {ident} "
        f"ORDER BY n DESC, {ident} LIMIT {limit}",
        where.params,
    ).fetchall()
    return [{"value": to_json_value(v), "count": int(n)} for v, n in found]


def _facet_value(column: ColumnMeta, text: str) -> Any:
    if column.type is ColumnType.INTEGER:
        return int(text)
    if column.type is ColumnType.DECIMAL:
        return float(text)
    if column.type is ColumnType.BOOLEAN:
        return text == "true"
    return text
