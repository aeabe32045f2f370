"""Personal data of notifications: what a person was told and what they chose.

Deleting the account deletes its notifications, settings and preferences with
it (the foreign keys cascade); where the person is only the actor of someone
else's notification, the link to them is cleared.
"""

from __future__ import annotations

from typing import Any

from allmende.accounts.models import User
from allmende.notifications.models import (
    Notification,
    NotificationPreferences,
    NotificationSetting,
)


def export_personal_data(*, user: User) -> dict[str, Any]:
    preferences = NotificationPreferences.objects.filter(user=user).first()
    return {
        "notifications": [
            {
                "type": n.type,
                "message": n.message,
                "object": n.object_label,
                "url": n.url,
                "channel": n.channel,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in Notification.objects.filter(recipient=user).order_by("id")
        ],
        "settings": dict(
            NotificationSetting.objects.filter(user=user)
            .order_by("type")
            .values_list("type", "channel")
        ),
        "quiet_hours": (
            {
                "from": preferences.quiet_from.isoformat(timespec="minutes"),
                "until": preferences.quiet_until.isoformat(timespec="minutes"),
            }
            if preferences and preferences.quiet_from and preferences.quiet_until
            else None
        ),
    }
