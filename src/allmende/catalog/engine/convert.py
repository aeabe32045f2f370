"""Conversion of spreadsheets and JSON documents into UTF-8 CSV.

The converted file is then loaded like any uploaded CSV, so detection of the
header row, inference and validation work the same for every format.  Numbers
are written with a decimal point.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson

from . import errors, messages, xlsx
from .options import Limits

GEOMETRY_COLUMN = "geometry"
LON_COLUMN = "lon"
LAT_COLUMN = "lat"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _write(target: Path, rows: Iterable[list[Any]], limits: Limits) -> None:
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for row in rows:
            if len(row) > limits.max_columns:
                raise errors.TooManyColumnsError(
                    count=len(row), limit=limits.max_columns
                )
            writer.writerow([_cell(value) for value in row])


# --- XLSX ---------------------------------------------------------------------


def check_zip(source: Path, limits: Limits) -> None:
    """Refuse archives that unpack to far more than they occupy (zip bombs)."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise errors.SpreadsheetError() from exc
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        big = member.file_size > 10 * 1024 * 1024
        if total > limits.max_xlsx_unpacked_bytes or (
            big and ratio > limits.max_xlsx_ratio
        ):
            raise errors.ZipBombError(
                limit_mb=limits.max_xlsx_unpacked_bytes // (1024 * 1024)
            )


def xlsx_to_csv(source: Path, target: Path, limits: Limits, sheet: str | None) -> None:
    check_zip(source, limits)
    rows = xlsx.rows(
        source, sheet=sheet, max_columns=limits.max_columns, scratch=target.parent
    )
    _write(target, rows, limits)


# --- JSON and GeoJSON -----------------------------------------------------------


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of ``value``, iteratively (no recursion), up to ``limit``+1."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
    return deepest


def _check_record(record: Any, limits: Limits) -> dict[str, Any]:
    if _depth(record, limits.max_json_depth) > limits.max_json_depth:
        raise errors.JsonTooDeepError(limit=limits.max_json_depth)
    if not isinstance(record, dict):
        raise errors.JsonError(messages.JSON_NOT_RECORDS)
    return record


def _ndjson_records(source: Path, limits: Limits) -> Iterator[dict[str, Any]]:
    with source.open("r", encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if len(line) > limits.max_cell_chars * 10:
                raise errors.CellTooLongError(limit=limits.max_cell_chars)
            try:
                record = json.loads(line)
            except RecursionError as exc:
                raise errors.JsonTooDeepError(limit=limits.max_json_depth) from exc
            except json.JSONDecodeError as exc:
                raise errors.JsonError(detail=f"line {number}: {exc.msg}") from exc
            yield _check_record(record, limits)


def _is_ndjson(source: Path) -> bool:
    with source.open("rb") as handle:
        head = handle.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{"):
        return False
    first_line = head.split(b"\n", 1)[0].strip()
    try:
        json.loads(first_line)
    except (json.JSONDecodeError, RecursionError, UnicodeDecodeError):
        return False
    return b"\n" in head.strip()


def _records_to_csv(
    records: Iterable[dict[str, Any]], target: Path, limits: Limits
) -> None:
    """Write ``records`` as CSV in one pass, keeping only the current record.

    Columns are the keys in the order they first appear.  The rows go to a
    side file as they come, each as wide as the columns known at its time;
    the header is written last, in front of them, and the rows written
    before a later key appeared are padded then.
    """
    columns: dict[str, int] = {}
    widths_grew = False
    body_path = target.with_name(target.name + ".rows")
    try:
        with body_path.open("w", encoding="utf-8", newline="") as body:
            writer = csv.writer(body, lineterminator="\n")
            for rows, record in enumerate(records):
                for key in record:
                    if key not in columns:
                        columns[key] = len(columns)
                        if len(columns) > limits.max_columns:
                            raise errors.TooManyColumnsError(
                                count=f"{limits.max_columns}+",
                                limit=limits.max_columns,
                            )
                        widths_grew = widths_grew or rows > 0
                writer.writerow([_cell(record.get(key)) for key in columns])
        if not columns:
            raise errors.NotTabularError()
        with target.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator="\n").writerow(list(columns))
            with body_path.open("r", encoding="utf-8", newline="") as body:
                if not widths_grew:
                    shutil.copyfileobj(body, out, 1024 * 1024)
                else:
                    padded = csv.writer(out, lineterminator="\n")
                    width = len(columns)
                    for row in csv.reader(body):
                        padded.writerow(row + [""] * (width - len(row)))
    finally:
        body_path.unlink(missing_ok=True)


def _open_json(source: Path, limits: Limits) -> _Utf8Reader:
    """The file as UTF-8 bytes without a byte order mark.  Bytes that are not
    UTF-8 become U+FFFD, as everywhere else in the engine, rather than stop
    the parser."""
    if source.stat().st_size > limits.max_json_bytes:
        raise errors.JsonError(
            messages.JSON_TOO_LARGE, limit_mb=limits.max_json_bytes // (1024 * 1024)
        )
    return _Utf8Reader(source)


class _Utf8Reader:
    """Reads a file in chunks, replacing invalid UTF-8 and dropping a BOM."""

    def __init__(self, source: Path) -> None:
        self._handle = source.open("rb")
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._pending = b""
        # Lines handed out before the last chunk: where a parse error is.
        self.lines_before = 0
        self._last_lines = 0

    def __enter__(self) -> _Utf8Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def read(self, size: int = -1) -> bytes:
        while not self._pending:
            chunk = self._handle.read(max(size, 65536))
            text = self._decoder.decode(chunk, final=not chunk)
            self._pending = text.encode("utf-8")
            if not chunk:
                break
        if size < 0 or size >= len(self._pending):
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        self.lines_before += self._last_lines
        self._last_lines = out.count(b"\n")
        return out


# Up to this size a broken file is parsed again by ``json`` to report the
# exact line and column of the error; a larger one reports the line near it.
_EXACT_ERROR_BYTES = 4 * 1024 * 1024


def _json_error(source: Path, handle: _Utf8Reader) -> errors.JsonError:
    if source.stat().st_size <= _EXACT_ERROR_BYTES:
        text = source.read_bytes().decode("utf-8-sig", errors="replace")
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            return errors.JsonError(detail=f"line {exc.lineno}, column {exc.colno}")
        except (RecursionError, ValueError):
            pass
    return errors.JsonError(detail=f"near line {handle.lines_before + 1}")


def _stream(source: Path, prefix: str, limits: Limits) -> Iterator[Any]:
    """The values at ``prefix`` (an ijson path), built one at a time."""
    with _open_json(source, limits) as handle:
        try:
            yield from ijson.items(handle, prefix, use_float=True)
        except ijson.JSONError as exc:
            raise _json_error(source, handle) from exc


@dataclass
class _Shape:
    """What a JSON document is at its top level."""

    kind: str  # "array", "object" or "other"
    type: Any = None  # the object's "type" member, if any
    lists: list[str] = field(default_factory=list)  # members that are arrays


def _shape(source: Path, limits: Limits) -> _Shape:
    """The top level of the document, read as events without building values.

    An object whose first member is ``"type": "FeatureCollection"`` is known
    at once; any other object is read to its end to find its arrays.
    """
    with _open_json(source, limits) as handle:
        events = ijson.basic_parse(handle, use_float=True)
        depth = 0
        key: str | None = None
        shape: _Shape | None = None
        try:
            for event, value in events:
                if shape is None:
                    if event == "start_array":
                        return _Shape("array")
                    if event != "start_map":
                        return _Shape("other")
                    shape = _Shape("object")
                    depth = 1
                    continue
                if event in ("start_map", "start_array"):
                    if depth == 1 and event == "start_array" and key is not None:
                        shape.lists.append(key)
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                elif depth == 1:
                    if event == "map_key":
                        key = value
                    elif key == "type":
                        shape.type = value
                        if value == "FeatureCollection" and not shape.lists:
                            return shape
        except ijson.JSONError as exc:
            raise _json_error(source, handle) from exc
    if shape is None:
        raise errors.JsonError(detail="empty document")
    return shape


def _member_prefix(key: str) -> str:
    # ijson joins path parts with dots; a member whose name has one cannot
    # be told apart from a nested path.
    if "." in key:
        raise errors.JsonError(messages.JSON_NOT_RECORDS)
    return f"{key}.item"


def json_to_csv(source: Path, target: Path, limits: Limits) -> None:
    if _is_ndjson(source):
        _records_to_csv(_ndjson_records(source, limits), target, limits)
        return
    shape = _shape(source, limits)
    if shape.kind == "object":
        if shape.type == "FeatureCollection":
            _features_to_csv(source, target, limits)
            return
        if len(shape.lists) != 1:
            raise errors.JsonError(messages.JSON_NOT_RECORDS)
        prefix = _member_prefix(shape.lists[0])
    elif shape.kind == "array":
        prefix = "item"
    else:
        raise errors.JsonError(messages.JSON_NOT_RECORDS)
    records = (_check_record(r, limits) for r in _stream(source, prefix, limits))
    _records_to_csv(records, target, limits)


def geojson_to_csv(source: Path, target: Path, limits: Limits) -> None:
    shape = _shape(source, limits)
    if shape.kind != "object" or shape.type != "FeatureCollection":
        raise errors.JsonError(messages.GEOJSON_NOT_FEATURES)
    _features_to_csv(source, target, limits)


def _features_to_csv(source: Path, target: Path, limits: Limits) -> None:
    def records() -> Iterator[dict[str, Any]]:
        for feature in _stream(source, "features.item", limits):
            if not isinstance(feature, dict):
                raise errors.JsonError(messages.GEOJSON_NOT_FEATURES)
            properties = feature.get("properties") or {}
            if not isinstance(properties, dict):
                properties = {"properties": properties}
            geometry = feature.get("geometry")
            record = {
                key: value
                for key, value in properties.items()
                if key not in (GEOMETRY_COLUMN, LON_COLUMN, LAT_COLUMN)
            }
            lon = lat = None
            if isinstance(geometry, dict) and geometry.get("type") == "Point":
                coordinates = geometry.get("coordinates")
                if isinstance(coordinates, list) and len(coordinates) >= 2:
                    lon, lat = coordinates[0], coordinates[1]
            record[GEOMETRY_COLUMN] = (
                json.dumps(geometry, ensure_ascii=False) if geometry else None
            )
            record[LON_COLUMN] = lon
            record[LAT_COLUMN] = lat
            yield _check_record(record, limits)

    try:
        _records_to_csv(records(), target, limits)
    except errors.NotTabularError:
        if not _features_is_array(source, limits):
            raise errors.JsonError(messages.GEOJSON_NOT_FEATURES) from None
        raise


def _features_is_array(source: Path, limits: Limits) -> bool:
    with _open_json(source, limits) as handle:
        try:
            for prefix, event, _ in ijson.parse(handle):
                if prefix == "features" and event not in ("map_key", "end_map"):
                    return bool(event == "start_array")
        except ijson.JSONError as exc:
            raise _json_error(source, handle) from exc
    return False
