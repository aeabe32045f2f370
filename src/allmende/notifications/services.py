"""Sending notifications and changing what has been read or chosen.

Modules send with :func:`notify`; everything else here is called by this
app's own views, jobs and API.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import time
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from allmende.notifications import registry
from allmende.notifications.models import (
    Notification,
    NotificationPreferences,
    NotificationSetting,
)
from allmende.notifications.registry import EMAIL_CHANNELS, Channel, NotificationType

if TYPE_CHECKING:
    from allmende.accounts.models import User
    from allmende.organizations.models import Organization

BATCH = 1000


def organization_admins(organization: Organization) -> QuerySet[User]:
    """Recipients: the administrators of ``organization``."""
    from allmende.organizations.models import Membership

    return get_user_model().objects.filter(
        memberships__organization=organization,
        memberships__role=Membership.Role.ADMIN,
    )


def organization_members(organization: Organization) -> QuerySet[User]:
    """Recipients: every member of ``organization``, administrators included."""
    return get_user_model().objects.filter(memberships__organization=organization)


def staff_users() -> QuerySet[User]:
    """Recipients: the platform's staff (who verify, publish and moderate)."""
    return get_user_model().objects.filter(is_staff=True)


def _recipient_ids(recipients: Any) -> Iterator[int]:
    """The ids of active accounts among ``recipients``, each once."""
    user_model = get_user_model()
    if isinstance(recipients, user_model):
        recipients = [recipients]
    if isinstance(recipients, QuerySet):
        ids: Iterable[int] = (
            recipients.filter(is_active=True)
            .order_by()
            .values_list("pk", flat=True)
            .distinct()
            .iterator(chunk_size=BATCH)
        )
        yield from ids
        return
    wanted = {
        item.pk if isinstance(item, models.Model) else int(item) for item in recipients
    }
    active = user_model.objects.filter(pk__in=sorted(wanted), is_active=True)
    yield from active.values_list("pk", flat=True)


def _batches(items: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def notify(
    key: str | NotificationType,
    recipients: Any,
    *,
    obj: models.Model | None = None,
    context: dict[str, Any] | None = None,
    actor: User | None = None,
    url: str = "",
    include_actor: bool = False,
) -> None:
    """Tell ``recipients`` about ``obj``, once the current transaction commits.

    ``recipients`` is a person, a queryset of people (for example
    :func:`organization_admins`), or people or their ids. Each recipient's own
    setting for the type decides how it reaches them; inactive accounts and,
    unless ``include_actor``, the person who acted are left out. ``context``
    holds JSON-safe values for the type's message; the object's name and
    address (``obj.get_absolute_url()`` unless ``url`` is given) are kept as
    they are now.
    """
    kind = registry.get(key) if isinstance(key, str) else key
    if kind is None:
        raise ValueError(f"Unknown notification type {key!r}")
    values: dict[str, Any] = {
        "type": kind.key,
        "actor_id": actor.pk if actor is not None else None,
        "context": dict(context or {}),
        "url": url,
    }
    if obj is not None:
        values["content_type"] = ContentType.objects.get_for_model(obj)
        values["object_id"] = obj.pk
        values["object_label"] = str(obj)[:300]
        if not url and hasattr(obj, "get_absolute_url"):
            values["url"] = obj.get_absolute_url()
    exclude = actor.pk if actor is not None and not include_actor else None
    transaction.on_commit(
        lambda: notify_now(kind, recipients, values=values, exclude=exclude),
        robust=True,
    )


def notify_now(
    kind: NotificationType,
    recipients: Any,
    *,
    values: dict[str, Any],
    exclude: int | None = None,
) -> int:
    """Write the notifications at once; returns how many were written.

    A constant number of queries per thousand recipients: the recipients'
    ids, and per batch their settings of this type and a bulk insert.
    """
    written = 0
    for batch in _batches(_recipient_ids(recipients), BATCH):
        chosen = dict(
            NotificationSetting.objects.filter(
                type=kind.key, user_id__in=batch
            ).values_list("user_id", "channel")
        )
        rows = []
        for user_id in batch:
            if user_id == exclude:
                continue
            channel = chosen.get(user_id, kind.default)
            if not kind.allows(channel):
                channel = kind.default
            if channel == Channel.OFF:
                continue
            rows.append(Notification(recipient_id=user_id, channel=channel, **values))
        # Each batch commits on its own, so each is dated just before its
        # insert (the mail jobs rely on it, see delivery.SAFETY_MARGIN).
        now = timezone.now()
        for row in rows:
            row.created_at = now
        with transaction.atomic():
            Notification.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
    return written


def notifications_unmail(*, user: User, keys: Iterable[str]) -> int:
    """Keep waiting mails from carrying ``user``'s unread notifications of
    ``keys``, once e-mail is switched off for those types.

    They stay in the app (channel "In the app only"); a mail already planned
    leaves them out when it is sent. Call inside the transaction that
    changes the setting.
    """
    return (
        Notification.objects.filter(
            recipient=user,
            type__in=sorted(set(keys)),
            read_at__isnull=True,
            channel__in=sorted(EMAIL_CHANNELS),
        )
        .exclude(type__in=[kind.key for kind in registry.types() if kind.mandatory])
        .update(channel=Channel.APP)
    )


def channel_for(*, user: User, kind: NotificationType) -> str:
    """The channel ``user`` has for ``kind`` (their setting or the default)."""
    setting = NotificationSetting.objects.filter(user=user, type=kind.key).first()
    if setting is not None and kind.allows(setting.channel):
        return setting.channel
    return kind.default


@transaction.atomic
def notification_settings_save(
    *,
    actor: User,
    channels: dict[str, str],
    quiet_from: time | None,
    quiet_until: time | None,
) -> None:
    """Save ``actor``'s channel for each type in ``channels`` and their quiet
    hours.

    Only choices that differ from a type's default are stored, so a person
    who never chose follows the defaults as they change.
    """
    errors: dict[str, list[str]] = {}
    for key, channel in channels.items():
        kind = registry.get(key)
        if kind is None or not kind.allows(channel):
            errors.setdefault("__all__", []).append(
                _("This choice is not available for this notification.")
            )
    if (quiet_from is None) != (quiet_until is None):
        errors["quiet_until"] = [
            _("Give both the start and the end of your quiet hours, or neither.")
        ]
    elif quiet_from is not None and quiet_from == quiet_until:
        errors["quiet_until"] = [
            _("Your quiet hours must end at another time than they start.")
        ]
    if errors:
        raise ValidationError(errors)
    # Row by row with update_or_create, so that the same form sent twice at
    # once cannot run into the unique constraints (it waits, then updates).
    for key, channel in channels.items():
        kind = registry.get(key)
        if kind is None or channel == kind.default:
            NotificationSetting.objects.filter(user=actor, type=key).delete()
            continue
        NotificationSetting(user=actor, type=key, channel=channel).full_clean(
            validate_unique=False, validate_constraints=False
        )
        NotificationSetting.objects.update_or_create(
            user=actor, type=key, defaults={"channel": channel}
        )
    notifications_unmail(
        user=actor,
        keys=[
            key for key, channel in channels.items() if channel not in EMAIL_CHANNELS
        ],
    )
    if quiet_from is None:
        NotificationPreferences.objects.filter(user=actor).delete()
    else:
        NotificationPreferences(
            user=actor, quiet_from=quiet_from, quiet_until=quiet_until
        ).full_clean(validate_unique=False)
        NotificationPreferences.objects.update_or_create(
            user=actor,
            defaults={"quiet_from": quiet_from, "quiet_until": quiet_until},
        )


def notification_mark_read(*, actor: User, notification: Notification) -> None:
    if notification.recipient_id != actor.pk:
        raise PermissionError("Only the recipient can mark a notification read")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_read(*, actor: User, ids: Iterable[int]) -> int:
    """Mark read those of ``ids`` that are ``actor``'s own; others are ignored."""
    return Notification.objects.filter(
        recipient=actor, pk__in=sorted(set(ids)), read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User, up_to: int | None = None) -> int:
    """Mark every unread notification of ``actor`` read (up to an id, if given,
    so that a click does not swallow one that arrived after the page loaded)."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=timezone.now())


def notifications_mark_read_for_path(*, user: User, path: str) -> int:
    """Mark read what ``user`` was told about the page at ``path``.

    Reads first and writes only when there is something to mark, so that an
    ordinary page view takes no write lock (SQLite).
    """
    ids = list(
        Notification.objects.filter(
            recipient=user, read_at__isnull=True, url=path
        ).values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return 0
    return Notification.objects.filter(pk__in=ids, read_at__isnull=True).update(
        read_at=timezone.now()
    )
