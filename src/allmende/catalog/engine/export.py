"""Streamed downloads of a resource: CSV, JSON, GeoJSON and the Parquet file.

Each export function yields ``bytes`` chunks, reading the table in record
batches, so memory stays bounded whatever the table size.  The web layer can
hand the iterator to a streaming HTTP response.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .infer import quote_ident
from .options import ColumnType
from .query import Filter, _where, to_json_value
from .resource import ROW_ID, TABLE, Resource

if TYPE_CHECKING:
    import pyarrow as pa

# PyArrow is imported where a download needs it: a worker that only ingests
# files never loads it (a third of a second per process).

BATCH_ROWS = 20_000
FORMULA_PATTERN = r"^[=+\-@\t\r]"


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
    """Prefix text cells that a spreadsheet would run as a formula with ``'``."""
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
) -> Iterator[bytes]:
    """CSV in UTF-8 with a header row.  Text cells starting with ``= + - @``,
    tab or carriage return get a leading apostrophe so spreadsheet programs
    show them as text; numeric columns are written as numbers (so negative
    numbers stay intact)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [c.name for c in resource.columns]
    text_columns = {c.name for c in resource.columns if c.type is ColumnType.TEXT}
    if bom:
        yield "\ufeff".encode()
    header = io.StringIO()
    header_writer = csv.writer(header, delimiter=delimiter, lineterminator="\n")
    header_writer.writerow(names)
    yield header.getvalue().encode("utf-8")
    options = pacsv.WriteOptions(include_header=False, delimiter=delimiter)
    for batch in _batches(resource, names, filters, q, text_timestamps=True):
        arrays = []
        for name, array in zip(names, batch.columns, strict=True):
            if name in text_columns:
                array = neutralise_formulas(array)
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
    """A FeatureCollection rebuilt from the geometry column and the other
    columns as properties.  Rows without geometry get ``"geometry": null``."""
    geometry = resource.geometry_column
    names = [c.name for c in resource.columns]
    yield b'{"type": "FeatureCollection", "features": ['
    first = True
    for batch in _batches(resource, names, filters, q):
        parts = []
        for row in batch.to_pylist():
            shape: Any = None
            if geometry is not None and row.get(geometry):
                try:
                    shape = json.loads(row[geometry])
                except ValueError:
                    shape = None
            properties = {
                k: to_json_value(v)
                for k, v in row.items()
                if k != geometry and k not in ("lon", "lat")
            }
            feature = {"type": "Feature", "geometry": shape, "properties": properties}
            parts.append(json.dumps(feature, ensure_ascii=False))
        if parts:
            yield (("" if first else ",") + ",\n".join(parts)).encode("utf-8")
            first = False
    yield b"]}\n"


def parquet_path(resource: Resource) -> Path:
    """The stored typed Parquet file (serve it as a file download)."""
    return resource.paths.parquet
