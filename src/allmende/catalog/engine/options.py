"""Configuration of ingest and query: limits, per-column overrides, locales."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types of an ingested table."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TEXT = "text"

    @property
    def sql(self) -> str:
        return _SQL_TYPES[self]


_SQL_TYPES = {
    ColumnType.INTEGER: "BIGINT",
    ColumnType.DECIMAL: "DOUBLE",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.TEXT: "VARCHAR",
}


class NumberLocale(StrEnum):
    """How numbers are written: ``de`` is ``1.234,56``, ``en`` is ``1,234.56``."""

    DE = "de"
    EN = "en"


class DateOrder(StrEnum):
    """Order of day, month and year in non-ISO dates (ISO is always accepted)."""

    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


DEFAULT_NULL_MARKERS: tuple[str, ...] = (
    "",
    "-",
    "--",
    "k.a.",
    "k. a.",
    "n/a",
    "n.a.",
    "na",
    "null",
    "#n/a",
)
"""Cell values (compared trimmed and lower-cased) that mean "no value"."""


@dataclass(frozen=True)
class Limits:
    """Safety limits for ingest.  Defaults suit a small shared server.

    ``max_columns`` is 1,000: wider tables cannot be browsed or faceted in a
    useful way, and each column costs inference work over every row; a file
    with more columns is refused with a clear message instead of loading for
    minutes.
    """

    max_file_bytes: int = 500 * 1024 * 1024
    max_columns: int = 1_000
    max_cell_chars: int = 100_000
    max_json_bytes: int = 100 * 1024 * 1024
    max_json_depth: int = 100
    max_xlsx_unpacked_bytes: int = 1024 * 1024 * 1024
    max_xlsx_ratio: float = 200.0
    memory_limit: str = "512MB"
    threads: int = 2
    max_problems: int = 1_000
    facet_max_distinct: int = 1_000
    facet_top: int = 50


@dataclass(frozen=True)
class ColumnOverride:
    """The owner's choice for one column, by column name (after renaming)."""

    type: ColumnType | None = None
    number_locale: NumberLocale | None = None
    date_order: DateOrder | None = None


@dataclass(frozen=True)
class IngestOptions:
    """How to read a file.  Everything left ``None`` is detected."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    """1-based line of the header; ``None`` detects preamble rows."""
    sheet: str | None = None
    number_locale: NumberLocale | None = None
    date_order: DateOrder = DateOrder.DMY
    null_markers: tuple[str, ...] = DEFAULT_NULL_MARKERS
    overrides: dict[str, ColumnOverride] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
