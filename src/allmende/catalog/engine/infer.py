"""SQL expressions that parse text cells into typed values.

Every expression takes a trimmed text cell and returns the typed value or
NULL when the text does not fit.  The same expressions are used to check a
column and to convert it, so what inference accepts is exactly what gets
stored.
"""

from __future__ import annotations

from .options import ColumnType, DateOrder, NumberLocale

_INT_PLAIN = r"[+-]?(0|[1-9][0-9]{0,17})"
_INT_DE = r"[+-]?(0|[1-9][0-9]{0,17}|[1-9][0-9]{0,2}(\.[0-9]{3}){1,5})"
_INT_EN = r"[+-]?(0|[1-9][0-9]{0,17}|[1-9][0-9]{0,2}(,[0-9]{3}){1,5})"
# Integer parts never start with 0 unless they are 0: "01067" is a code.
_DEC_DE = r"[+-]?((0|[1-9][0-9]{0,2}(\.[0-9]{3})+|[1-9][0-9]*)(,[0-9]*)?|,[0-9]+)"
_DEC_EN = (
    r"[+-]?((0|[1-9][0-9]{0,2}(,[0-9]{3})+|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)"
    r"([eE][+-]?[0-9]{1,3})?"
)
_ISO_DATE = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
_ISO_TIMESTAMP = (
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
)
TRUE_WORDS = ("ja", "true", "wahr", "yes")
FALSE_WORDS = ("nein", "false", "falsch", "no")

_DATE_FORMATS = {
    DateOrder.DMY: ("%d.%m.%Y", "%d/%m/%Y"),
    DateOrder.MDY: ("%m/%d/%Y",),
    DateOrder.YMD: ("%Y/%m/%d", "%Y.%m.%d"),
}
_TIME_SUFFIXES = (" %H:%M", " %H:%M:%S")

# Widening chains: when a column does not fully fit a type, try the next ones.
WIDER = {
    ColumnType.INTEGER: (ColumnType.DECIMAL, ColumnType.TEXT),
    ColumnType.DECIMAL: (ColumnType.TEXT,),
    ColumnType.BOOLEAN: (ColumnType.TEXT,),
    ColumnType.DATE: (ColumnType.TIMESTAMP, ColumnType.TEXT),
    ColumnType.TIMESTAMP: (ColumnType.TEXT,),
    ColumnType.TEXT: (),
}
CANDIDATES = (
    ColumnType.INTEGER,
    ColumnType.BOOLEAN,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
)


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (names never reach SQL unquoted)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"


_SPACE_SEPARATORS = (
    0x20,
    0xA0,
    0x1680,
    *range(0x2000, 0x200B),
    0x202F,
    0x205F,
    0x3000,
)


def trim_expr(column: str) -> str:
    """``trim(column)``, skipped where it cannot change the text.

    DuckDB's ``trim`` removes the space and the other Unicode space
    separators, and decodes every character to find them, which made it one
    of the costliest steps of a load.  In text that is pure ASCII (as
    ``strlen``, counting bytes, and ``length``, counting characters, then
    agree) only the space can be removed, which two byte comparisons find.
    """
    c = column
    return (
        f"CASE WHEN strlen({c}) <> length({c}) OR starts_with({c}, ' ') "
        f"OR ends_with({c}, ' ') THEN trim({c}) ELSE {c} END"
    )


def marker_test(column: str, null_markers: tuple[str, ...]) -> str:
    """SQL condition: the cell, trimmed and lower-cased, is a null marker.

    Length and first character are compared first, which keeps the test
    almost free for cells that cannot be a marker.  Markers are matched with
    up to 16 characters of surrounding blanks.
    """
    words = sorted({m.strip().lower() for m in null_markers if m.strip()})
    if not words:
        return "false"
    longest = max(len(w.encode()) for w in words) + 16
    # A cell may start with a blank that DuckDB's ``trim`` removes: the space
    # and the other Unicode space separators (not tabs or line breaks).
    starts = {chr(code) for code in _SPACE_SEPARATORS}
    for word in words:
        for variant in (word[0], word[0].upper(), word[0].title()):
            if len(variant) == 1:  # "ß".upper() is "SS"
                starts.add(variant)
    # One substring search in a short string: cheaper than comparing the
    # first character with each of two dozen numbers.
    first = quote_literal("".join(sorted(starts)))
    listed = ", ".join(quote_literal(w) for w in words)
    return (
        f"(strlen({column}) <= {longest} AND contains({first}, left({column}, 1)) "
        f"AND lower(trim({column})) IN ({listed}))"
    )


def parse_expr(
    column: str,
    column_type: ColumnType,
    *,
    locale: NumberLocale = NumberLocale.DE,
    date_order: DateOrder = DateOrder.DMY,
) -> str:
    """Expression turning the cleaned text ``column`` into ``column_type``."""
    c = column
    if column_type is ColumnType.TEXT:
        return c
    if column_type is ColumnType.INTEGER:
        # Most cells are plain integers: when the cast and back gives the
        # same text, the cell is one (0 or no leading zero, no sign but a
        # minus, within BIGINT), found at half the cost of the regular
        # expression, which is left to the rest (``+5``, ``1.234``).
        cast = f"TRY_CAST({c} AS BIGINT)"
        plain = f"WHEN CAST({cast} AS VARCHAR) = {c} THEN {cast}"
        if locale is NumberLocale.DE:
            return (
                f"CASE {plain} WHEN regexp_full_match({c}, '{_INT_DE}') "
                f"THEN TRY_CAST(replace({c}, '.', '') AS BIGINT) END"
            )
        return (
            f"CASE {plain} WHEN regexp_full_match({c}, '{_INT_EN}') "
            f"THEN TRY_CAST(replace({c}, ',', '') AS BIGINT) END"
        )
    if column_type is ColumnType.DECIMAL:
        if locale is NumberLocale.DE:
            return (
                f"CASE WHEN regexp_full_match({c}, '{_DEC_DE}') THEN TRY_CAST("
                f"replace(replace({c}, '.', ''), ',', '.') AS DOUBLE) END"
            )
        return (
            f"CASE WHEN regexp_full_match({c}, '{_DEC_EN}') "
            f"THEN TRY_CAST(replace({c}, ',', '') AS DOUBLE) END"
        )
    if column_type is ColumnType.BOOLEAN:
        return (
            f"CASE WHEN lower({c}) IN {_tuple(TRUE_WORDS)} THEN true "
            f"WHEN lower({c}) IN {_tuple(FALSE_WORDS)} THEN false END"
        )
    formats = _DATE_FORMATS[date_order]
    # A date starts with a digit and has six characters or more.  This keeps
    # strptime, which is slow when it fails, off most other text, and short
    # codes such as 1.2.3, which strptime reads as a date, out.
    guard = f"WHEN strlen({c}) < 6 OR ascii({c}) NOT BETWEEN 48 AND 57 THEN NULL"
    # ISO dates have their dash fifth: other dates skip that pattern.
    iso = f"substr({c}, 5, 1) = '-' AND regexp_full_match({c}, '{_ISO_DATE}')"
    if column_type is ColumnType.DATE:
        return (
            f"CASE {guard} WHEN {iso} THEN TRY_CAST({c} AS DATE) "
            f"ELSE CAST(try_strptime({c}, {_list(formats)}) AS DATE) END"
        )
    stamp_formats = tuple(f + t for f in formats for t in _TIME_SUFFIXES) + formats
    iso_stamp = (
        f"substr({c}, 5, 1) = '-' AND regexp_full_match({c}, '{_ISO_TIMESTAMP}')"
    )
    return (
        f"CASE {guard} WHEN {iso_stamp} THEN TRY_CAST({c} AS TIMESTAMP) "
        f"WHEN {iso} THEN CAST(TRY_CAST({c} AS DATE) AS TIMESTAMP) "
        f"ELSE try_strptime({c}, {_list(stamp_formats)}) END"
    )


def _tuple(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


def number_shape_exprs(column: str) -> tuple[str, str]:
    """Conditions: the text has the shape of a German number, of an English
    one.  A value that fits only one of them is evidence for that locale."""
    return (
        f"regexp_full_match({column}, '{_DEC_DE}')",
        f"regexp_full_match({column}, '{_DEC_EN}')",
    )
