"""Downloads of a resource: streamed CSV, JSON and GeoJSON, and the Parquet file.

Each export function yields ``bytes`` chunks, reading the table in record
batches, so memory stays bounded whatever the table size.  The web layer can
hand the iterator to a streaming HTTP response.

The Parquet file is written once per version, after the version is published
(see :func:`write_parquet`): the table can be queried about a second sooner
per million rows, and the file follows right after in the same job.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from allmende.core.spreadsheets import FORMULA_PATTERN, safe_row

from .infer import quote_ident, quote_literal
from .options import ColumnType
from .query import Filter, _where, to_json_value
from .resource import ROW_ID, TABLE, Resource

if TYPE_CHECKING:
    import pyarrow as pa

# PyArrow is imported where a download needs it: a worker that only ingests
# files never loads it (a third of a second per process).

BATCH_ROWS = 20_000
PARQUET_BATCH_ROWS = 122_880
PARQUET_THREADS = 2
PARQUET_MEMORY_LIMIT = "256MB"


def _batches(
    resource: Resource,
    columns: Sequence[str],
    filters: Sequence[Filter],
    q: str | None,
    *,
    text_timestamps: bool = False,
) -> Iterator[pa.RecordBatch]:
    where = _where(resource, filters, q)
    parts = []
    for name in columns:
        ident = quote_ident(name)
        if text_timestamps and resource.column(name).type is ColumnType.TIMESTAMP:
            parts.append(f"strftime({ident}, '%Y-%m-%dT%H:%M:%S') AS {ident}")
        else:
            parts.append(ident)
    cursor = resource.new_cursor()
    try:
        relation = cursor.sql(
            f"SELECT {', '.join(parts)} FROM {TABLE} WHERE {where.sql()} "  # noqa: S608
            f"ORDER BY {ROW_ID}",
            params=where.params or None,
        )
        yield from relation.to_arrow_reader(BATCH_ROWS)
    finally:
        cursor.close()


def neutralise_formulas(array: pa.Array) -> pa.Array:
    """Prefix text cells that a spreadsheet would run as a formula with ``'``
    (the rule of :mod:`allmende.core.spreadsheets`, for a whole column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    risky = pc.match_substring_regex(array, FORMULA_PATTERN)
    prefixed = pc.binary_join_element_wise(pa.scalar("'"), array, "")
    return pc.if_else(risky, prefixed, array)


def export_csv(
    resource: Resource,
    *,
    filters: Sequence[Filter] = (),
    q: str | None = None,
    delimiter: str = ",",
    bom: bool = False,
    decimal_comma: bool = False,
) -> Iterator[bytes]:
    """CSV in UTF-8 with a header row.  Text cells and header cells starting
    with ``= + - @``, tab or carriage return get a leading apostrophe so
    spreadsheet programs show them as text; numeric columns are written as
    numbers (so negative numbers stay intact).

    ``delimiter=";", bom=True, decimal_comma=True`` is the dialect German
    Excel opens correctly with a double click."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [c.name for c in resource.columns]
    text_columns = {c.name for c in resource.columns if c.type is ColumnType.TEXT}
    decimal_columns = {c.name for c in resource.columns if c.type is ColumnType.DECIMAL}
    if bom:
        yield "\ufeff".encode()
    header = io.StringIO()
    header_writer = csv.writer(header, delimiter=delimiter, lineterminator="\n")
    header_writer.writerow(safe_row(names))
    yield header.getvalue().encode("utf-8")
    options = pacsv.WriteOptions(include_header=False, delimiter=delimiter)
    for batch in _batches(resource, names, filters, q, text_timestamps=True):
        arrays = []
        for name, array in zip(names, batch.columns, strict=True):
            if name in text_columns:
                array = neutralise_formulas(array)
            elif decimal_comma and name in decimal_columns:
                array = pc.replace_substring(
                    pc.cast(array, pa.string()), pattern=".", replacement=","
                )
            arrays.append(array)
        sink = io.BytesIO()
        pacsv.write_csv(pa.RecordBatch.from_arrays(arrays, names=names), sink, options)
        yield sink.getvalue()


def export_json(
    resource: Resource, *, filters: Sequence[Filter] = (), q: str | None = None
) -> Iterator[bytes]:
    """A JSON array of objects, one per row."""
    names = [c.name for c in resource.columns]
    yield b"["
    first = True
    for batch in _batches(resource, names, filters, q):
        parts = []
        for row in batch.to_pylist():
            record = {k: to_json_value(v) for k, v in row.items()}
            parts.append(json.dumps(record, ensure_ascii=False))
        if parts:
            yield (("" if first else ",") + ",\n".join(parts)).encode("utf-8")
            first = False
    yield b"]\n"


def export_geojson(
    resource: Resource, *, filters: Sequence[Filter] = (), q: str | None = None
) -> Iterator[bytes]:
    """A FeatureCollection: the geometry column, or a point built from the
    longitude and latitude columns, and the other columns as properties.
    Rows without geometry get ``"geometry": null``."""
    geometry = resource.geometry_column
    coordinates = resource.coordinate_columns
    names = [c.name for c in resource.columns]
    # A GeoJSON import keeps its points' coordinates in extra columns; a
    # table's own coordinate columns stay among the properties.
    hidden = {geometry, "lon", "lat"} if geometry is not None else set()
    yield b'{"type": "FeatureCollection", "features": ['
    first = True
    for batch in _batches(resource, names, filters, q):
        parts = []
        for row in batch.to_pylist():
            shape: Any = None
            if geometry is not None:
                if row.get(geometry):
                    try:
                        shape = json.loads(row[geometry])
                    except ValueError:
                        shape = None
            elif coordinates is not None:
                lon, lat = row[coordinates[0]], row[coordinates[1]]
                if lon is not None and lat is not None:
                    shape = {"type": "Point", "coordinates": [lon, lat]}
            properties = {
                k: to_json_value(v) for k, v in row.items() if k not in hidden
            }
            feature = {"type": "Feature", "geometry": shape, "properties": properties}
            parts.append(json.dumps(feature, ensure_ascii=False))
        if parts:
            yield (("" if first else ",") + ",\n".join(parts)).encode("utf-8")
            first = False
    yield b"]}\n"


def parquet_path(resource: Resource) -> Path:
    """The typed Parquet file of this version (serve it as a file download),
    written now if the ingest job has not written it yet."""
    write_parquet(resource)
    return resource.paths.parquet


def write_parquet(resource: Resource) -> bool:
    """Write the version's typed Parquet file unless it exists (``True`` when
    this call wrote it).

    The ingest job calls this right after publishing the version; a download
    that comes first writes it itself.  An exclusive file lock makes one
    process write while the others wait, and the file appears complete or not
    at all (written under a temporary name, then renamed).

    The rows are streamed from the read-only table in Arrow batches to a
    separate DuckDB instance that writes the file: the table's own
    connections have no file access (they serve the SQL sandbox too).
    """
    target = resource.paths.parquet
    if target.exists():
        return False
    folder = resource.paths.version_dir
    with open(folder / f".{target.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return False  # written by another process or thread meanwhile
        # Only the holder of the lock writes: a work file still there was
        # left by a process that died writing.
        for stale in folder.glob(f".tmp-{target.stem}-*{target.suffix}"):
            with contextlib.suppress(OSError):
                stale.unlink()
        work = folder / f".tmp-{target.stem}-{uuid.uuid4().hex}{target.suffix}"
        names = ", ".join(quote_ident(c.name) for c in resource.columns)
        cursor = resource.new_cursor()
        writer = duckdb.connect(
            config={
                "threads": PARQUET_THREADS,
                "memory_limit": PARQUET_MEMORY_LIMIT,
                "preserve_insertion_order": True,
            }
        )
        try:
            # Stored in ``_row`` order, which a scan keeps (insertion order
            # is preserved): no sort of the whole table.
            reader = cursor.sql(
                f"SELECT {names} FROM {TABLE}"  # noqa: S608
            ).to_arrow_reader(PARQUET_BATCH_ROWS)
            writer.register("source_rows", reader)
            options = (
                f"FORMAT parquet, COMPRESSION lz4, ROW_GROUP_SIZE {PARQUET_BATCH_ROWS}"
            )
            writer.execute(
                f"COPY (SELECT * FROM source_rows) TO {quote_literal(str(work))} "  # noqa: S608
                f"({options})"
            )
            os.replace(work, target)
        finally:
            writer.close()
            cursor.close()
            with contextlib.suppress(OSError):
                work.unlink()
        return True
