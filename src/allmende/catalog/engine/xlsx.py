"""Rows of an Excel workbook (XLSX), read as a stream.

The workbook's XML parts are read from the archive in chunks and parsed with
expat: memory does not grow with the sheet.  The shared strings (the text of
every cell, stored once per workbook) are written to a temporary file as
UTF-8 with an array of offsets, instead of one Python string each: two
million of them took gigabytes as a list.  Documents with a DTD are refused,
so no entity is ever expanded.

Values come out as openpyxl's read-only mode gives them (``data_only``):
numbers as ``int`` or ``float``, dates by their cell format as ``datetime``,
``time`` or ``timedelta``, booleans, error codes as text, and the cached
value of a formula.
"""

from __future__ import annotations

import mmap
import posixpath
import tempfile
import zipfile
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import (
    BUILTIN_FORMATS,
    is_date_format,
    is_timedelta_format,
)
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_ISO8601
from openpyxl.utils.datetime import from_excel as _from_excel

from . import errors, messages

_CHUNK = 256 * 1024
_REL_OFFICE = "/officeDocument"
_REL_SHEET = "/worksheet"
_REL_STRINGS = "/sharedStrings"
_REL_STYLES = "/styles"


class XlsxError(Exception):
    """The workbook's structure is not what an XLSX file has."""


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _refuse_dtd(*args: Any) -> None:
    raise XlsxError("a document type declaration is not allowed")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 65536
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


def _feed(parser: expat.XMLParserType, part: IO[bytes]) -> Iterator[None]:
    """Parse ``part`` chunk by chunk, yielding after each chunk."""
    while chunk := part.read(_CHUNK):
        parser.Parse(chunk, False)
        yield
    parser.Parse(b"", True)
    yield


def _elements(archive: zipfile.ZipFile, name: str) -> list[tuple[str, dict[str, str]]]:
    """Start tags of a small part (workbook, relationships, styles)."""
    found: list[tuple[str, dict[str, str]]] = []
    parser = _parser()
    parser.StartElementHandler = lambda tag, attrs: found.append(
        (_local(tag), {_local(k): v for k, v in attrs.items()})
    )
    with archive.open(name) as part:
        for _ in _feed(parser, part):
            pass
    return found


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (type, member name) of ``part``'s relationships."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in archive.NameToInfo:
        return {}
    result = {}
    for tag, attrs in _elements(archive, rels):
        if tag == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            if target.startswith("/"):
                name = target.lstrip("/")
            else:
                name = posixpath.normpath(posixpath.join(folder, target))
            result[attrs["Id"]] = (attrs.get("Type", ""), name)
    return result


class SharedStrings:
    """The workbook's shared strings in a temporary file, looked up by index."""

    def __init__(self, folder: Path | None = None) -> None:
        # Open as long as the object lives; ``close`` removes it.
        self._file = tempfile.TemporaryFile(  # noqa: SIM115
            prefix="allmende-strings-", dir=folder
        )
        self._offsets = array("q", [0])
        self._map: mmap.mmap | None = None

    def read(self, part: IO[bytes]) -> None:
        parser = _parser()
        parts: list[str] = []
        # Depth inside <rPh> (phonetic hints, not part of the text) and
        # whether character data belongs to a <t>.
        state = {"phonetic": 0, "text": False}
        out = self._file
        offsets = self._offsets
        position = 0

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "t":
                state["text"] = not state["phonetic"]
            elif local == "rPh":
                state["phonetic"] += 1
            elif local == "si":
                parts.clear()

        def end(tag: str) -> None:
            nonlocal position
            local = _local(tag)
            if local == "t":
                state["text"] = False
            elif local == "rPh":
                state["phonetic"] -= 1
            elif local == "si":
                data = "".join(parts).replace("x005F_", "").encode("utf-8")
                out.write(data)
                position += len(data)
                offsets.append(position)

        def text(data: str) -> None:
            if state["text"]:
                parts.append(data)

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        for _ in _feed(parser, part):
            pass
        out.flush()
        if position:
            self._map = mmap.mmap(out.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: int) -> str:
        start, end = self._offsets[index], self._offsets[index + 1]
        if self._map is None or start == end:
            return ""
        return self._map[start:end].decode("utf-8")

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()


def _date_styles(
    archive: zipfile.ZipFile, name: str | None
) -> tuple[set[int], set[int]]:
    """Indexes of the cell formats that show dates, and those that show
    durations."""
    if name is None or name not in archive.NameToInfo:
        return set(), set()
    custom: dict[int, str] = {}
    styles: list[int] = []
    in_cell_xfs = False
    for tag, attrs in _elements(archive, name):
        if tag == "numFmt" and "numFmtId" in attrs:
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            in_cell_xfs = True
        elif tag in ("cellStyleXfs", "cellStyles", "dxfs"):
            in_cell_xfs = False
        elif tag == "xf" and in_cell_xfs:
            styles.append(int(attrs.get("numFmtId", 0)))
    dates, durations = set(), set()
    for index, format_id in enumerate(styles):
        code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id)
        if code and is_date_format(code):
            dates.add(index)
        if code and is_timedelta_format(code):
            durations.add(index)
    return dates, durations


def _column(reference: str) -> int:
    """1-based column of a cell reference such as ``AB12``."""
    number = 0
    for char in reference:
        if "A" <= char <= "Z":
            number = number * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            number = number * 26 + ord(char) - 96
        else:
            break
    return number


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


class _SheetReader:
    """Turns the events of a worksheet's XML into rows of values."""

    def __init__(
        self,
        strings: SharedStrings,
        dates: set[int],
        durations: set[int],
        epoch: Any,
        max_columns: int,
    ) -> None:
        self.strings = strings
        self.dates = dates
        self.durations = durations
        self.epoch = epoch
        self.max_columns = max_columns
        self.done: list[list[Any]] = []
        self.rows_out = 0
        self.row_number = 0
        self.row: list[Any] | None = None
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.capture = False
        self.inline = 0
        self.phonetic = 0
        self.parts: list[str] = []
        self.inline_parts: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "c":
            self.kind = attrs.get("t", "n")
            self.style = int(attrs.get("s") or 0)
            reference = attrs.get("r")
            self.column = _column(reference) if reference else self.column + 1
            self.parts = []
            self.inline_parts = []
        elif local == "v":
            self.capture = True
        elif local == "t":
            self.capture = self.inline > 0 and not self.phonetic
        elif local == "is":
            self.inline += 1
        elif local == "rPh":
            self.phonetic += 1
        elif local == "row":
            reference = attrs.get("r")
            number = int(reference) if reference else self.row_number + 1
            # Rows missing in the file are empty rows of the sheet.
            while self.rows_out < number - 1:
                self.done.append([])
                self.rows_out += 1
            self.row_number = number
            self.row = []
            self.column = 0

    def end(self, tag: str) -> None:
        local = _local(tag)
        if local in ("v", "t"):
            self.capture = False
        elif local == "is":
            self.inline -= 1
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "c":
            value = self._value()
            if value is not None and value != "" and self.row is not None:
                if self.column > self.max_columns:
                    raise errors.TooManyColumnsError(
                        count=self.column, limit=self.max_columns
                    )
                row = self.row
                if len(row) < self.column:
                    row.extend([None] * (self.column - len(row)))
                row[self.column - 1] = value
        elif local == "row":
            if self.row is not None:
                self.done.append(self.row)
                self.rows_out += 1
            self.row = None

    def text(self, data: str) -> None:
        if self.capture:
            if self.inline:
                self.inline_parts.append(data)
            else:
                self.parts.append(data)

    def _value(self) -> Any:
        kind = self.kind
        if kind == "inlineStr":
            return "".join(self.inline_parts) if self.inline_parts else None
        text = "".join(self.parts)
        if not text:
            return None
        if kind == "n":
            number = _number(text)
            if self.style in self.dates:
                try:
                    return _from_excel(
                        number, self.epoch, timedelta=self.style in self.durations
                    )
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error code)


def rows(
    source: Path,
    *,
    sheet: str | None,
    max_columns: int,
    scratch: Path | None = None,
) -> Iterator[list[Any]]:
    """The rows of ``sheet`` (by name; the first sheet without one), from the
    first row of the sheet, each up to its last cell with a value.  The
    shared strings are kept in a temporary file in ``scratch``."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise errors.SpreadsheetError() from exc
    strings = SharedStrings(scratch)
    try:
        yield from _rows(archive, strings, sheet, max_columns)
    except (
        XlsxError,
        expat.ExpatError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        OSError,
        EOFError,
        IndexError,
    ) as exc:
        raise errors.SpreadsheetError() from exc
    finally:
        strings.close()
        archive.close()


def _rows(
    archive: zipfile.ZipFile,
    strings: SharedStrings,
    sheet: str | None,
    max_columns: int,
) -> Iterator[list[Any]]:
    office = [
        name
        for kind, name in _relationships(archive, "").values()
        if kind.endswith(_REL_OFFICE)
    ]
    workbook = office[0] if office else "xl/workbook.xml"
    relationships = _relationships(archive, workbook)
    sheets: list[tuple[str, str]] = []
    epoch = WINDOWS_EPOCH
    for tag, attrs in _elements(archive, workbook):
        if tag == "sheet" and attrs.get("id") in relationships:
            sheets.append((attrs.get("name", ""), relationships[attrs["id"]][1]))
        elif tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
            epoch = CALENDAR_MAC_1904
    if not sheets:
        raise XlsxError("the workbook has no sheet")
    if sheet is None:
        member = sheets[0][1]
    else:
        named = [name for title, name in sheets if title == sheet]
        if not named:
            raise errors.SpreadsheetError(messages.XLSX_NO_SHEET, sheet=sheet)
        member = named[0]

    def part(kind: str) -> str | None:
        for rel_kind, name in relationships.values():
            if rel_kind.endswith(kind):
                return name
        return None

    strings_part = part(_REL_STRINGS)
    if strings_part is not None and strings_part in archive.NameToInfo:
        with archive.open(strings_part) as handle:
            strings.read(handle)
    dates, durations = _date_styles(archive, part(_REL_STYLES))
    reader = _SheetReader(strings, dates, durations, epoch, max_columns)
    parser = _parser()
    handlers: tuple[Callable[..., None], ...] = (reader.start, reader.end, reader.text)
    (
        parser.StartElementHandler,
        parser.EndElementHandler,
        parser.CharacterDataHandler,
    ) = handlers
    with archive.open(member) as handle:
        for _ in _feed(parser, handle):
            if reader.done:
                yield from reader.done
                reader.done.clear()
