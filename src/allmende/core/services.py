"""Services that every module uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from allmende.core.models import AuditLogEntry

if TYPE_CHECKING:
    from allmende.accounts.models import User


def audit_log_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Write one audit-log entry; call it inside the transaction of the change.

    ``action`` is a dotted name such as ``organization.verified``; ``data`` holds
    JSON-safe details (changed field names, old and new values of a state).
    """
    user = actor if actor is not None and not isinstance(actor, AnonymousUser) else None
    return AuditLogEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user is not None else "",
        action=action,
        content_type=(
            ContentType.objects.get_for_model(obj, for_concrete_model=False)
            if obj is not None
            else None
        ),
        object_id=obj.pk if obj is not None else None,
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
    )
