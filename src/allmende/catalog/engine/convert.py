"""Conversion of spreadsheets and JSON documents into UTF-8 CSV.

The converted file is then loaded like any uploaded CSV, so detection of the
header row, inference and validation work the same for every format.  Numbers
are written with a decimal point.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import errors, messages
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
    import openpyxl  # imported lazily: only needed for spreadsheets

    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many unrelated types
        raise errors.SpreadsheetError() from exc
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise errors.SpreadsheetError(messages.XLSX_NO_SHEET, sheet=sheet)
            worksheet = workbook[sheet]
        else:
            worksheet = workbook.worksheets[0]
        rows = (list(row) for row in worksheet.iter_rows(values_only=True))
        _write(target, _trim_trailing(rows), limits)
    finally:
        workbook.close()


def _trim_trailing(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """Drop trailing empty cells that Excel reports for formatted columns."""
    for row in rows:
        end = len(row)
        while end and row[end - 1] in (None, ""):
            end -= 1
        yield row[:end]


# --- JSON and GeoJSON -----------------------------------------------------------


def _load_document(source: Path, limits: Limits) -> Any:
    size = source.stat().st_size
    if size > limits.max_json_bytes:
        raise errors.JsonError(
            messages.JSON_TOO_LARGE, limit_mb=limits.max_json_bytes // (1024 * 1024)
        )
    text = source.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise errors.JsonTooDeepError(limit=limits.max_json_depth) from exc
    except json.JSONDecodeError as exc:
        raise errors.JsonError(detail=f"line {exc.lineno}, column {exc.colno}") from exc


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
    if not isinstance(record, dict):
        raise errors.JsonError(messages.JSON_NOT_RECORDS)
    if _depth(record, limits.max_json_depth) > limits.max_json_depth:
        raise errors.JsonTooDeepError(limit=limits.max_json_depth)
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


def _records_to_csv(records_factory: Any, target: Path, limits: Limits) -> None:
    keys: dict[str, None] = {}
    for record in records_factory():
        for key in record:
            if key not in keys:
                keys[key] = None
                if len(keys) > limits.max_columns:
                    raise errors.TooManyColumnsError(
                        count=f"{limits.max_columns}+", limit=limits.max_columns
                    )
    if not keys:
        raise errors.NotTabularError()
    columns = list(keys)

    def rows() -> Iterator[list[Any]]:
        yield list(columns)
        for record in records_factory():
            yield [record.get(key) for key in columns]

    _write(target, rows(), limits)


def json_to_csv(source: Path, target: Path, limits: Limits) -> None:
    if _is_ndjson(source):
        _records_to_csv(lambda: _ndjson_records(source, limits), target, limits)
        return
    document = _load_document(source, limits)
    if isinstance(document, dict):
        if document.get("type") == "FeatureCollection":
            _features_to_csv(document, target, limits)
            return
        lists = [v for v in document.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise errors.JsonError(messages.JSON_NOT_RECORDS)
        document = lists[0]
    if not isinstance(document, list):
        raise errors.JsonError(messages.JSON_NOT_RECORDS)
    records = document
    _records_to_csv(lambda: (_check_record(r, limits) for r in records), target, limits)


def geojson_to_csv(source: Path, target: Path, limits: Limits) -> None:
    document = _load_document(source, limits)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise errors.JsonError(messages.GEOJSON_NOT_FEATURES)
    _features_to_csv(document, target, limits)


def _features_to_csv(document: dict[str, Any], target: Path, limits: Limits) -> None:
    features = document.get("features")
    if not isinstance(features, list):
        raise errors.JsonError(messages.GEOJSON_NOT_FEATURES)

    def records() -> Iterator[dict[str, Any]]:
        for feature in features:
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

    _records_to_csv(records, target, limits)
