"""Personal details taken out of a text before it becomes an FAQ entry.

:func:`scrub` replaces the asker's name, e-mail addresses, organization and
phone numbers with a marker such as ``[name]`` and reports each place, so the
editor can show them highlighted for a final check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators people write in phone numbers, at least
# six digits in all, optionally after + or a leading 0.
_PHONE = re.compile(r"(?<![\w.,])(?:\+|00)?\(?\d[\d ()/.\-]{4,}\d(?![\w])")


@dataclass(frozen=True)
class Scrubbed:
    text: str
    removed: int


def _is_phone(candidate: str) -> bool:
    return sum(c.isdigit() for c in candidate) >= 6


def _labels() -> dict[str, str]:
    return {
        "email": f"[{_('e-mail')}]",
        "phone": f"[{_('phone')}]",
        "name": f"[{_('name')}]",
        "organization": f"[{_('organization')}]",
    }


def scrub(
    text: str, *, names: Iterable[str], organizations: Iterable[str] = ()
) -> Scrubbed:
    """``text`` without the given ``names`` and ``organizations`` (and the
    words of each), e-mail addresses and phone numbers."""
    removed = 0
    labels = _labels()

    def replace_email(match: re.Match[str]) -> str:
        nonlocal removed
        removed += 1
        return labels["email"]

    text = _EMAIL.sub(replace_email, text)
    # Whole names first (longest first), then their words: "Erika
    # Mustermann" goes before "Erika".
    for details, label in ((organizations, "organization"), (names, "name")):
        for word in _words(details):
            pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
            text, count = pattern.subn(labels[label], text)
            removed += count

    def replace_phone(match: re.Match[str]) -> str:
        nonlocal removed
        if not _is_phone(match.group()):
            return match.group()
        removed += 1
        return labels["phone"]

    text = _PHONE.sub(replace_phone, text)
    return Scrubbed(text=text, removed=removed)


def _words(details: Iterable[str]) -> list[str]:
    whole = sorted(
        {d.strip() for d in details if d.strip() and "@" not in d},
        key=len,
        reverse=True,
    )
    words = list(whole)
    for detail in whole:
        for part in detail.split():
            if len(part) >= 3 and part not in words:
                words.append(part)
    return words


def highlighted(text: str) -> SafeString:
    """``text``, escaped, with every removal marker in ``<mark>``."""
    markers = set(_labels().values())
    pattern = re.compile("|".join(re.escape(m) for m in markers))
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece is escaped)
