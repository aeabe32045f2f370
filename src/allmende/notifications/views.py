"""The in-app side of notifications: the inbox and the settings.

Everything works as plain links and forms; htmx swaps the inbox's list after
a click instead of loading the whole page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from allmende.accounts.utils import request_user
from allmende.core.api import id_from_text
from allmende.core.forms import add_validation_error
from allmende.notifications import selectors, services
from allmende.notifications.forms import NotificationSettingsForm
from allmende.notifications.models import Notification

INBOX_PAGE_SIZE = 20


def _inbox_url(*, unread_only: bool, before: int | None = None) -> str:
    query: dict[str, str | int] = {}
    if unread_only:
        query["unread"] = "1"
    if before is not None:
        query["before"] = before
    url = reverse("notifications:inbox")
    return f"{url}?{urlencode(query)}" if query else url


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first, a page at a time."""
    user = request_user(request)
    unread_only = request.GET.get("unread") == "1"
    before = id_from_text(request.GET.get("before", ""))
    page = selectors.notification_page(
        user=user, before=before, unread_only=unread_only, size=INBOX_PAGE_SIZE
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "unread_only": unread_only,
            "paged": before is not None,
            "this_url": _inbox_url(unread_only=unread_only, before=before),
            "all_url": _inbox_url(unread_only=False),
            "unread_url": _inbox_url(unread_only=True),
            "first_url": _inbox_url(unread_only=unread_only),
            "next_url": (
                _inbox_url(unread_only=unread_only, before=page.next_before)
                if page.next_before
                else None
            ),
        },
    )


@require_safe
@never_cache
def bell(request: HttpRequest) -> HttpResponse:
    """The header's bell alone, for an open page to refresh its count.

    A page whose session has ended gets nothing to swap in (not the login
    page in its header); htmx stops polling on status 286.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=286 if request.headers.get("HX-Request") else 204)
    return render(request, "notifications/_bell.html")


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    """Back to the inbox page the form was sent from (only an inbox address)."""
    back = request.POST.get("next", "")
    inbox_url = reverse("notifications:inbox")
    if back != inbox_url and not back.startswith(inbox_url + "?"):
        back = inbox_url
    return redirect(back)


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    notification = get_object_or_404(Notification, pk=pk, recipient=user)
    services.notification_mark_read(actor=user, notification=notification)
    return _back_to_inbox(request)


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark read everything up to the newest notification the page showed."""
    user = request_user(request)
    up_to = id_from_text(request.POST.get("up_to", ""))
    if up_to is not None:
        services.notifications_mark_all_read(actor=user, up_to=up_to)
    return _back_to_inbox(request)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """How each type of notification reaches the person, and quiet hours."""
    user = request_user(request)
    choices = selectors.notification_choices(user=user)
    form = NotificationSettingsForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_settings_save(
                actor=user,
                channels=form.channels(),
                quiet_from=form.cleaned_data["quiet_from"],
                quiet_until=form.cleaned_data["quiet_until"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Your notification settings have been saved."))
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
