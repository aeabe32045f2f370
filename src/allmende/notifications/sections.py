"""What notifications add to the dashboard: the newest unread ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.core.modules import Module, Section
from allmende.notifications import selectors

if TYPE_CHECKING:
    from allmende.core.modules import Viewer

DASHBOARD_ITEMS = 5


def dashboard(request: HttpRequest) -> Section | None:
    """The newest unread notifications (one query), only when there are any."""
    unread = selectors.unread_newest(
        user=request.user,  # type: ignore[arg-type]
        limit=DASHBOARD_ITEMS,
    )
    if not unread:
        return None
    return Section(
        title=_("Unread notifications"),
        template="notifications/sections/dashboard.html",
        context={"notifications": unread},
    )


def _logged_in(user: Viewer) -> bool:
    return bool(user.is_authenticated)


MODULE = Module(
    key="notifications",
    label=_("Notifications"),
    url_name="",
    icon="bell",
    order=90,
    visible=_logged_in,
    dashboard=dashboard,
)
