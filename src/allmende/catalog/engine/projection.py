"""Sorted projections: copies of a table version in one sort order.

A projection is written in the order the query engine sorts by one column:
that column in the requested direction with NULLs last, then ``_row``.  A
page sorted by that column, filtered only on columns the projection holds,
is then a scan in physical order that stops once the page is full, instead
of a top-N over every row.

A *wide* projection holds every column of the table (not the search text),
so the page is read from it directly.  A *narrow* one holds ``_row``, the
sort column and the facet columns (6 MB instead of 120 MB at a million rows
of the benchmark's data); it finds the page's ``_row`` values, and the rows
are then fetched from the table by ``_row``, which costs about 2 ms more per
page at a million rows.  Wide projections are built while the version's
projections take less than :data:`WIDE_BUDGET` times the table's own file,
narrow ones after that, so disk use stays bounded whatever people sort by
(at most about twice the table's file in all).

Projections are built on first use, never at ingest, and kept in the version
directory (``sorted/``).  A version's table never changes, so they cannot go
stale, and they are removed together with the version.  A build writes to a
temporary file under an exclusive file lock and renames it into place, so
other processes and threads either see a complete file or none and keep
answering through the general path meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import duckdb

from .infer import quote_ident

logger = logging.getLogger(__name__)

DIRECTORY = "sorted"
TABLE = "projection"
# Tables smaller than this are sorted fast enough by a top-N over all rows.
MIN_ROWS = 100_000
BUILD_THREADS = 2
BUILD_MEMORY_LIMIT = "256MB"
BATCH_ROWS = 122_880
# Wide projections of a version may take this many times the table's file.
WIDE_BUDGET = 1.0


def file_name(column: str, descending: bool) -> str:
    digest = hashlib.sha256(column.encode()).hexdigest()[:16]
    return f"{digest}-{'desc' if descending else 'asc'}.duckdb"


def wide_allowed(folder: Path, table_file: Path) -> bool:
    """Whether a new projection in ``folder`` may be wide (see the module
    documentation): the projections there take less than the budget."""
    used = 0
    if folder.exists():
        for path in folder.glob("*.duckdb"):
            with contextlib.suppress(OSError):
                used += path.stat().st_size
    try:
        budget = WIDE_BUDGET * table_file.stat().st_size
    except OSError:
        return False
    return used < budget


def order_by(column: str, descending: bool, row_id: str) -> str:
    """The engine's sort order for one key (see ``query._order_by``)."""
    direction = "DESC" if descending else "ASC"
    return f"{quote_ident(column)} {direction} NULLS LAST, {quote_ident(row_id)} ASC"


def build(
    source: duckdb.DuckDBPyConnection,
    target: Path,
    *,
    columns: list[tuple[str, str]],
    uncompressed: frozenset[str] = frozenset(),
    source_table: str,
    sort_column: str,
    descending: bool,
    row_id: str,
) -> bool:
    """Write the projection of ``source_table`` to ``target`` unless it exists
    (``True`` when this call wrote it).

    ``columns`` are ``(name, SQL type)`` pairs, ``row_id`` first; the columns
    in ``uncompressed`` (nearly unique text) are stored without compression,
    as in the table, because decoding a compressed segment of them for the
    few rows of a page costs milliseconds.  ``source``
    is a connection of the (read-only) table version; the rows are streamed
    from it in Arrow batches and sorted by a separate, writable DuckDB
    instance that may spill to a directory beside the projection.
    """
    target.parent.mkdir(exist_ok=True)
    lock_path = target.parent / f"{target.name}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return False  # built by another process or thread meanwhile
        # Only the holder of this lock writes this projection: a work folder
        # of it that is still there was left by a process that died building.
        for stale in target.parent.glob(f".tmp-{target.stem}-*"):
            _remove_tree(stale)
        work = target.parent / f".tmp-{target.stem}-{uuid.uuid4().hex}"
        work.mkdir()
        database = work / "projection.duckdb"
        try:
            names = ", ".join(quote_ident(name) for name, _ in columns)
            reader = source.sql(
                f"SELECT {names} FROM {source_table}"  # noqa: S608
            ).to_arrow_reader(BATCH_ROWS)
            writer = duckdb.connect(
                str(database),
                config={
                    "threads": BUILD_THREADS,
                    "memory_limit": BUILD_MEMORY_LIMIT,
                    "temp_directory": str(work / "spill"),
                    "preserve_insertion_order": True,
                },
            )
            try:
                schema = ", ".join(
                    f"{quote_ident(n)} {t}"
                    + (" USING COMPRESSION uncompressed" if n in uncompressed else "")
                    for n, t in columns
                )
                writer.execute(f"CREATE TABLE {TABLE} ({schema})")
                writer.register("source_rows", reader)
                # With insertion order preserved, the rows are stored in the
                # order of the ORDER BY, which later scans return them in.
                writer.execute(
                    f"INSERT INTO {TABLE} SELECT {names} FROM source_rows "  # noqa: S608
                    f"ORDER BY {order_by(sort_column, descending, row_id)}"
                )
                writer.execute("CHECKPOINT")
            finally:
                writer.close()
            os.replace(database, target)
            return True
        finally:
            _remove_tree(work)


def _remove_tree(folder: Path) -> None:
    for leftover in sorted(folder.rglob("*"), reverse=True):
        with contextlib.suppress(OSError):
            leftover.rmdir() if leftover.is_dir() else leftover.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def connect(path: Path, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True, config=config)


def held_columns(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the columns an opened projection holds, in table order."""
    found = connection.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [TABLE],
    ).fetchall()
    return [str(r[0]) for r in found]
