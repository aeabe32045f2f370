"""Detection of file format, text encoding, delimiter and header row."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import errors, messages

SNIFF_BYTES = 256 * 1024
MAX_SNIFF_BYTES = 8 * 1024 * 1024
DELIMITERS = (";", ",", "\t", "|")
FORMATS = ("csv", "xlsx", "json", "geojson")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
    ".geojson": "geojson",
}
_FALLBACK_ERRORS = "allmende-cp1252-fallback"


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not valid UTF-8 as Windows-1252 (latin-1 for gaps)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    chars = []
    for byte in chunk:
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars), error.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)


def decode_sample(data: bytes, encoding: str) -> str:
    """Decode a sample that may end in the middle of a character."""
    decoder: codecs.IncrementalDecoder
    if encoding in ("utf-8", "utf-8-sig", "windows-1252"):
        decoder = codecs.getincrementaldecoder("utf-8-sig")(_FALLBACK_ERRORS)
    else:
        decoder = codecs.getincrementaldecoder(encoding)("replace")
    return decoder.decode(data, final=False)


def detect_format(path: Path, head: bytes, requested: str | None = None) -> str:
    """Return one of :data:`FORMATS` for the file, by content first."""
    if requested:
        if requested not in FORMATS:
            raise errors.UnsupportedFormatError(extension=requested)
        return requested
    if not head:
        raise errors.EmptyFileError()
    extension = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\x1f\x8b")):
        raise errors.BinaryFileError()
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        if extension == ".geojson" or b'"FeatureCollection"' in head:
            return "geojson"
        return "json"
    if extension in _EXTENSIONS and _EXTENSIONS[extension] == "xlsx":
        raise errors.SpreadsheetError()
    if extension in _EXTENSIONS or extension == "":
        return "csv" if _EXTENSIONS.get(extension, "csv") == "csv" else "json"
    raise errors.UnsupportedFormatError(extension=extension)


def check_text(head: bytes) -> None:
    """Refuse data that is clearly not text (NUL bytes, many control bytes)."""
    if not head.strip():
        raise errors.EmptyFileError()
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    sample = head[:65536]
    if b"\x00" in sample:
        raise errors.BinaryFileError()
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    if controls > max(4, len(sample) // 100):
        raise errors.BinaryFileError()


def sniff_encoding(path: Path, head: bytes, *, full: bool = True) -> str:
    """Detect the encoding of a text file by checking the whole file (or, with
    ``full=False``, only ``head``; the loader then switches when it meets a
    byte that is not UTF-8 later in the file).

    Returns ``utf-8``, ``utf-8-sig`` (with BOM), ``utf-16`` (with BOM) or
    ``windows-1252``.  The latter is also returned for files that mix UTF-8
    with Windows-1252 bytes; :func:`transcode` repairs those line by line.
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom = head.startswith(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        if not full:
            decoder.decode(head)
            return "utf-8-sig" if bom else "utf-8"
        with path.open("rb") as handle:
            while block := handle.read(8 * 1024 * 1024):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8-sig" if bom else "utf-8"


def transcode(source: Path, target: Path, encoding: str) -> None:
    """Write ``source`` as UTF-8 without BOM, streaming."""
    decoder: codecs.IncrementalDecoder
    if encoding in ("utf-8", "utf-8-sig", "windows-1252"):
        decoder = codecs.getincrementaldecoder("utf-8-sig")(_FALLBACK_ERRORS)
    else:
        decoder = codecs.getincrementaldecoder(encoding)("replace")
    with (
        source.open("rb") as inp,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        while block := inp.read(4 * 1024 * 1024):
            out.write(decoder.decode(block))
        out.write(decoder.decode(b"", final=True))


@dataclass(frozen=True)
class CsvLayout:
    """What we found out about a delimited text file."""

    delimiter: str
    header_index: int
    """0-based record index of the header row (number of preamble rows)."""
    skip_lines: int
    """Physical lines up to and including the header row."""
    header: list[str]
    column_count: int
    has_data: bool


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def _records(
    text: str, delimiter: str, limit: int = 400
) -> list[tuple[list[str], int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[list[str], int]] = []
    try:
        for row in reader:
            rows.append((row, reader.line_num))
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def _complete_text(path: Path, encoding: str) -> tuple[str, bool]:
    """Read enough of the file to contain several complete records."""
    size = SNIFF_BYTES
    while True:
        data = read_head(path, size)
        complete = len(data) < size
        text = decode_sample(data, encoding)
        if not complete:
            cut = text.rfind("\n")
            if cut > 0:
                text = text[: cut + 1]
        if complete or text.count("\n") >= 20 or size >= MAX_SNIFF_BYTES:
            return text, complete
        size *= 4


def _filled(row: list[str]) -> int:
    return sum(1 for value in row if value.strip())


def detect_layout(
    path: Path,
    encoding: str,
    *,
    delimiter: str | None = None,
    header_row: int | None = None,
    max_columns: int,
) -> CsvLayout:
    """Find delimiter and header row of a UTF-8 (or ``encoding``) text file."""
    text, _ = _complete_text(path, encoding)
    if not text.strip():
        raise errors.EmptyFileError()
    candidates = (delimiter,) if delimiter else DELIMITERS
    best: tuple[tuple[int, int, int], str, list[tuple[list[str], int]]] | None = None
    for candidate in candidates:
        rows = _records(text, candidate)
        widths = [len(r) for r, _ in rows if _filled(r) > 0]
        if not widths:
            continue
        mode, mode_count = Counter(widths).most_common(1)[0]
        score = (1 if mode > 1 else 0, mode_count, mode)
        if best is None or score > best[0]:
            best = (score, candidate, rows)
    if best is None:
        raise errors.NotTabularError()
    (has_columns, _, mode), chosen, rows = best
    if not has_columns and delimiter is None:
        # A single column is still a table if every line has a value.
        chosen = ","
        rows = _records(text, chosen)
    if header_row is not None:
        header_index = max(header_row - 1, 0)
    else:
        threshold = max(2, (mode + 1) // 2) if mode > 1 else 1
        header_index = next(
            (i for i, (row, _) in enumerate(rows) if _filled(row) >= threshold),
            0,
        )
    if header_index >= len(rows):
        raise errors.NotTabularError()
    header, skip_lines = rows[header_index]
    column_count = max(len(header), mode)
    if column_count > max_columns:
        raise errors.TooManyColumnsError(
            messages.TOO_MANY_COLUMNS, count=column_count, limit=max_columns
        )
    has_data = any(_filled(row) for row, _ in rows[header_index + 1 :]) or any(
        line.strip(delimiter_chars(chosen)) for line in text.splitlines()[skip_lines:]
    )
    return CsvLayout(
        delimiter=chosen,
        header_index=header_index,
        skip_lines=skip_lines,
        header=header + [""] * (column_count - len(header)),
        column_count=column_count,
        has_data=has_data,
    )


def delimiter_chars(delimiter: str) -> str:
    return delimiter + " \t\r\n"


RESERVED_NAMES = frozenset({"_row", "_search"})


def unique_names(header: list[str]) -> list[str]:
    """Clean header cells into unique column names (case-insensitively).

    Empty cells become ``column_<position>``; repeated names get ``_2``, ``_3``.
    """
    names: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(header, start=1):
        name = " ".join(raw.replace("\ufeff", "").split())[:120]
        if not name:
            name = f"column_{position}"
        base, counter = name, 1
        while name.lower() in seen or name.lower() in RESERVED_NAMES:
            counter += 1
            name = f"{base}_{counter}"
        seen.add(name.lower())
        names.append(name)
    return names
