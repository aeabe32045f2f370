"""Read access to an ingested resource, with one cached connection per process."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from . import errors, projection, storage
from .options import ColumnType

logger = logging.getLogger(__name__)

# Sorted projections are built one at a time per process (see
# ``Resource._build_projection``).
_BUILD_SLOT = threading.Lock()

ROW_ID = "_row"
SEARCH = "_search"
TABLE = "rows"
PUBLIC_VIEW = "data"
QUERY_MEMORY_LIMIT = "256MB"
QUERY_THREADS = 2
# Settings of every connection a request uses (see ``Resource.__init__``).
_READ_CONFIG: dict[str, Any] = {
    "threads": QUERY_THREADS,
    "memory_limit": QUERY_MEMORY_LIMIT,
    # The same locked-down settings serve the SQL sandbox, which shares this
    # database instance (DuckDB allows one configuration per file and process).
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "max_temp_directory_size": "0KiB",
    "lock_configuration": True,
}


# Column names read as coordinates, by axis.
COORDINATE_NAMES = {
    "lon": "lon",
    "lng": "lon",
    "long": "lon",
    "longitude": "lon",
    "länge": "lon",
    "laenge": "lon",
    "lat": "lat",
    "latitude": "lat",
    "breite": "lat",
}


@dataclass(frozen=True)
class ColumnMeta:
    name: str
    type: ColumnType
    facet: bool


class Resource:
    """One loaded version of a resource.  Obtain with :meth:`open`."""

    # Open tables of this process, the least recently used first; at most
    # ``max_open``, and a table pushed out is closed.
    _cache: OrderedDict[Path, Resource] = OrderedDict()
    _lock = threading.Lock()
    max_open = 32

    def __init__(self, paths: storage.ResourcePaths) -> None:
        self.paths = paths
        meta = json.loads(paths.meta.read_text(encoding="utf-8"))
        self.meta: dict[str, Any] = meta
        self.columns = [
            ColumnMeta(name=c["name"], type=ColumnType(c["type"]), facet=c["facet"])
            for c in meta["columns"]
        ]
        self.by_name = {c.name: c for c in self.columns}
        self.row_count: int = meta["row_count"]
        self.geometry_column: str | None = meta.get("geometry_column")
        self.has_search = any(c.type is ColumnType.TEXT for c in self.columns)
        self.null_counts: dict[str, int] = {
            c["name"]: int(c.get("null_count") or 0) for c in meta["columns"]
        }
        self._facet_counts: dict[str, dict[str, int]] | None = None
        self._first_row: int | None = None
        self._connection = duckdb.connect(
            str(paths.database), read_only=True, config=dict(_READ_CONFIG)
        )
        # Sorted projections by (column, descending); None when unavailable.
        self._projections: dict[tuple[str, bool], duckdb.DuckDBPyConnection | None] = {}
        self._projection_lock = threading.Lock()
        # Projection builds running in the background, by (column, descending).
        self._building: dict[tuple[str, bool], threading.Thread] = {}
        self._closed = False
        # Columns of each opened projection (wide or narrow, see projection).
        self._projection_held: dict[tuple[str, bool], list[str]] = {}
        self._local = threading.local()

    @classmethod
    def open(cls, dest_dir: Path) -> Resource:
        """The currently published version of the resource in ``dest_dir``.

        Connections are cached per process and version (see ``max_open``);
        after a new ingest the next call opens the new version.
        """
        paths = storage.current_paths(dest_dir)
        key = paths.version_dir.resolve()
        evicted: list[Resource] = []
        with cls._lock:
            resource = cls._cache.get(key)
            if resource is not None:
                cls._cache.move_to_end(key)
                return resource
            if not paths.database.exists():
                raise errors.ResourceNotReadyError()
            resource = cls(paths)
            # An older build of the same version is not asked for again; it
            # is dropped but not closed, since a request may still read it.
            for old in [k for k in cls._cache if k.parent == key.parent]:
                cls._cache.pop(old)
            cls._cache[key] = resource
            while len(cls._cache) > max(1, cls.max_open):
                evicted.append(cls._cache.popitem(last=False)[1])
        for old_resource in evicted:
            old_resource.close()
        return resource

    @classmethod
    def forget(cls, folder: Path) -> None:
        """Close the open tables whose files lie under ``folder`` (deleted)."""
        folder = folder.resolve()
        with cls._lock:
            gone = [k for k in cls._cache if k.is_relative_to(folder)]
            closing = [cls._cache.pop(k) for k in gone]
        for resource in closing:
            resource.close()

    @classmethod
    def open_count(cls) -> int:
        return len(cls._cache)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for the calling thread (DuckDB cursors are not shared)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._connection.cursor()
            self._local.cursor = cursor
        return cursor

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """A fresh connection to the database, to be closed by the caller."""
        return self._connection.cursor()

    def projection_columns(self, sort_column: str, descending: bool) -> list[str]:
        """Columns the sorted projection by ``sort_column`` holds: those of
        the one already built, else those a build would write now."""
        key = (sort_column, descending)
        held = self._projection_held.get(key)
        if held is not None:
            return held
        if self.row_count < projection.MIN_ROWS or (
            key in self._projections and self._projections[key] is None
        ):
            return []  # no projection: too small, or its build failed
        path = self._projection_path(sort_column, descending)
        if path.exists() or projection.wide_allowed(path.parent, self.paths.database):
            # An existing file is opened (and its columns read) on first use;
            # until then assume the wide kind, the one built first.
            return self._wide_columns()
        return self._narrow_columns(sort_column)

    def _wide_columns(self) -> list[str]:
        return [ROW_ID, *(c.name for c in self.columns)]

    def _narrow_columns(self, sort_column: str) -> list[str]:
        names = [ROW_ID, sort_column]
        names += [c.name for c in self.columns if c.facet and c.name != sort_column]
        return names

    def _projection_path(self, sort_column: str, descending: bool) -> Path:
        return (
            self.paths.version_dir
            / projection.DIRECTORY
            / projection.file_name(sort_column, descending)
        )

    def projection_cursor(
        self, sort_column: str, descending: bool
    ) -> duckdb.DuckDBPyConnection | None:
        """A cursor on the sorted projection by ``sort_column`` (table
        ``projection``), or ``None`` (the caller then sorts the table itself):
        when the table is too small to need one, while it is being built, or
        when it cannot be built.

        The first request for a projection starts its build in a background
        thread and is answered without it: a build takes about a second at a
        million rows and ten times that at ten million, too long to keep a
        request waiting.
        """
        if self.row_count < projection.MIN_ROWS:
            return None
        key = (sort_column, descending)
        cursors: dict[tuple[str, bool], duckdb.DuckDBPyConnection] | None = getattr(
            self._local, "projections", None
        )
        if cursors is None:
            cursors = self._local.projections = {}
        cursor = cursors.get(key)
        if cursor is not None:
            return cursor
        with self._projection_lock:
            if self._closed:
                return None
            if key not in self._projections:
                if not self._projection_path(*key).exists():
                    if key not in self._building:
                        self._start_build(key)
                    return None
                self._projections[key] = self._connect_projection(key)
            connection = self._projections[key]
        if connection is None:
            return None
        cursor = cursors[key] = connection.cursor()
        return cursor

    def wait_for_projections(self, timeout: float | None = None) -> bool:
        """Wait for the projection builds running in the background; whether
        there were any.  For tests and benchmarks: requests never wait."""
        with self._projection_lock:
            running = list(self._building.values())
        for thread in running:
            thread.join(timeout)
        return bool(running)

    def _start_build(self, key: tuple[str, bool]) -> None:
        thread = threading.Thread(
            target=self._build_projection,
            args=key,
            name=f"projection-{self.paths.version_dir.name}",
            daemon=True,
        )
        self._building[key] = thread
        thread.start()

    def _build_projection(self, sort_column: str, descending: bool) -> None:
        key = (sort_column, descending)
        path = self._projection_path(sort_column, descending)
        connection = None
        try:
            # One build at a time per process: each needs up to its own
            # memory limit, and the disk budget is judged on finished files.
            with _BUILD_SLOT:
                wide = projection.wide_allowed(path.parent, self.paths.database)
                names = (
                    self._wide_columns() if wide else self._narrow_columns(sort_column)
                )
                source = self.new_cursor()
                try:
                    projection.build(
                        source,
                        path,
                        columns=[(n, self.column(n).type.sql) for n in names],
                        uncompressed=frozenset(
                            c.name
                            for c in self.columns
                            if c.type is ColumnType.TEXT and not c.facet
                        ),
                        source_table=TABLE,
                        sort_column=sort_column,
                        descending=descending,
                        row_id=ROW_ID,
                    )
                finally:
                    source.close()
            connection = self._connect_projection(key)
        except Exception:
            # A background thread: log, and keep answering from the table.
            logger.exception("Sorted projection %s could not be built", path)
        finally:
            with self._projection_lock:
                opened = self._projections.get(key)
                if opened is not None or self._closed:
                    # A request opened the finished file first, or the
                    # resource was closed meanwhile: keep one connection.
                    if connection is not None:
                        connection.close()
                else:
                    # A failed build is not tried again by this process.
                    self._projections[key] = connection
                self._building.pop(key, None)

    def _connect_projection(
        self, key: tuple[str, bool]
    ) -> duckdb.DuckDBPyConnection | None:
        path = self._projection_path(*key)
        try:
            # A typical page stops after a few vectors and would be 0.1 ms
            # faster on one thread, but a filter that matches few rows scans
            # the whole copy: 5 instead of 8 ms with two threads at 1M rows.
            connection = projection.connect(path, dict(_READ_CONFIG))
            self._projection_held[key] = projection.held_columns(connection)
        except (OSError, duckdb.Error):
            logger.exception("Sorted projection %s could not be opened", path)
            return None
        return connection

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """Every value of each facet column with its number of rows, as
        computed at ingest (valid for this immutable version)."""
        if self._facet_counts is None:
            counts: dict[str, dict[str, int]] = {}
            for name, value, n in (
                self.cursor()
                .execute("SELECT column_name, value, n FROM _facets")
                .fetchall()
            ):
                counts.setdefault(name, {})[value] = int(n)
            self._facet_counts = counts
        return self._facet_counts

    def first_row(self) -> int:
        """``_row`` of the first stored row; rows are numbered without gaps."""
        if self._first_row is None:
            found = self.cursor().execute(f"SELECT min({ROW_ID}) FROM {TABLE}")  # noqa: S608
            row = found.fetchone()
            self._first_row = int(row[0]) if row and row[0] is not None else 0
        return self._first_row

    @property
    def coordinate_columns(self) -> tuple[str, str] | None:
        """The numeric longitude and latitude columns (``lon``/``lat``,
        ``longitude``/``latitude``, ``lng``, in any case), or ``None``."""
        found: dict[str, str] = {}
        for column in self.columns:
            if column.type not in (ColumnType.INTEGER, ColumnType.DECIMAL):
                continue
            axis = COORDINATE_NAMES.get(column.name.strip().lower())
            if axis is not None:
                found.setdefault(axis, column.name)
        if "lon" in found and "lat" in found:
            return found["lon"], found["lat"]
        return None

    def column(self, name: str) -> ColumnMeta:
        if name == ROW_ID:
            return ColumnMeta(name=ROW_ID, type=ColumnType.INTEGER, facet=False)
        column = self.by_name.get(name) if isinstance(name, str) else None
        if column is None:
            raise errors.UnknownColumnError(column=str(name)[:100])
        return column

    def close(self) -> None:
        with self._projection_lock:
            self._closed = True  # no new builds; running ones close their own
        self.wait_for_projections()
        with self._projection_lock:
            connections = [c for c in self._projections.values() if c is not None]
        with contextlib.suppress(duckdb.Error):
            for connection in connections:
                connection.close()
            self._connection.close()

    @classmethod
    def clear_cache(cls) -> None:
        with cls._lock:
            for resource in cls._cache.values():
                resource.close()
            cls._cache.clear()
