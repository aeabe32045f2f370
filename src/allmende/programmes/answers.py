"""Answers to an application form: read from a request, checked per field.

A draft keeps whatever the applicant typed, even what does not pass yet (a
text over its limit, a number with a typo), so nothing is lost on the way;
:func:`field_errors` says what is wrong with one answer and
:func:`full_check` what stands in the way of a submission.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allmende.programmes.models.forms import FieldKind as K
from allmende.programmes.models.forms import FormField

# Largest file when a field names no limit.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Longest short text when a field names no limit.
SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 20_000
TABLE_MAX_ROWS = 100
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def word_count(text: str) -> int:
    return len(text.split())


def _decimal(text: str) -> Decimal | None:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def table_cell_name(field: FormField, row: int, column: str) -> str:
    return f"{field.key}-{row}-{column}"


def read(field: FormField, data: QueryDict) -> tuple[bool, Any]:
    """Whether ``data`` carries an answer to ``field``, and the answer as typed."""
    if field.kind == K.MULTIPLE_CHOICE:
        present = field.key in data or f"{field.key}-present" in data
        return present, [str(v) for v in data.getlist(field.key)]
    if field.kind == K.TABLE:
        rows: list[dict[str, str]] = []
        found = False
        for row in range(TABLE_MAX_ROWS):
            cells = {
                column: data.get(table_cell_name(field, row, column), "")
                for column, _label, _kind in field.column_pairs()
            }
            if any(table_cell_name(field, row, c) in data for c in cells):
                found = True
            else:
                break
            if any(value.strip() for value in cells.values()):
                rows.append({c: v.strip() for c, v in cells.items()})
        return found, rows
    if field.kind in (K.FILE, K.HEADING):
        return False, None
    if field.key not in data:
        return False, None
    value = data.get(field.key, "")
    if field.kind in (K.SHORT_TEXT, K.LONG_TEXT):
        return True, value.replace("\r\n", "\n")
    return True, value.strip()


def is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


def field_errors(field: FormField, value: Any) -> list[str]:
    """What is wrong with ``value`` as an answer to ``field``, required or not."""
    if is_empty(value):
        return []
    errors: list[str] = []
    if field.kind in (K.SHORT_TEXT, K.LONG_TEXT):
        text = str(value)
        limit = field.max_chars or (
            SHORT_TEXT_MAX if field.kind == K.SHORT_TEXT else LONG_TEXT_MAX
        )
        if len(text) > limit:
            errors.append(
                ngettext(
                    "Please shorten this to at most %(limit)d character "
                    "(it has %(count)d).",
                    "Please shorten this to at most %(limit)d characters "
                    "(it has %(count)d).",
                    limit,
                )
                % {"limit": limit, "count": len(text)}
            )
        if field.max_words and word_count(text) > field.max_words:
            errors.append(
                ngettext(
                    "Please shorten this to at most %(limit)d word (it has %(count)d).",
                    "Please shorten this to at most %(limit)d words "
                    "(it has %(count)d).",
                    field.max_words,
                )
                % {"limit": field.max_words, "count": word_count(text)}
            )
    elif field.kind == K.NUMBER:
        if _decimal(str(value)) is None:
            errors.append(_("Please enter a number, such as 12 or 3.5."))
    elif field.kind == K.MONEY:
        amount = _decimal(str(value))
        if amount is None or amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            errors.append(_("Please enter an amount in euros, such as 1500 or 99.90."))
    elif field.kind == K.DATE:
        try:
            datetime.date.fromisoformat(str(value))
        except ValueError:
            errors.append(_("Please enter a date as YYYY-MM-DD."))
    elif field.kind == K.SINGLE_CHOICE:
        if str(value) not in dict(field.choice_pairs()):
            errors.append(_("Please choose one of the options."))
    elif field.kind == K.MULTIPLE_CHOICE:
        allowed = dict(field.choice_pairs())
        if not isinstance(value, list) or any(v not in allowed for v in value):
            errors.append(_("Please choose only among the options."))
    elif field.kind == K.YES_NO:
        if value not in ("yes", "no"):
            errors.append(_("Please answer yes or no."))
    elif field.kind == K.TABLE:
        errors.extend(_table_errors(field, value))
    return errors


def _table_errors(field: FormField, rows: Any) -> list[str]:
    if not isinstance(rows, list):
        return [_("Please fill in the table.")]
    for number, row in enumerate(rows, start=1):
        for column, label, kind in field.column_pairs():
            cell = str(row.get(column, ""))
            if kind == "money" and cell:
                amount = _decimal(cell)
                if amount is None or amount < 0:
                    return [
                        _("Row %(row)d, %(column)s: please enter an amount in euros.")
                        % {"row": number, "column": label}
                    ]
            if len(cell) > SHORT_TEXT_MAX:
                return [
                    _("Row %(row)d, %(column)s: please shorten this.")
                    % {"row": number, "column": label}
                ]
    return []


def normalized(field: FormField, value: Any) -> Any:
    """The answer in its stored form; answers with errors stay as typed."""
    if is_empty(value) or field_errors(field, value):
        return value
    if field.kind == K.NUMBER:
        return str(_decimal(str(value)))
    if field.kind == K.MONEY:
        amount = _decimal(str(value))
        return str(amount.quantize(Decimal("0.01"))) if amount is not None else value
    return value


def full_check(
    fields: list[FormField], answers: dict[str, Any]
) -> dict[str, list[str]]:
    """Every field's errors, required answers included: empty means submittable."""
    errors: dict[str, list[str]] = {}
    for field in fields:
        if not field.holds_answer:
            continue
        value = answers.get(field.key)
        messages = field_errors(field, value)
        if field.required and is_empty(value):
            messages.insert(0, _("Please answer this question."))
        if messages:
            errors[field.key] = messages
    return errors


def display(field: FormField, value: Any) -> str:
    """An answer as text for reading (escaped by the template)."""
    if is_empty(value):
        return ""
    if field.kind == K.SINGLE_CHOICE:
        return dict(field.choice_pairs()).get(str(value), str(value))
    if field.kind == K.MULTIPLE_CHOICE:
        labels = dict(field.choice_pairs())
        return ", ".join(labels.get(v, v) for v in value)
    if field.kind == K.YES_NO:
        return _("Yes") if value == "yes" else _("No")
    return str(value)
