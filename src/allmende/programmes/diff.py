"""What changed in an application between two submissions, answer by answer.

Texts are compared word by word with :mod:`difflib`; other answers (numbers,
choices, dates, files) are shown as the old and the new value. Each piece
says in words whether it was added or removed, so the difference does not
rest on colour alone.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass
from typing import Any

from allmende.programmes import answers as answer_rules
from allmende.programmes.models.forms import FieldKind as K
from allmende.programmes.models.forms import FormField

SAME, ADDED, REMOVED = "same", "added", "removed"
_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass
class Piece:
    kind: str
    text: str


@dataclass
class AnswerChange:
    field: FormField
    before: str
    after: str
    pieces: list[Piece] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def as_text(form_field: FormField, value: Any) -> str:
    """An answer as plain text; a table as one line per row."""
    if form_field.kind == K.TABLE and isinstance(value, list):
        columns = form_field.column_pairs()
        return "\n".join(
            "; ".join(f"{label}: {row.get(key, '')}" for key, label, _kind in columns)
            for row in value
            if isinstance(row, dict)
        )
    return answer_rules.display(form_field, value)


def text_pieces(before: str, after: str) -> list[Piece]:
    """``before`` → ``after`` as unchanged, removed and added runs of words."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece(SAME, "".join(old[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(Piece(REMOVED, "".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(Piece(ADDED, "".join(new[j1:j2])))
    return pieces


def answer_changes(
    fields: list[FormField], before: dict[str, Any], after: dict[str, Any]
) -> list[AnswerChange]:
    """Every answered question of ``fields`` with its change, in form order."""
    changes = []
    for form_field in fields:
        if not form_field.holds_answer:
            continue
        old = as_text(form_field, before.get(form_field.key))
        new = as_text(form_field, after.get(form_field.key))
        change = AnswerChange(form_field, old, new)
        if not change.changed:
            change.pieces = [Piece(SAME, new)]
        elif form_field.kind in (K.SHORT_TEXT, K.LONG_TEXT, K.TABLE):
            change.pieces = text_pieces(old, new)
        else:
            change.pieces = [
                p for p in (Piece(REMOVED, old), Piece(ADDED, new)) if p.text
            ]
        changes.append(change)
    return changes
