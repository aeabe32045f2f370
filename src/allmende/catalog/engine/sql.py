"""Read-only SQL over one resource.

The query runs on a fresh cursor of the resource's database, which is opened
read-only with external access (files, network) disabled, extension installing
and loading switched off, no spilling to disk, a memory limit, and the
configuration locked (see :mod:`allmende.catalog.engine.resource`).  Only a
single ``SELECT`` statement is accepted, checked with DuckDB's own parser.  A
timer interrupts queries that run too long.

The table is exposed as ``data`` (all columns plus ``_row``, the row number in
the source file).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import duckdb

from . import errors, messages
from .query import to_json_value
from .resource import Resource


@dataclass(frozen=True)
class SqlLimits:
    """Per-query limits.  Memory is bounded by the resource's database
    (``resource.QUERY_MEMORY_LIMIT``, no spilling to disk); a query that needs
    more fails with :class:`errors.SqlMemoryError`."""

    timeout_seconds: float = 5.0
    max_rows: int = 1_000
    max_sql_chars: int = 20_000


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
        fetched = result.fetchmany(limits.max_rows + 1)
    except duckdb.InterruptException as exc:
        raise errors.SqlTimeoutError(seconds=limits.timeout_seconds) from exc
    except duckdb.OutOfMemoryException as exc:
        raise errors.SqlMemoryError() from exc
    except (duckdb.PermissionException, duckdb.IOException) as exc:
        raise errors.SqlForbiddenAccessError() from exc
    except duckdb.Error as exc:
        if timed_out.is_set():
            raise errors.SqlTimeoutError(seconds=limits.timeout_seconds) from exc
        text = str(exc).lower()
        if any(hint in text for hint in _FORBIDDEN_HINTS):
            raise errors.SqlForbiddenAccessError() from exc
        if "out of memory" in text or "memory limit" in text:
            raise errors.SqlMemoryError() from exc
        raise errors.SqlError(detail=_first_line(exc)) from exc
    finally:
        timer.cancel()
        con.close()
    if timed_out.is_set():
        raise errors.SqlTimeoutError(seconds=limits.timeout_seconds)
    truncated = len(fetched) > limits.max_rows
    rows = [[to_json_value(v) for v in row] for row in fetched[: limits.max_rows]]
    return SqlResult(columns=columns, rows=rows, truncated=truncated)


def _first_line(exc: BaseException) -> str:
    return (
        str(exc).strip().splitlines()[0][:300]
        if str(exc).strip()
        else type(exc).__name__
    )
