"""Notifications written straight into the database, for the in-app tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from tests.notifications.conftest import TEST_TYPE


def make_notification(
    recipient: User,
    *,
    obj: models.Model | None = None,
    actor: User | None = None,
    read: bool = False,
    created_at: datetime | None = None,
    url: str = "",
    **context: Any,
) -> Notification:
    values: dict[str, Any] = {"url": url}
    if obj is not None:
        values.update(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            object_label=str(obj),
            url=url or obj.get_absolute_url(),  # type: ignore[attr-defined]
        )
    return Notification.objects.create(
        recipient=recipient,
        type=TEST_TYPE.key,
        actor=actor,
        context={"organization": "Acme", **context},
        created_at=created_at or timezone.now(),
        read_at=timezone.now() if read else None,
        **values,
    )
