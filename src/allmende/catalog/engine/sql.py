"""Read-only SQL over one resource.

The query runs on a fresh cursor of the resource's database, which is opened
read-only with external access (files, network) disabled, extension installing
and loading switched off, no spilling to disk, a memory limit, and the
configuration locked (see :mod:`allmende.catalog.engine.resource`).  Only a
single ``SELECT`` statement is accepted, checked with DuckDB's own parser, and
its syntax tree may name no catalog function, table or setting that would tell
about the server (``duckdb_*``, ``pragma_*``, ``current_setting()``, ...) and
only table functions that generate values.  A timer interrupts queries that
run too long; DuckDB checks it between vectors only, so user SQL runs in a
worker process that the operating system limits (see :mod:`.sandbox`).

The table is exposed as ``data`` (all columns plus ``_row``, the row number in
the source file).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from . import errors, messages
from .query import to_json_value
from .resource import QUERY_MEMORY_LIMIT, Resource


@dataclass(frozen=True)
class SqlLimits:
    """Per-query limits.  Memory is bounded by the resource's database
    (``resource.QUERY_MEMORY_LIMIT``, no spilling to disk); a query that needs
    more fails with :class:`errors.SqlMemoryError`."""

    timeout_seconds: float = 5.0
    max_rows: int = 1_000
    max_sql_chars: int = 20_000
    # Bytes of the answer as JSON; a larger answer is refused, not cut.
    max_result_bytes: int = 10_000_000


@dataclass(frozen=True)
class SqlResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


_FORBIDDEN_HINTS = (
    "external access",
    "permission",
    "disabled by configuration",
    "not allowed",
    "cannot change",
    "locked",
)


def check_statement(sql: str, limits: SqlLimits | None = None) -> None:
    """Refuse anything but exactly one SELECT statement."""
    limits = limits or SqlLimits()
    if not sql or not sql.strip() or not sql.strip().strip(";").strip():
        raise errors.SqlSyntaxError(messages.SQL_EMPTY)
    if len(sql) > limits.max_sql_chars:
        raise errors.SqlSyntaxError(messages.SQL_TOO_LONG, limit=limits.max_sql_chars)
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise errors.SqlSyntaxError(detail=_first_line(exc)) from exc
    if len(statements) != 1:
        raise errors.SqlNotAllowedError(
            messages.SQL_ONE_STATEMENT, count=len(statements)
        )
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise errors.SqlNotAllowedError(kind=str(kind.name))
    _check_names(sql)


# Table functions that only generate values; every other one reads files,
# the network or the server's catalog and settings.
_TABLE_FUNCTIONS = frozenset(
    {"range", "generate_series", "unnest", "json_each", "json_tree"}
)
# Functions and tables that reveal the server's settings, paths or catalog,
# or run SQL given as text (past this check).
_FORBIDDEN_FUNCTIONS = frozenset(
    {"current_setting", "getvariable", "query", "query_table", "which_secret"}
)
_FORBIDDEN_PREFIXES = ("duckdb_", "pragma_", "pg_", "sqlite_")
_FORBIDDEN_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
_FORBIDDEN_CATALOGS = frozenset({"system", "temp"})
_parser_lock = threading.Lock()
_parser: duckdb.DuckDBPyConnection | None = None


def _syntax_tree(sql: str) -> dict[str, Any]:
    global _parser  # noqa: PLW0603
    with _parser_lock:
        if _parser is None:
            _parser = duckdb.connect(
                ":memory:",
                config={"enable_external_access": False, "threads": 1},
            )
        row = _parser.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    try:
        tree: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    except RecursionError as exc:
        raise errors.SqlSyntaxError(detail="nested too deeply") from exc
    if tree.get("error"):
        raise errors.SqlSyntaxError(detail=str(tree.get("error_message", ""))[:300])
    return tree


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    # Without recursion: the parser allows expressions 1,000 levels deep.
    pending = [tree]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            yield value
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def _check_names(sql: str) -> None:
    """Refuse functions and tables that would tell about the server."""
    for node in _nodes(_syntax_tree(sql)):
        if node.get("type") == "TABLE_FUNCTION":
            name = str((node.get("function") or {}).get("function_name", "")).lower()
            if name not in _TABLE_FUNCTIONS:
                raise errors.SqlForbiddenAccessError()
        elif node.get("class") == "FUNCTION":
            name = str(node.get("function_name", "")).lower()
            if name in _FORBIDDEN_FUNCTIONS or name.startswith(_FORBIDDEN_PREFIXES):
                raise errors.SqlForbiddenAccessError()
        elif node.get("type") == "BASE_TABLE":
            name = str(node.get("table_name", "")).lower()
            if (
                name.startswith(_FORBIDDEN_PREFIXES)
                or str(node.get("schema_name", "")).lower() in _FORBIDDEN_SCHEMAS
                or str(node.get("catalog_name", "")).lower() in _FORBIDDEN_CATALOGS
            ):
                raise errors.SqlForbiddenAccessError()


def run_sql(
    resource: Resource, sql: str, *, limits: SqlLimits | None = None
) -> SqlResult:
    """Run one read-only SELECT against the table ``data`` of ``resource``."""
    limits = limits or SqlLimits()
    check_statement(sql, limits)
    con = resource.new_cursor()
    timed_out = threading.Event()

    def interrupt() -> None:
        timed_out.set()
        con.interrupt()

    timer = threading.Timer(limits.timeout_seconds, interrupt)
    timer.daemon = True
    timer.start()
    try:
        result = con.execute(sql)
        columns = [d[0] for d in result.description or []]
        rows, truncated = _fetch(result, limits)
    except MemoryError as exc:
        raise errors.SqlMemoryError(limit=QUERY_MEMORY_LIMIT) from exc
    except duckdb.InterruptException as exc:
        raise errors.SqlTimeoutError(seconds=limits.timeout_seconds) from exc
    except duckdb.OutOfMemoryException as exc:
        raise errors.SqlMemoryError(limit=QUERY_MEMORY_LIMIT) from exc
    except (duckdb.PermissionException, duckdb.IOException) as exc:
        raise errors.SqlForbiddenAccessError() from exc
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise errors.SqlTimeoutError(seconds=limits.timeout_seconds) from exc
        text = str(exc).lower()
        if any(hint in text for hint in _FORBIDDEN_HINTS):
            raise errors.SqlForbiddenAccessError() from exc
        if "out of memory" in text or "memory limit" in text:
            raise errors.SqlMemoryError(limit=QUERY_MEMORY_LIMIT) from exc
        raise errors.SqlError(detail=_first_line(exc)) from exc
    finally:
        timer.cancel()
        con.close()
    if timed_out.is_set():
        raise errors.SqlTimeoutError(seconds=limits.timeout_seconds)
    return SqlResult(columns=columns, rows=rows, truncated=truncated)


def _fetch(
    result: duckdb.DuckDBPyConnection, limits: SqlLimits
) -> tuple[list[list[Any]], bool]:
    """At most ``max_rows`` rows, fetched in small batches so that an answer
    over ``max_result_bytes`` (counted as JSON) stops early."""
    rows: list[list[Any]] = []
    size = 0
    while len(rows) <= limits.max_rows:
        batch = result.fetchmany(min(100, limits.max_rows + 1 - len(rows)))
        if not batch:
            break
        for raw in batch:
            row = [to_json_value(v) for v in raw]
            size += len(json.dumps(row, default=str))
            if size > limits.max_result_bytes:
                raise errors.SqlResultTooLargeError(limit=limits.max_result_bytes)
            rows.append(row)
    truncated = len(rows) > limits.max_rows
    return rows[: limits.max_rows], truncated


def _first_line(exc: BaseException) -> str:
    return (
        str(exc).strip().splitlines()[0][:300]
        if str(exc).strip()
        else type(exc).__name__
    )
