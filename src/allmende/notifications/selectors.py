"""Reading a person's notifications: the unread count, the inbox, the settings.

Every function here reads only the notifications of the person it is given,
so "who sees which notification" is decided in one place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from itertools import groupby
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise

from allmende.notifications import registry
from allmende.notifications.models import (
    Notification,
    NotificationPreferences,
    NotificationSetting,
)
from allmende.notifications.registry import NotificationType

if TYPE_CHECKING:
    from allmende.accounts.models import User

# The most notifications one page of the inbox or the API shows.
MAX_PAGE_SIZE = 100


def unread_count(*, user: User) -> int:
    """How many notifications ``user`` has not read (one query on the
    partial index ``notification_unread``)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_ids_for_path(*, user: User, path: str) -> list[int]:
    """The unread notifications of ``user`` about the page at ``path`` (one
    query on the partial index ``notification_unread``)."""
    return list(
        Notification.objects.filter(
            recipient=user, read_at__isnull=True, url=path
        ).values_list("pk", flat=True)[:MAX_PAGE_SIZE]
    )


def _notifications(*, user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "content_type")
        .order_by("-id")
    )


@dataclass
class NotificationPage:
    """One page of a person's notifications, newest first.

    ``missing`` holds the ids of notifications whose object has been deleted;
    ``next_before`` is the ``before`` of the next (older) page, if there is one.
    """

    items: list[Notification]
    missing: set[int] = field(default_factory=set)
    next_before: int | None = None

    @property
    def newest_id(self) -> int | None:
        return self.items[0].pk if self.items else None

    def days(self) -> list[tuple[date, list[Notification]]]:
        """The items grouped by the day they were sent, in the active time zone."""
        return [
            (day, list(items))
            for day, items in groupby(
                self.items, key=lambda item: timezone.localdate(item.created_at)
            )
        ]


def _missing_objects(items: list[Notification]) -> set[int]:
    """The ids of ``items`` whose object no longer exists: one query per
    content type on the page."""
    wanted: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        if item.content_type_id is not None and item.object_id is not None:
            wanted[item.content_type_id][item.object_id].append(item.pk)
    missing: set[int] = set()
    for content_type_id, by_object in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        existing: set[int] = set()
        if model is not None:
            existing = set(
                model._default_manager.filter(pk__in=list(by_object)).values_list(
                    "pk", flat=True
                )
            )
        for object_id, notification_ids in by_object.items():
            if object_id not in existing:
                missing.update(notification_ids)
    return missing


def notification_page(
    *,
    user: User,
    before: int | None = None,
    unread_only: bool = False,
    size: int = 20,
) -> NotificationPage:
    """The notifications of ``user`` older than id ``before`` (keyset), at most
    ``size``; a constant number of queries whatever the size."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    notifications = _notifications(user=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    if before is not None:
        notifications = notifications.filter(pk__lt=before)
    items = list(notifications[: size + 1])
    next_before = None
    if len(items) > size:
        items = items[:size]
        next_before = items[-1].pk
    return NotificationPage(
        items=items, missing=_missing_objects(items), next_before=next_before
    )


def unread_newest(*, user: User, limit: int = 5) -> list[Notification]:
    """The newest unread notifications of ``user`` (for the dashboard)."""
    return list(_notifications(user=user).filter(read_at__isnull=True)[:limit])


@dataclass
class TypeChoice:
    kind: NotificationType
    channel: str


@dataclass
class NotificationChoices:
    """A person's channel for every registered type, grouped by module, and
    their quiet hours; the defaults where they have chosen nothing."""

    modules: list[tuple[str | Promise, list[TypeChoice]]]
    quiet_from: time | None
    quiet_until: time | None

    @property
    def channels(self) -> dict[str, str]:
        return {
            choice.kind.key: choice.channel
            for _module, choices in self.modules
            for choice in choices
        }


def notification_choices(*, user: User) -> NotificationChoices:
    """What ``user`` has chosen (two queries)."""
    chosen = dict(
        NotificationSetting.objects.filter(user=user).values_list("type", "channel")
    )
    preferences = NotificationPreferences.objects.filter(user=user).first()
    modules: dict[str, tuple[str | Promise, list[TypeChoice]]] = {}
    for kind in registry.types():
        channel = chosen.get(kind.key, kind.default)
        if not kind.allows(channel):
            channel = kind.default
        group = modules.setdefault(str(kind.module), (kind.module, []))
        group[1].append(TypeChoice(kind=kind, channel=channel))
    return NotificationChoices(
        modules=list(modules.values()),
        quiet_from=preferences.quiet_from if preferences else None,
        quiet_until=preferences.quiet_until if preferences else None,
    )
