"""The header's bell: the unread count, counted only when the header shows it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import cached_property

from allmende.notifications import selectors

# What the request's own page view is about to mark read (set by
# MarkReadOnViewMiddleware), so that the bell of that page already leaves it out.
PENDING_ATTRIBUTE = "_notifications_read_on_view"


class Bell:
    """The unread count of the person looking, counted on first use."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @property
    def poll_seconds(self) -> int:
        return int(settings.ALLMENDE_NOTIFY_BELL_SECONDS)

    @cached_property
    def count(self) -> int:
        user = self.request.user
        if not user.is_authenticated:
            return 0
        pending = len(getattr(self.request, PENDING_ATTRIBUTE, ()))
        return max(0, selectors.unread_count(user=user) - pending)


def notifications(request: HttpRequest) -> dict[str, Any]:
    return {"bell": Bell(request)}
