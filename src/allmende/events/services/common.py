from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.accounts.models import User as Account

User = Account | AnonymousUser


def account(actor: User) -> Account | None:
    return actor if isinstance(actor, Account) else None


def require(actor: User, permission: str, obj: Model | None = None) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def require_aware(**values: datetime | None) -> None:
    """Refuse times without a time zone: their meaning would be a guess."""
    errors = {
        name: _("Please give this time with its time zone.")
        for name, value in values.items()
        if value is not None and timezone.is_naive(value)
    }
    if errors:
        raise ValidationError(errors)


def current_time(now: datetime | None) -> datetime:
    if now is None:
        return timezone.now()
    require_aware(now=now)
    return now
