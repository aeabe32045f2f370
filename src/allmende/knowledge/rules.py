"""Who may do what in the knowledge hub.

Views, templates and services ask ``user.has_perm("knowledge.<permission>")``;
the answers are decided here. Staff and the trusted editors (members of the
group :data:`~allmende.knowledge.models.EDITOR_GROUP`) write tool entries;
everyone reads them.
"""

from __future__ import annotations

from typing import Any

import rules

from allmende.knowledge.models import EDITOR_GROUP


@rules.predicate
def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


@rules.predicate
def is_editor(user: Any) -> bool:
    if not user.is_authenticated:
        return False
    # Asked on every page (the navigation's modules); one query per request.
    cached = getattr(user, "_knowledge_editor", None)
    if cached is None:
        cached = bool(user.groups.filter(name=EDITOR_GROUP).exists())
        user._knowledge_editor = cached
    return bool(cached)


rules.add_perm("knowledge.add_tool", is_staff | is_editor)
rules.add_perm("knowledge.change_tool", is_staff | is_editor)
rules.add_perm("knowledge.check_tool", is_staff | is_editor)
rules.add_perm("knowledge.view_maintenance", is_staff | is_editor)
