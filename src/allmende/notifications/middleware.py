"""Reading the page a notification is about marks the notification read."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from allmende.notifications import selectors, services
from allmende.notifications.context_processors import PENDING_ATTRIBUTE


class MarkReadOnViewMiddleware:
    """Marks read what a logged-in person was told about the page they read.

    Before the view, one read on the partial index ``notification_unread``
    finds the unread notifications about the requested path (usually none), so
    the page's own bell already leaves them out; only when the page was
    delivered as HTML (a successful GET) are they written as read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # No notification is about an address with a NUL in it (PostgreSQL
        # refuses the character in a query at all).
        if (
            request.method != "GET"
            or not user.is_authenticated
            or "\x00" in request.path
        ):
            return self.get_response(request)
        pending = selectors.unread_ids_for_path(user=user, path=request.path)
        if not pending:
            return self.get_response(request)
        setattr(request, PENDING_ATTRIBUTE, pending)
        response = self.get_response(request)
        if response.status_code == 200 and response.get("Content-Type", "").startswith(
            "text/html"
        ):
            services.notifications_mark_read_for_path(user=user, path=request.path)
        return response
