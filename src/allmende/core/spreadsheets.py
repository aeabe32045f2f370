"""The one rule that keeps spreadsheet programs from running a cell as a formula.

Every file a spreadsheet program may open (CSV, TSV, XLSX downloads of the
catalog, CKAN's ``records_format=csv``/``tsv``, participant lists) passes its
text cells, header cells included, through :func:`safe_cell`: a text cell
that starts with ``= + - @``, a tab or a carriage return gets a leading
apostrophe, which spreadsheet programs read as "this is text".  Numbers are
written as numbers, so negative numbers stay intact.

Plain Python without Django, so the dataset engine can use it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The same rule as a regular expression, for columnar data (Arrow, SQL).
FORMULA_PATTERN = r"^[=+\-@\t\r]"


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
