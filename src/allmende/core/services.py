"""Services that every module uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction

from allmende.core.models import AuditLogEntry, ProgrammeText

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


PROGRAMME_TEXT_FIELDS = (
    "name_de",
    "name_en",
    "claim_de",
    "claim_en",
    "text_de",
    "text_en",
)


def programme_text_update(
    *,
    actor: User,
    name_de: str,
    name_en: str,
    claim_de: str,
    claim_en: str,
    text_de: str,
    text_en: str,
) -> ProgrammeText:
    """Save the programme's name, claim and short text shown on the start page."""
    if not actor.has_perm("core.change_programmetext"):
        raise PermissionDenied
    values = {
        "name_de": name_de,
        "name_en": name_en,
        "claim_de": claim_de,
        "claim_en": claim_en,
        "text_de": text_de,
        "text_en": text_en,
    }
    with transaction.atomic():
        current = (
            ProgrammeText.objects.select_for_update()
            .filter(pk=ProgrammeText.SINGLETON_PK)
            .first()
        )
        programme = current or ProgrammeText(pk=ProgrammeText.SINGLETON_PK)
        changed = [
            name
            for name in PROGRAMME_TEXT_FIELDS
            if current is None or getattr(programme, name) != values[name]
        ]
        for name, value in values.items():
            setattr(programme, name, value)
        programme.full_clean()
        programme.save()
        audit_log_record(
            actor=actor,
            action="programme_text.updated",
            obj=programme,
            data={"fields": changed},
        )
    return programme
