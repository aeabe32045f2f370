"""Who may change what all modules share."""

from __future__ import annotations

import rules
from django.contrib.auth.models import AnonymousUser

from allmende.accounts.models import User as Person

User = Person | AnonymousUser


@rules.predicate
def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


rules.add_perm("core.change_programmetext", is_staff)
