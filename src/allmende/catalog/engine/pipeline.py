"""Turn an uploaded file into a typed, queryable table.

Pipeline: detect format and encoding, find delimiter and header row, guess
each column's type from the first rows, then convert every row in one
streaming pass through DuckDB (which spills to disk beyond its memory limit)
while keeping the text of every cell that does not fit.  Columns with such
cells are widened and written again, forced types report them.  The result is
a DuckDB table (with a row-id index and precomputed facets) for queries.  The
typed Parquet file for download is written after publication
(``export.write_parquet``), so the table can be queried sooner.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from . import convert, detect, errors, messages, storage
from .infer import (
    CANDIDATES,
    WIDER,
    marker_test,
    number_shape_exprs,
    parse_expr,
    quote_ident,
    quote_literal,
    trim_expr,
)
from .options import ColumnType, DateOrder, IngestOptions, Limits, NumberLocale

Progress = Callable[[float, str], None]
SEARCH_COLUMN = "_search"
SAMPLE_ROWS = 20_000
WIDENING_EXAMPLES = 20
FACET_TYPES = (
    ColumnType.TEXT,
    ColumnType.INTEGER,
    ColumnType.BOOLEAN,
    ColumnType.DATE,
    ColumnType.DECIMAL,
)


@dataclass(frozen=True)
class Problem:
    """One cell that did not fit.  ``row`` is the 1-based row in the source
    file, counting preamble and header rows."""

    row: int
    column: str
    value: str
    kind: str
    message: str
    # The untranslated message and its values, so a caller can show the
    # message in its reader's language.
    template: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    notices: list[str] = field(default_factory=list)
    # Each notice as {"template": ..., "params": {...}}, in the same order.
    notice_templates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.total_problems > len(self.problems)


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    original: str
    type: ColumnType
    null_count: int
    problem_count: int
    number_locale: NumberLocale | None = None
    date_order: DateOrder | None = None
    facet: bool = False


@dataclass(frozen=True)
class IngestResult:
    columns: list[ColumnInfo]
    row_count: int
    report: ValidationReport
    paths: storage.ResourcePaths
    timings: dict[str, float]
    source_format: str
    encoding: str
    delimiter: str
    header_row: int
    geometry_column: str | None = None


@dataclass
class _Column:
    index: int
    name: str
    original: str
    raw: str
    type: ColumnType = ColumnType.TEXT
    locale: NumberLocale = NumberLocale.DE
    date_order: DateOrder = DateOrder.DMY
    forced: bool = False
    bad: int = 0
    bad_before: int = 0
    widened_from: ColumnType | None = None
    examples: list[tuple[int, str]] = field(default_factory=list)
    # Distinct values among the first rows: decides how text is stored.
    sample_distinct: int = 0


def _noop(fraction: float, stage: str) -> None:
    return None


def ingest(
    source: Path,
    dest_dir: Path,
    *,
    options: IngestOptions | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Load ``source`` into a new version of the resource in ``dest_dir``.

    Raises a subclass of :class:`errors.IngestError` with a user-facing message
    when the file cannot be loaded; the served version stays as it was.
    """
    options = options or IngestOptions()
    report_progress = progress or _noop
    limits = options.limits
    timings: dict[str, float] = {}
    started = clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 4)
        clock = now

    size = source.stat().st_size
    if size == 0:
        raise errors.EmptyFileError()
    if size > limits.max_file_bytes:
        raise errors.FileTooLargeError(
            size_mb=round(size / 1024 / 1024, 1),
            limit_mb=round(limits.max_file_bytes / 1024 / 1024),
        )
    work = storage.new_work_dir(dest_dir)
    try:
        report_progress(0.0, "detect")
        result = _build(source, work, options, report_progress, lap)
        report_progress(0.98, "publish")
        draft = IngestResult(
            **{**result, "paths": storage.ResourcePaths.of(work), "timings": timings}
        )
        _write_meta(work / storage.META, draft)
        version = storage.publish(work, dest_dir)
    except (duckdb.OutOfMemoryException, duckdb.IOException) as exc:
        storage.discard(work)
        raise errors.ResourceLimitError() from exc
    except BaseException:
        storage.discard(work)
        raise
    lap("publish")
    timings["total"] = round(time.perf_counter() - started, 4)
    paths = storage.ResourcePaths.of(version)
    final = IngestResult(**{**result, "paths": paths, "timings": timings})
    report_progress(1.0, "done")
    return final


def _build(
    source: Path,
    work: Path,
    options: IngestOptions,
    progress: Progress,
    lap: Callable[[str], None],
) -> dict[str, Any]:
    limits = options.limits
    head = detect.read_head(source)
    source_format = detect.detect_format(source, head, options.format)
    csv_path = source
    default_locale = options.number_locale
    geometry_column = None
    if source_format == "csv":
        detect.check_text(head)
        encoding = options.encoding or detect.sniff_encoding(source, head, full=False)
        if encoding not in ("utf-8", "utf-8-sig"):
            csv_path = work / "source.csv"
            detect.transcode(source, csv_path, encoding)
    else:
        encoding = "utf-8"
        csv_path = work / "source.csv"
        if source_format == "xlsx":
            encoding = "xlsx"
            convert.xlsx_to_csv(source, csv_path, limits, options.sheet)
        elif source_format == "json":
            convert.json_to_csv(source, csv_path, limits)
        else:
            convert.geojson_to_csv(source, csv_path, limits)
        default_locale = default_locale or NumberLocale.EN
    layout = detect.detect_layout(
        csv_path,
        "utf-8",
        delimiter=options.delimiter if source_format == "csv" else ",",
        header_row=options.header_row,
        max_columns=limits.max_columns,
    )
    if not layout.has_data:
        raise errors.NoRowsError()
    if default_locale is None:
        default_locale = NumberLocale.EN if layout.delimiter == "," else NumberLocale.DE
    names = detect.unique_names(layout.header)
    if source_format != "csv" and convert.GEOMETRY_COLUMN in names:
        geometry_column = convert.GEOMETRY_COLUMN
    columns = [
        _Column(index=i, name=name, original=layout.header[i], raw=f"c{i}")
        for i, name in enumerate(names)
    ]
    lap("detect")
    progress(0.1, "infer")

    # The table's database is attached once the rows' width is known (for
    # its row group size); the sample lives in memory until then.
    con = duckdb.connect(
        config={
            "memory_limit": limits.memory_limit,
            "threads": limits.threads,
            "temp_directory": str(work / "spill"),
            "preserve_insertion_order": True,
            # DuckDB turns an IN list of six or more constants into a hash join,
            # which made each null-marker test of the conversion cost as much
            # as reading the file.  Ingest has no large IN lists of its own.
            "disabled_optimizers": "in_clause",
        },
    )
    reader = _Reader(csv_path, layout, columns, options, encoding, work)
    try:
        first_row = layout.header_index + 2
        report = ValidationReport()
        markers = options.null_markers
        # The sample holds trimmed cells; empty cells and markers are NULL.
        cleaned = ", ".join(
            f"CASE WHEN {marker_test(c.raw, markers)} THEN NULL"
            f" ELSE nullif({trim_expr(c.raw)}, '') END AS {c.raw}"
            for c in columns
        )
        # The rows are read first and cleaned apart: cleaning in the read
        # cleaned every row the reader had parsed before the limit stopped it.
        reader.read_head(con, "sample_raw", SAMPLE_ROWS)
        con.execute(
            f"CREATE TEMP TABLE sample AS SELECT {cleaned} FROM sample_raw"  # noqa: S608
        )
        con.execute("DROP TABLE sample_raw")
        _choose_types(con, columns, options, default_locale)
        con.execute("DROP TABLE sample")
        database = quote_literal(str(work / storage.DATABASE))
        con.execute(
            f"ATTACH {database} AS resource"
            f" (ROW_GROUP_SIZE {_row_group_size(csv_path)})"
        )
        con.execute("USE resource")
        lap("infer")
        progress(0.3, "write")
        _write_table(con, reader, columns, limits)
        row_count = _scalar(con, "SELECT count(*) FROM rows")
        if row_count == 0:
            raise errors.NoRowsError()
        if _check_and_widen(con, columns, report, limits):
            lap("write")
            progress(0.5, "rewrite")
            con.execute("DROP TABLE rows")
            _write_table(con, reader, columns, limits)
        lap("write")
        progress(0.7, "index")
        con.execute("ALTER TABLE rows ADD COLUMN _row BIGINT")
        con.execute(f"UPDATE rows SET _row = rowid + {int(first_row)}")  # noqa: S608
        con.execute("CREATE INDEX rows_row ON rows (_row)")
        public = ", ".join(["_row"] + [quote_ident(c.name) for c in columns])
        con.execute(f"CREATE VIEW data AS SELECT {public} FROM rows")  # noqa: S608
        _collect_problems(con, columns, report, limits)
        null_counts, distinct = _column_stats(con, columns, limits)
        facets = _build_facets(con, columns, distinct, limits)
        con.execute("CHECKPOINT")
        lap("index")
    except duckdb.InterruptException as exc:
        raise errors.ResourceLimitError() from exc
    finally:
        con.close()
    for leftover in (work / "spill", reader.transcoded):
        if leftover is not None and leftover.is_file():
            leftover.unlink()
    if csv_path != source:
        csv_path.unlink(missing_ok=True)
    encoding = reader.encoding
    problems_by_column: dict[str, int] = {}
    for column in columns:
        problems_by_column[column.name] = column.bad
    infos = [
        ColumnInfo(
            name=c.name,
            original=c.original,
            type=c.type,
            null_count=null_counts[c.name],
            problem_count=problems_by_column[c.name],
            number_locale=c.locale
            if c.type in (ColumnType.INTEGER, ColumnType.DECIMAL)
            else None,
            date_order=c.date_order
            if c.type in (ColumnType.DATE, ColumnType.TIMESTAMP)
            else None,
            facet=c.name in facets,
        )
        for c in columns
    ]
    return {
        "columns": infos,
        "row_count": row_count,
        "report": report,
        "source_format": source_format,
        "encoding": encoding,
        "delimiter": layout.delimiter,
        "header_row": layout.header_index + 1,
        "geometry_column": geometry_column,
    }


# DuckDB's parallel CSV reader hands out the file in pieces of about 8 MB or
# more.  With insertion order kept, a piece with fewer rows than a row group is
# copied once more, to be merged in file order with its neighbours, and one of
# the two threads waited for that; a piece holding at least a row group is
# written as it comes.  With DuckDB's default row group (122,880 rows) the
# benchmark's file (8 MB are 52,000 of its rows) took a sixth longer to convert.
_CSV_PIECE_BYTES = 8_000_000
_VECTOR_ROWS = 2048
_DEFAULT_ROW_GROUP = 122_880


def _row_group_size(csv_path: Path) -> int:
    """A row group size that a piece of the CSV reader fills, from the
    average length of the first lines, with room for longer lines later on."""
    head = detect.read_head(csv_path)
    line_bytes = len(head) / max(head.count(b"\n"), 1)
    rows = int(0.6 * _CSV_PIECE_BYTES / max(line_bytes, 1.0))
    rows -= rows % _VECTOR_ROWS
    return max(_VECTOR_ROWS, min(_DEFAULT_ROW_GROUP, rows))


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    if row is None:
        raise RuntimeError("aggregate query returned no row")
    return tuple(row)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


class _Reader:
    """Builds the ``read_csv`` call and runs statements over it, recovering from
    quoted line breaks (needs the serial reader) and undeclared Windows-1252."""

    def __init__(
        self,
        path: Path,
        layout: detect.CsvLayout,
        columns: list[_Column],
        options: IngestOptions,
        encoding: str,
        work: Path,
    ) -> None:
        self.path = path
        self.layout = layout
        self.columns = columns
        self.options = options
        self.encoding = encoding
        self.work = work
        self.parallel = True
        self.transcoded: Path | None = None

    def source(self, *, head: bool = False) -> str:
        """The ``read_csv`` call; with ``head``, one for the first rows only:
        a single reader with a small buffer, where the parallel ones would
        each parse megabytes that are not needed."""
        limits = self.options.limits
        types = ", ".join(f"{quote_literal(c.raw)}: 'VARCHAR'" for c in self.columns)
        max_line = max(limits.max_cell_chars * 4, 2_097_152)
        scan = f"parallel={'true' if self.parallel and not head else 'false'}"
        if head:
            scan += f", buffer_size={2 * max_line}"
        return (
            f"read_csv({quote_literal(str(self.path))},"
            f" delim={quote_literal(self.layout.delimiter)}, quote='\"', escape='\"',"
            f" header=false, skip={self.layout.skip_lines}, auto_detect=false,"
            f" columns={{{types}}}, null_padding=true, strict_mode=false,"
            f" nullstr='', max_line_size={max_line}, encoding='utf-8', {scan})"
        )

    def read_head(self, con: duckdb.DuckDBPyConnection, table: str, rows: int) -> None:
        """Copy the first ``rows`` rows into the temporary ``table``.

        DuckDB's parallel reader refuses quoted line breaks (together with
        padding short rows): when the first rows have one, the whole file is
        read by one reader from then on.
        """
        self.run(
            con,
            f"CREATE TEMP TABLE {table} AS SELECT * FROM {{src}}"  # noqa: S608
            f" LIMIT {int(rows)}",
            head=True,
        )
        breaks = " OR ".join(
            f"strpos({c.raw}, chr(10)) > 0 OR strpos({c.raw}, chr(13)) > 0"
            for c in self.columns
        )
        if self.parallel and _scalar(
            con,
            f"SELECT count(*) FROM {table} WHERE {breaks}",  # noqa: S608
        ):
            self.parallel = False

    def run(
        self, con: duckdb.DuckDBPyConnection, template: str, *, head: bool = False
    ) -> None:
        limits = self.options.limits
        for _attempt in range(3):
            try:
                con.execute(template.replace("{src}", self.source(head=head)))
                return
            except duckdb.OutOfMemoryException:
                raise
            except duckdb.Error as exc:
                text = str(exc)
                lowered = text.lower()
                if "parallel" in lowered and self.parallel:
                    self.parallel = False
                    continue
                if "unicode" in lowered and self.transcoded is None:
                    self.transcoded = self.work / "transcoded.csv"
                    detect.transcode(self.path, self.transcoded, "windows-1252")
                    self.path = self.transcoded
                    self.encoding = "windows-1252"
                    continue
                if "line size" in lowered or "maximum line" in lowered:
                    raise errors.CellTooLongError(limit=limits.max_cell_chars) from exc
                raise errors.MalformedCsvError(
                    row=_error_line(text), detail=text.splitlines()[0][:200]
                ) from exc
        raise errors.NotTabularError()


def _error_line(text: str) -> str:
    marker = "Line: "
    if marker in text:
        return text.split(marker, 1)[1].split()[0]
    return "?"


Pair = tuple[ColumnType, NumberLocale]


def _choose_types(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    options: IngestOptions,
    default_locale: NumberLocale,
) -> None:
    """Pick each column's candidate type from the sample (all checks).

    The sample holds trimmed cells, with empty cells and null markers as
    NULL.  A type fits a column only when every value of the sample parses,
    so one value among the first :data:`PREFIX_ROWS` that does not parse
    rules a candidate out: free text is checked against no type at all on
    the whole sample.  Of the candidates still in the running, the whole
    sample is checked against the narrowest, and against the next one only
    when some value breaks it.
    """
    for c in columns:
        override = options.overrides.get(c.name)
        c.date_order = (override and override.date_order) or options.date_order
    running = _prefix_fits(con, columns)
    # The locale is not known before the whole sample is read: check the
    # narrowest candidate for either locale along with the locale evidence.
    undecided: dict[int, tuple[Pair, ...]] = {}
    checks: list[str] = []
    for c in columns:
        override = options.overrides.get(c.name)
        # The number locale only matters for a column that may be a number.
        numeric = bool(override and override.type in _NUMERIC) or any(
            candidate in _NUMERIC for candidate, _ in running[c.index]
        )
        de, en = number_shape_exprs(c.raw) if numeric else ("false", "false")
        checks += [
            f"approx_count_distinct({c.raw})",
            f"count(*) FILTER ({de} AND NOT {en})",
            f"count(*) FILTER ({en} AND NOT {de})",
        ]
        if not (override and override.type):
            firsts = (_narrowest(running[c.index], loc) for loc in NumberLocale)
            undecided[c.index] = tuple(dict.fromkeys(p for p in firsts if p))
    row = _one(con, f"SELECT {', '.join(checks)} FROM sample")  # noqa: S608
    for c in columns:
        distinct, de_only, en_only = row[3 * c.index : 3 * c.index + 3]
        c.sample_distinct = int(distinct or 0)
        override = options.overrides.get(c.name)
        if de_only > en_only:
            c.locale = NumberLocale.DE
        elif en_only > de_only:
            c.locale = NumberLocale.EN
        else:
            c.locale = default_locale
        if override and override.number_locale:
            c.locale = override.number_locale
        c.type = ColumnType.TEXT
        if override and override.type:
            c.type = override.type
            c.forced = True
    while undecided:
        found = _fit_counts(con, columns, undecided)
        undecided = {}
        for c in columns:
            if c.index not in found:
                continue
            present, fits = found[c.index]
            pair = _narrowest(running[c.index], c.locale)
            if pair is None or not present:
                continue
            if fits[pair] == present:
                c.type = pair[0]
                continue
            running[c.index].remove(pair)
            following = _narrowest(running[c.index], c.locale)
            if following is not None:
                undecided[c.index] = (following,)


def _narrowest(pairs: list[Pair], locale: NumberLocale) -> Pair | None:
    """The first of ``pairs`` in the order of :data:`CANDIDATES` for a column
    whose numbers are written in ``locale`` (types other than numbers are
    listed once, with the German locale)."""
    for candidate in CANDIDATES:
        pair = (candidate, locale if candidate in _NUMERIC else NumberLocale.DE)
        if pair in pairs:
            return pair
    return None


_NUMERIC = (ColumnType.INTEGER, ColumnType.DECIMAL)
_PAIRS: tuple[Pair, ...] = tuple(
    (candidate, locale)
    for candidate in CANDIDATES
    for locale in (NumberLocale.DE, NumberLocale.EN)
    if locale is NumberLocale.DE or candidate in _NUMERIC
)
PREFIX_ROWS = 1_000


def _prefix_fits(
    con: duckdb.DuckDBPyConnection, columns: list[_Column]
) -> dict[int, list[Pair]]:
    """Per column, the (type, locale) pairs that every value among the first
    :data:`PREFIX_ROWS` sample rows parses as.

    The cells of all columns are checked as one list (one query per date
    order), so each check is planned once rather than once per column: with
    a dozen columns, planning the checks column by column took longer than
    running them.
    """
    running: dict[int, list[Pair]] = {}
    orders: dict[DateOrder, list[_Column]] = {}
    for c in columns:
        orders.setdefault(c.date_order, []).append(c)
    for order, group in orders.items():
        checks = ", ".join(
            f"count({parse_expr('v', t, locale=loc, date_order=order)})"
            for t, loc in _PAIRS
        )
        cells = ", ".join(c.raw for c in group)
        found = {
            int(r[0]): r[1:]
            for r in con.execute(
                f"SELECT i, count(v), {checks} FROM ("  # noqa: S608
                f"SELECT unnest(range({len(group)})) AS i, unnest([{cells}]) AS v"
                f" FROM sample WHERE rowid < {PREFIX_ROWS}) GROUP BY i"
            ).fetchall()
        }
        for i, c in enumerate(group):
            # A column without values in the prefix keeps every candidate.
            present, *fits = found.get(i, (0,) * (len(_PAIRS) + 1))
            running[c.index] = [
                pair for pair, n in zip(_PAIRS, fits, strict=True) if n == present
            ]
    return running


def _fit_counts(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    pairs: dict[int, tuple[Pair, ...]],
) -> dict[int, tuple[int, dict[Pair, int]]]:
    """Per column with an entry in ``pairs``: how many sample values are
    present, and how many of them parse as each of its (type, locale)
    pairs."""
    checked = [c for c in columns if c.index in pairs]
    checks: list[str] = []
    for c in checked:
        checks.append(f"count({c.raw})")
        for candidate, locale in pairs[c.index]:
            expr = parse_expr(c.raw, candidate, locale=locale, date_order=c.date_order)
            checks.append(f"count({expr})")
    found = _one(con, f"SELECT {', '.join(checks)} FROM sample")  # noqa: S608
    values = iter(found)
    counts = {}
    for c in checked:
        present = int(next(values))
        fits = {pair: int(next(values)) for pair in pairs[c.index]}
        counts[c.index] = (present, fits)
    return counts


MISFITS = "_misfits"


def _raw(c: _Column) -> str:
    """The kept text of ``c``'s cell when it did not fit (else NULL)."""
    return f"{MISFITS}[{c.index + 1}]"


def _write_table(
    con: duckdb.DuckDBPyConnection,
    reader: _Reader,
    columns: list[_Column],
    limits: Limits,
) -> None:
    """Convert every row in one pass.  ``_misfits`` keeps, per column, the text
    of cells that did not fit (or were too long) so they can be checked and
    reported; it is NULL for rows where every cell fits, which keeps it almost
    free to store (one list column instead of a text column per column).

    Null markers (``k.A.``, ``n/a``) are matched here rather than by the CSV
    reader, which would compare every cell with every spelling of every
    marker.  In a typed column a marker usually does not parse, so the marker
    test runs only on the cells that do not fit, where it tells a marker from
    a misfit; columns in which some marker would parse (an owner's ``-1``)
    test every cell.
    """
    markers = reader.options.null_markers
    parsing = _markers_that_parse(con, columns, markers)
    limit = limits.max_cell_chars
    schema: list[str] = []
    # The innermost query trims the cells of typed columns (``t0``, …), the
    # inner one converts every cell once (``v0``, ``v1``, …) and passes the
    # text on (``c0``, ``t0``, …); the outer one finds the misfits by
    # comparing the two and builds the search text.  Naming the trimmed cell
    # keeps the expressions small: DuckDB plans a large one slowly.
    trimmed: list[str] = []
    inner: list[str] = []
    values: list[str] = []
    misfit_if: list[str] = []
    misfit: list[str] = []
    text: list[str] = []
    for c in columns:
        schema.append(f"{quote_ident(c.name)} {c.type.sql}{_compression(c, limits)}")
        v = f"v{c.index}"
        values.append(v)
        if c.type is ColumnType.TEXT:
            # ``left`` copies every string: only cut cells that may be too
            # long (a cell of at most N bytes has at most N characters).
            inner.append(
                f"CASE WHEN strlen({c.raw}) > {limit} THEN left({c.raw}, {limit}) "
                f"WHEN {marker_test(c.raw, markers)} THEN NULL "
                f"ELSE nullif({c.raw}, '') END AS {v}"
            )
            text.append(v)
            too_long = f"strlen({c.raw}) > {limit} AND length({c.raw}) > {limit}"
            misfit_if.append(f"({too_long})")
            misfit.append(f"CASE WHEN {too_long} THEN left({c.raw}, 200) END")
            continue
        cell = f"t{c.index}"
        trimmed.append(f"nullif({trim_expr(c.raw)}, '') AS {cell}")
        parsed = parse_expr(cell, c.type, locale=c.locale, date_order=c.date_order)
        if c.name in parsing:
            parsed = (
                f"CASE WHEN {marker_test(cell, markers)} THEN NULL ELSE {parsed} END"
            )
        inner.append(f"{parsed} AS {v}")
        # Almost every converted cell is not NULL.  The marker test sits in a
        # CASE so that it runs only on the cells that did not convert: outside
        # a condition DuckDB evaluates every operand of AND on every row.
        failed = (
            f"CASE WHEN {v} IS NULL AND {cell} IS NOT NULL "
            f"THEN NOT {marker_test(cell, markers)} ELSE false END"
        )
        misfit_if.append(f"({failed})")
        misfit.append(f"CASE WHEN {failed} THEN left({c.raw}, 1000) END")
    inner.extend(c.raw for c in columns)
    inner.extend(f"t{c.index}" for c in columns if c.type is not ColumnType.TEXT)
    outer = values + [
        f"CASE WHEN {' OR '.join(misfit_if)} THEN [{', '.join(misfit)}] END"
    ]
    schema.append(f"{MISFITS} VARCHAR[]")
    if text:
        outer.append(f"lower(concat_ws(' ', {', '.join(text)}))")
        # Compressing this long, unique text costs more time at ingest than it
        # saves in space; scans for search are as fast or faster without it.
        schema.append(f"{SEARCH_COLUMN} VARCHAR USING COMPRESSION uncompressed")
    con.execute(f"CREATE TABLE rows ({', '.join(schema)})")
    reader.run(
        con,
        f"INSERT INTO rows SELECT {', '.join(outer)} "  # noqa: S608
        f"FROM (SELECT {', '.join(inner)} FROM "
        f"(SELECT {', '.join([*(c.raw for c in columns), *trimmed])} FROM {{src}}))",
    )
    # Most files have no misfits: then the list column is NULL throughout,
    # which its validity alone tells, without reading the lists.
    raw_counts: tuple[Any, ...] = (0,) * len(columns)
    if _scalar(con, f"SELECT count({MISFITS}) FROM rows"):  # noqa: S608
        counts = ", ".join(f"count({_raw(c)})" for c in columns)
        raw_counts = _one(con, f"SELECT {counts} FROM rows")  # noqa: S608
    for c, bad in zip(columns, raw_counts, strict=True):
        c.bad = int(bad)


def _markers_that_parse(
    con: duckdb.DuckDBPyConnection, columns: list[_Column], markers: tuple[str, ...]
) -> set[str]:
    """Names of typed columns for which some null marker would parse as a
    value (an owner's marker such as ``0`` or ``9999``): those columns test
    every cell for markers, not only the misfits."""
    words = [m.strip() for m in markers if m.strip()]
    typed = [c for c in columns if c.type is not ColumnType.TEXT]
    if not words or not typed:
        return set()
    cells = ", ".join(f"({quote_literal(w)})" for w in words)
    checks = ", ".join(
        "count("
        + parse_expr("m", c.type, locale=c.locale, date_order=c.date_order)
        + ")"
        for c in typed
    )
    row = _one(con, f"SELECT {checks} FROM (VALUES {cells}) AS t(m)")  # noqa: S608
    return {c.name for c, n in zip(typed, row, strict=True) if n}


def _compression(c: _Column, limits: Limits) -> str:
    """Storage of a column: DuckDB's own choice, except for text with many
    distinct values, which is stored uncompressed.

    A dictionary pays off for repeated values (cities, categories): filters
    compare codes.  For nearly unique text (names, IDs, descriptions) building
    the dictionary costs CPU at ingest, and every read of a page of rows has to
    decode a whole segment's dictionary for a few values, which made fetching
    one page cost several milliseconds.
    """
    if c.type is ColumnType.TEXT and c.sample_distinct > limits.facet_max_distinct:
        return " USING COMPRESSION uncompressed"
    return ""


def _check_and_widen(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    report: ValidationReport,
    limits: Limits,
) -> bool:
    """Widen guessed types that some value anywhere in the column breaks.

    Returns whether a column changed (the table must then be written again).
    Values that fit a narrower type also fit the wider ones of its chain, so
    only the misfits need checking.
    """
    changed = False
    for c in columns:
        if not c.bad or c.forced or c.type is ColumnType.TEXT:
            continue
        looked_like = c.type
        stored = ColumnType.TEXT
        for wider in WIDER[c.type]:
            if wider is ColumnType.TEXT:
                break
            expr = parse_expr(
                f"trim({_raw(c)})", wider, locale=c.locale, date_order=c.date_order
            )
            misfits = _scalar(
                con,
                f"SELECT count({_raw(c)}) - count({expr}) FROM rows",  # noqa: S608
            )
            if misfits == 0:
                stored = wider
                break
        rows = con.execute(
            f"SELECT rowid, {_raw(c)} FROM rows WHERE {_raw(c)} IS NOT NULL "  # noqa: S608
            f"ORDER BY rowid LIMIT {WIDENING_EXAMPLES}"
        ).fetchall()
        c.widened_from = looked_like
        c.examples = [(int(r[0]), str(r[1])) for r in rows]
        c.bad_before = c.bad
        c.type = stored
        changed = True
    return changed


def _collect_problems(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    report: ValidationReport,
    limits: Limits,
) -> None:
    first = _scalar(con, "SELECT min(_row) - min(rowid) FROM rows") or 0
    for c in columns:
        if c.widened_from is not None:
            widened = {
                "column": c.name,
                "looks_like": c.widened_from.value,
                "count": c.bad_before,
                "stored_as": c.type.value,
                "row": c.examples[0][0] + first if c.examples else "?",
                "value": c.examples[0][1] if c.examples else "",
            }
            message = messages.TYPE_WIDENED.format(**widened)
            report.notices.append(message)
            report.notice_templates.append(
                {"template": messages.TYPE_WIDENED, "params": widened}
            )
            report.total_problems += c.bad_before
            room = max(limits.max_problems - len(report.problems), 0)
            report.problems.extend(
                Problem(
                    row=r + first,
                    column=c.name,
                    value=v[:200],
                    kind="widened",
                    message=message,
                    template=messages.TYPE_WIDENED,
                    params=widened,
                )
                for r, v in c.examples[:room]
            )
    for c in columns:
        if not c.bad:
            continue
        params: dict[str, Any]
        if c.type is ColumnType.TEXT:
            kind, template = "truncated", messages.VALUE_TRUNCATED
            params = {"limit": limits.max_cell_chars}
        else:
            kind, template = "invalid", messages.VALUE_NOT_TYPE
            params = {"type": c.type.value}
        message = template.format(**params)
        report.total_problems += c.bad
        room = max(limits.max_problems - len(report.problems), 0)
        if not room:
            continue
        rows = con.execute(
            f"SELECT _row, left({_raw(c)}, 200) FROM rows "  # noqa: S608
            f"WHERE {_raw(c)} IS NOT NULL ORDER BY _row LIMIT {room}"
        ).fetchall()
        report.problems.extend(
            Problem(
                row=int(r[0]),
                column=c.name,
                value=str(r[1]),
                kind=kind,
                message=message,
                template=template,
                params=params,
            )
            for r in rows
        )


def _column_stats(
    con: duckdb.DuckDBPyConnection, columns: list[_Column], limits: Limits
) -> tuple[dict[str, int], dict[str, int]]:
    """Null counts of every column, and distinct counts of the columns that
    may become facets.  A column with more distinct values among the first
    rows than a facet may have is not counted again over every row: hashing
    every name or description cost a tenth of a second per million rows.
    (The sample's count is an estimate, hence the margin.)"""
    exprs = ["count(*)"]
    for c in columns:
        ident = quote_ident(c.name)
        exprs.append(f"count({ident})")
        many = c.sample_distinct > 2 * limits.facet_max_distinct
        if c.type in FACET_TYPES and not many:
            exprs.append(f"approx_count_distinct({ident})")
        else:
            exprs.append("NULL")
    row = _one(con, f"SELECT {', '.join(exprs)} FROM rows")  # noqa: S608
    total = row[0]
    nulls = {c.name: total - row[1 + 2 * i] for i, c in enumerate(columns)}
    distinct = {c.name: int(row[2 + 2 * i] or 0) for i, c in enumerate(columns)}
    return nulls, distinct


def _build_facets(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    distinct: dict[str, int],
    limits: Limits,
) -> set[str]:
    """Precompute value counts for columns with few distinct values."""
    chosen = [c for c in columns if 0 < distinct[c.name] <= limits.facet_max_distinct]
    con.execute("CREATE TABLE _facets (column_name VARCHAR, value VARCHAR, n BIGINT)")
    for c in chosen:
        ident = quote_ident(c.name)
        con.execute(
            f"INSERT INTO _facets SELECT {quote_literal(c.name)},"  # noqa: S608
            f" CAST({ident} AS VARCHAR), count(*) FROM rows"
            f" WHERE {ident} IS NOT NULL GROUP BY {ident}"
        )
    return {c.name for c in chosen}


def _write_meta(path: Path, result: IngestResult) -> None:
    data = asdict(result)
    data["paths"] = {k: Path(v).name for k, v in data["paths"].items()}
    data["report"]["truncated"] = result.report.truncated
    path.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1))
