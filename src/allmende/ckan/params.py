"""Reading action parameters the way CKAN's validators accept them.

Every refusal is a Validation Error naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from allmende.ckan.errors import ValidationFailed
from allmende.core.api import MAX_OFFSET, contains_nul

Params = dict[str, Any]
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off"})


def required(params: Params, *keys: str) -> str:
    """The first of ``keys`` that is given, as text."""
    for key in keys:
        value = params.get(key)
        if value not in (None, ""):
            return str(value).strip()
    raise ValidationFailed({keys[0]: [_("Missing value")]})


def integer(
    params: Params,
    key: str,
    default: int,
    *,
    low: int = 0,
    high: int | None = None,
    maximum: int = MAX_OFFSET,
) -> int:
    """A whole number from ``low`` to ``maximum``; above ``high`` it is cut to ``high``.

    Every count and offset has the shared bound ``maximum``, far beyond any
    list, so that no number reaches the database or the engine out of range.
    """
    value = params.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError as exc:
        raise ValidationFailed({key: [_("Invalid integer")]}) from exc
    if number < low:
        raise ValidationFailed({key: [_("Must be %(low)s or more.") % {"low": low}]})
    if number > maximum:
        raise ValidationFailed(
            {key: [_("Must be %(high)s or less.") % {"high": maximum}]}
        )
    return min(number, high) if high is not None else number


def refuse_nul(params: Params) -> None:
    """Refuse NUL characters in any parameter; no database stores them."""
    for key, value in params.items():
        if contains_nul(key) or contains_nul(value):
            raise ValidationFailed(
                {key.replace("\x00", ""): [_("Must not contain NUL characters.")]}
            )


def boolean(params: Params, key: str, default: bool) -> bool:
    value = params.get(key)
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationFailed({key: [_("Must be true or false.")]})


def text_list(params: Params, key: str) -> list[str]:
    """A list given as a list or as comma-separated text."""
    value = params.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [str(item) for item in value]
    raise ValidationFailed({key: [_("Must be a list.")]})
