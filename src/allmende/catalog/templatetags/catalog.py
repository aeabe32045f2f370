from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def facet_link(context: dict[str, Any], key: str, value: str) -> str:
    """The search with facet ``key`` set to ``value``, or cleared if it is set."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    if params.get(key) == value:
        params.pop(key, None)
    else:
        params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def preview_link(context: dict[str, Any], **changes: Any) -> str:
    """The resource page with preview parameters changed; paging restarts."""
    params = context["request"].GET.copy()
    if "after" not in changes:
        params.pop("after", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}#preview" if encoded else "?#preview"


@register.filter
def index(sequence: Any, position: int) -> Any:
    try:
        return sequence[position]
    except (IndexError, TypeError, KeyError):
        return ""


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def column_type(value: str) -> str:
    from allmende.catalog.engine import ColumnType
    from allmende.catalog.forms import TYPE_LABELS

    try:
        return str(TYPE_LABELS[ColumnType(value)])
    except ValueError:
        return value


@register.simple_tag
def report_text(entry: dict[str, Any], fallback: str = "") -> str:
    """A validation-report message in the reader's language.

    ``entry`` holds the engine's untranslated ``template`` and its ``params``;
    reports stored before these were kept show their English ``message``.
    """
    from allmende.catalog.services import error_text

    template = entry.get("template") or ""
    if not template:
        return str(entry.get("message") or fallback)
    params = dict(entry.get("params") or {})
    for key in ("type", "looks_like", "stored_as"):
        if key in params:
            params[key] = column_type(str(params[key]))
    return error_text(template, params)
