from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.forms import BoundField
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from allmende.core.markdown import render_markdown
from allmende.core.translation import translated

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


TITLE_PART_SEPARATOR = "·"
TITLE_SEPARATOR = " – "


@register.filter(is_safe=True)
def page_title(rendered: str, site_name: str) -> SafeString:
    """The ``<title>``: the page's parts (``head_title``, written "Page ·
    Section") and the site name, joined by dashes, each part once.

    ``rendered`` is the escaped content of the block.
    """
    parts: list[str] = []
    for raw in [
        *str(rendered).split(TITLE_PART_SEPARATOR),
        conditional_escape(site_name),
    ]:
        part = " ".join(raw.split())
        if part and part not in parts:
            parts.append(part)
    return mark_safe(TITLE_SEPARATOR.join(parts))  # noqa: S308 (escaped parts)


@register.simple_tag
def trans_field(obj: Any, field: str) -> str:
    """The value of a two-language field in the active language, or the other."""
    return translated(obj, field)


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def accessible_widget(field: BoundField) -> SafeString:
    """Render a field's widget tied to its help text and error message."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}-help")
    if field.errors:
        described_by.append(f"{field.auto_id}-error")
    attrs: dict[str, str | bool] = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


ICON_SPRITE = "vendor/lucide/icons.svg"


@lru_cache(maxsize=1)
def icon_names() -> list[str]:
    """The names of the icons in the sprite."""
    path = finders.find(ICON_SPRITE)
    if not isinstance(path, str):
        return []
    return re.findall(r'<symbol id="([a-z0-9-]+)"', Path(path).read_text())


@register.simple_tag
def icon(name: str, css_class: str = "") -> SafeString:
    """An icon from the vendored sprite, hidden from assistive technology.

    The icon never carries meaning alone: put a text label (visible or
    ``visually-hidden``) next to it.
    """
    classes = " ".join(["icon", css_class]).strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false">'
        '<use href="{}#{}"></use></svg>',
        classes,
        static(ICON_SPRITE),
        name,
    )
