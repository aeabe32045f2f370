"""Content that organizations write in German, English or both.

A two-language field is a pair of model fields ``<name>_de`` and ``<name>_en``.
:func:`translated` reads the one for the active language and falls back to the
other, so a text written only in German still shows on the English page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language


def translated(obj: Any, field: str) -> str:
    language = (get_language() or "de")[:2]
    order = ["de", "en"] if language == "de" else ["en", "de"]
    for code in order:
        value = getattr(obj, f"{field}_{code}", "") or ""
        if value:
            return str(value)
    return ""


def translated_language(obj: Any, field: str) -> str:
    """The language code of the text :func:`translated` returns."""
    language = (get_language() or "de")[:2]
    order = ["de", "en"] if language == "de" else ["en", "de"]
    for code in order:
        if getattr(obj, f"{field}_{code}", ""):
            return code
    return language


class TitledInTwoLanguages:
    """Model mixin: ``title`` and ``description`` in the active language.

    For models with ``title_de``/``title_en`` and ``description_de``/
    ``description_en`` fields.
    """

    @property
    def title(self) -> str:
        return translated(self, "title")

    @property
    def description(self) -> str:
        return translated(self, "description")
