"""Reading action parameters the way CKAN's validators accept them.

Every refusal is a Validation Error naming the parameter.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from allmende.ckan.errors import ValidationFailed

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
    params: Params, key: str, default: int, *, low: int = 0, high: int | None = None
) -> int:
    """A whole number of at least ``low``; above ``high`` it is cut to ``high``."""
    value = params.get(key)
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError as exc:
        raise ValidationFailed({key: [_("Invalid integer")]}) from exc
    if number < low:
        raise ValidationFailed({key: [_("Must be %(low)s or more.") % {"low": low}]})
    return min(number, high) if high is not None else number


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
