"""Turn an uploaded file into a typed, queryable table.

Pipeline: detect format and encoding, find delimiter and header row, load all
cells as text into DuckDB (spilling to disk beyond the memory limit), infer
each column's type from a sample and then *verify it against every value*,
widen columns whose values do not all fit, convert, and write the typed table
(DuckDB database for queries, Parquet for download) plus precomputed facets.
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
    clean_expr,
    locale_evidence_exprs,
    parse_expr,
    quote_ident,
    quote_literal,
)
from .options import ColumnType, DateOrder, IngestOptions, Limits, NumberLocale

Progress = Callable[[float, str], None]
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


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    total_problems: int = 0
    notices: list[str] = field(default_factory=list)

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
    distinct: int = 0

    def parse(self) -> str:
        return parse_expr(
            self.raw, self.type, locale=self.locale, date_order=self.date_order
        )


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
    except duckdb.OutOfMemoryException as exc:
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
        encoding = options.encoding or detect.sniff_encoding(source, head)
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
    progress(0.1, "load")

    con = duckdb.connect(
        str(work / storage.DATABASE),
        config={
            "memory_limit": limits.memory_limit,
            "threads": limits.threads,
            "temp_directory": str(work / "spill"),
            "preserve_insertion_order": True,
        },
    )
    try:
        _load_raw(con, csv_path, layout, columns, options)
        row_count = _scalar(con, "SELECT count(*) FROM raw")
        if row_count == 0:
            raise errors.NoRowsError()
        lap("load")
        progress(0.4, "infer")
        first_row = layout.header_index + 2
        report = ValidationReport()
        _infer(con, columns, options, default_locale, report, first_row)
        lap("infer")
        progress(0.6, "write")
        _write_table(con, columns, limits, first_row)
        lap("write")
        progress(0.8, "index")
        null_counts = _null_counts(con, columns)
        facets = _build_facets(con, columns, limits)
        con.execute("CHECKPOINT")
        lap("index")
        progress(0.9, "export")
        parquet = work / storage.PARQUET
        select_list = ", ".join(quote_ident(c.name) for c in columns)
        con.execute(
            f"COPY (SELECT {select_list} FROM rows) TO {quote_literal(str(parquet))} "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
        )
        lap("parquet")
    except duckdb.InterruptException as exc:
        raise errors.ResourceLimitError() from exc
    finally:
        con.close()
    if csv_path != source:
        csv_path.unlink(missing_ok=True)
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


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    return None if row is None else row[0]


def _load_raw(
    con: duckdb.DuckDBPyConnection,
    csv_path: Path,
    layout: detect.CsvLayout,
    columns: list[_Column],
    options: IngestOptions,
) -> None:
    limits = options.limits
    column_types = ", ".join(f"{quote_literal(c.raw)}: 'VARCHAR'" for c in columns)
    cleaned = ", ".join(
        f"{clean_expr(c.raw, options.null_markers)} AS {c.raw}" for c in columns
    )
    max_line = max(limits.max_cell_chars * 4, 2_097_152)
    base = (
        f"read_csv({quote_literal(str(csv_path))}, delim={quote_literal(layout.delimiter)},"
        f" quote='\"', escape='\"', header=false, skip={layout.skip_lines},"
        f" auto_detect=false, columns={{{column_types}}}, null_padding=true,"
        f" strict_mode=false, max_line_size={max_line}, encoding='utf-8'"
    )
    for extra in ("", ", parallel=false"):
        sql = f"CREATE TEMP TABLE raw AS SELECT {cleaned} FROM {base}{extra})"
        try:
            con.execute(sql)
            return
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error as exc:
            text = str(exc)
            if "parallel" in text and extra == "":
                continue
            if "line size" in text.lower() or "maximum line" in text.lower():
                raise errors.CellTooLongError(limit=limits.max_cell_chars) from exc
            raise errors.MalformedCsvError(
                row=_error_line(text), detail=text.splitlines()[0][:200]
            ) from exc


def _error_line(text: str) -> str:
    marker = "Line: "
    if marker in text:
        return text.split(marker, 1)[1].split()[0]
    return "?"


def _infer(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    options: IngestOptions,
    default_locale: NumberLocale,
    report: ValidationReport,
    first_row: int,
) -> None:
    limits = options.limits
    # 1. Candidate types from a sample (cheap, all checks).
    con.execute(f"CREATE TEMP TABLE sample AS SELECT * FROM raw LIMIT {SAMPLE_ROWS}")
    checks: list[str] = []
    for c in columns:
        de, en = locale_evidence_exprs(c.raw)
        checks += [f"count({c.raw})", de, en]
        for candidate in CANDIDATES:
            for locale in (NumberLocale.DE, NumberLocale.EN):
                if locale is NumberLocale.EN and candidate not in (
                    ColumnType.INTEGER,
                    ColumnType.DECIMAL,
                ):
                    continue
                expr = parse_expr(
                    c.raw, candidate, locale=locale, date_order=options.date_order
                )
                checks.append(f"count({expr})")
    row = con.execute(f"SELECT {', '.join(checks)} FROM sample").fetchone()
    assert row is not None
    values = list(row)
    per_column = len(checks) // len(columns)
    for c in columns:
        stats = values[c.index * per_column : (c.index + 1) * per_column]
        present, de_only, en_only = stats[0], stats[1], stats[2]
        fits = iter(stats[3:])
        ok: dict[tuple[ColumnType, NumberLocale], int] = {}
        for candidate in CANDIDATES:
            ok[(candidate, NumberLocale.DE)] = next(fits)
            if candidate in (ColumnType.INTEGER, ColumnType.DECIMAL):
                ok[(candidate, NumberLocale.EN)] = next(fits)
        override = options.overrides.get(c.name)
        if de_only > en_only:
            c.locale = NumberLocale.DE
        elif en_only > de_only:
            c.locale = NumberLocale.EN
        else:
            c.locale = default_locale
        c.date_order = options.date_order
        if override and override.number_locale:
            c.locale = override.number_locale
        if override and override.date_order:
            c.date_order = override.date_order
        if override and override.type:
            c.type = override.type
            c.forced = True
            continue
        c.type = ColumnType.TEXT
        if present:
            for candidate in CANDIDATES:
                locale = (
                    c.locale
                    if candidate in (ColumnType.INTEGER, ColumnType.DECIMAL)
                    else NumberLocale.DE
                )
                if ok[(candidate, locale)] == present:
                    c.type = candidate
                    break
    con.execute("DROP TABLE sample")

    # 2. Verify the candidates against every value of every column.
    aggregates: list[str] = []
    for c in columns:
        if c.type is ColumnType.TEXT:
            aggregates.append(f"count(*) FILTER (length({c.raw}) > {limits.max_cell_chars})")
        else:
            aggregates.append(f"count({c.raw}) - count({c.parse()})")
        aggregates.append(f"approx_count_distinct({c.raw})")
    row = con.execute(f"SELECT {', '.join(aggregates)} FROM raw").fetchone()
    assert row is not None
    for c in columns:
        c.bad, c.distinct = row[2 * c.index], row[2 * c.index + 1]

    # 3. Widen columns that did not fully fit, or report forced misfits.
    for c in columns:
        if not c.bad:
            continue
        if c.type is ColumnType.TEXT:
            _collect(con, c, f"length({c.raw}) > {limits.max_cell_chars}", report,
                     first_row, limits, "truncated",
                     messages.VALUE_TRUNCATED.format(limit=limits.max_cell_chars))
            continue
        if c.forced:
            _collect(con, c, f"{c.raw} IS NOT NULL AND ({c.parse()}) IS NULL", report,
                     first_row, limits, "invalid",
                     messages.VALUE_NOT_TYPE.format(type=c.type.value))
            continue
        _widen(con, c, report, first_row, limits)


def _collect(
    con: duckdb.DuckDBPyConnection,
    c: _Column,
    condition: str,
    report: ValidationReport,
    first_row: int,
    limits: Limits,
    kind: str,
    message: str,
    cap: int | None = None,
) -> list[tuple[int, str]]:
    room = max(limits.max_problems - len(report.problems), 0)
    if cap is not None:
        room = min(room, cap)
    report.total_problems += c.bad
    if not room:
        return []
    rows = con.execute(
        f"SELECT rowid, left({c.raw}, 200) FROM raw WHERE {condition} "
        f"ORDER BY rowid LIMIT {room}"
    ).fetchall()
    found = [(int(r[0]) + first_row, str(r[1])) for r in rows]
    report.problems.extend(
        Problem(row=r, column=c.name, value=v, kind=kind, message=message)
        for r, v in found
    )
    return found


def _widen(
    con: duckdb.DuckDBPyConnection,
    c: _Column,
    report: ValidationReport,
    first_row: int,
    limits: Limits,
) -> None:
    looked_like = c.type
    misfit = f"{c.raw} IS NOT NULL AND ({c.parse()}) IS NULL"
    chain = WIDER[c.type]
    exprs = [
        f"count({c.raw}) - count({parse_expr(c.raw, t, locale=c.locale, date_order=c.date_order)})"
        for t in chain
        if t is not ColumnType.TEXT
    ]
    stored = ColumnType.TEXT
    if exprs:
        row = con.execute(f"SELECT {', '.join(exprs)} FROM raw").fetchone()
        assert row is not None
        for wider, bad in zip(chain, row, strict=False):
            if bad == 0:
                stored = wider
                break
    notice_message = messages.TYPE_WIDENED
    examples = _collect(
        con, c, misfit, report, first_row, limits, "widened",
        messages.TYPE_WIDENED.format(
            column=c.name, looks_like=looked_like.value, count=c.bad,
            stored_as=stored.value, row="", value="",
        ).split(" Example")[0],
        cap=WIDENING_EXAMPLES,
    )
    example_row, example_value = examples[0] if examples else ("?", "")
    report.notices.append(
        notice_message.format(
            column=c.name, looks_like=looked_like.value, count=c.bad,
            stored_as=stored.value, row=example_row, value=example_value,
        )
    )
    c.type = stored


def _write_table(
    con: duckdb.DuckDBPyConnection,
    columns: list[_Column],
    limits: Limits,
    first_row: int,
) -> None:
    select = [f"CAST(rowid AS BIGINT) + {int(first_row)} AS _row"]
    for c in columns:
        expr = c.parse()
        if c.type is ColumnType.TEXT:
            expr = f"left({c.raw}, {limits.max_cell_chars})"
        select.append(f"{expr} AS {quote_ident(c.name)}")
    text = [quote_ident(c.name) for c in columns if c.type is ColumnType.TEXT]
    if text:
        select.append(f"lower(concat_ws(' ', {', '.join(text)})) AS _search")
    sql = f"CREATE TABLE rows AS SELECT {', '.join(select)} FROM raw"
    con.execute(sql)
    con.execute("DROP TABLE raw")
    public = ", ".join(["_row"] + [quote_ident(c.name) for c in columns])
    con.execute(f"CREATE VIEW data AS SELECT {public} FROM rows")


def _null_counts(con: duckdb.DuckDBPyConnection, columns: list[_Column]) -> dict[str, int]:
    exprs = ["count(*)"] + [f"count({quote_ident(c.name)})" for c in columns]
    row = con.execute(f"SELECT {', '.join(exprs)} FROM rows").fetchone()
    assert row is not None
    total = row[0]
    return {c.name: total - row[i + 1] for i, c in enumerate(columns)}


def _build_facets(
    con: duckdb.DuckDBPyConnection, columns: list[_Column], limits: Limits
) -> set[str]:
    """Precompute value counts for columns with few distinct values."""
    chosen = [
        c
        for c in columns
        if c.type in FACET_TYPES and 0 < c.distinct <= limits.facet_max_distinct
    ]
    con.execute(
        "CREATE TABLE _facets (column_name VARCHAR, value VARCHAR, n BIGINT)"
    )
    for c in chosen:
        ident = quote_ident(c.name)
        con.execute(
            f"INSERT INTO _facets SELECT {quote_literal(c.name)}, CAST({ident} AS VARCHAR),"
            f" count(*) FROM rows WHERE {ident} IS NOT NULL GROUP BY {ident}"
        )
    return {c.name for c in chosen}


def _write_meta(path: Path, result: IngestResult) -> None:
    data = asdict(result)
    data["paths"] = {k: Path(v).name for k, v in data["paths"].items()}
    data["report"]["truncated"] = result.report.truncated
    path.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1))
