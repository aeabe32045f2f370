"""Rendering of handbook pages: Markdown with anchors for its headings, the
table of contents, and the difference between two revisions."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from allmende.core.markdown import render_markdown

# The sanitizer leaves headings without attributes, so this matches exactly
# the headings it let through.
_HEADING = re.compile(r"<(h[23])>(.*?)</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


def render_page(text: str) -> tuple[SafeString, list[Heading]]:
    """The page's HTML (cleaned by core's Markdown) with an ``id`` on every
    second- and third-level heading, and those headings in order."""
    cleaned = str(render_markdown(text))
    headings: list[Heading] = []
    used: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        tag, inner = match.group(1), match.group(2)
        label = html.unescape(_TAG.sub("", inner)).strip()
        base = slugify(label)[:60] or "abschnitt"
        name, counter = base, 2
        while name in used:
            name, counter = f"{base}-{counter}", counter + 1
        used.add(name)
        headings.append(Heading(level=int(tag[1]), anchor=name, text=label))
        return f'<{tag} id="{name}">{inner}</{tag}>'

    # The anchors are slugs (letters, digits, hyphens): nothing to escape.
    return mark_safe(_HEADING.sub(anchor, cleaned)), headings  # noqa: S308


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """The lines of ``new`` against ``old``: unchanged, added and removed."""
    before, after = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines.extend(DiffLine("same", line) for line in before[a1:a2])
            continue
        lines.extend(DiffLine("removed", line) for line in before[a1:a2])
        lines.extend(DiffLine("added", line) for line in after[b1:b2])
    return lines
