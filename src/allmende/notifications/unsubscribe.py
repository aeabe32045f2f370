"""One-click unsubscribe from notification e-mails (RFC 8058), without login.

Every notification mail names, in ``List-Unsubscribe``, an address with a
signed token holding the person's id and the types the mail is about; its
footer links to the same page per type. ``GET`` shows what would be switched
off and a button; only ``POST`` (the button, or the mail program's one-click
request with ``List-Unsubscribe=One-Click``) changes anything. The page is
exempt from CSRF checks because a mail program posts without a cookie; the
token is what authorises the change, and it can do no more than turn e-mails
of the named types off for the named person.

Switching off means: the type stays in the app, without e-mail (its channel
becomes "In the app only"). Mandatory types cannot be switched off; the page
says so and links to the settings, where the person chooses when they arrive.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from allmende.core.services import audit_log_record
from allmende.core.site import site_url
from allmende.notifications import registry
from allmende.notifications.models import NotificationSetting
from allmende.notifications.registry import EMAIL_CHANNELS, Channel, NotificationType
from allmende.notifications.services import notifications_unmail

SALT = "allmende.notifications.unsubscribe"
MAX_AGE = timedelta(days=180)


def unsubscribe_token(*, user_id: int, keys: list[str]) -> str:
    return signing.dumps({"u": user_id, "t": sorted(keys)}, salt=SALT, compress=True)


def unsubscribe_url(*, user_id: int, keys: list[str]) -> str:
    token = unsubscribe_token(user_id=user_id, keys=keys)
    return site_url() + reverse("notifications:unsubscribe", kwargs={"token": token})


def settings_url() -> str:
    """The page where a person chooses how each type reaches them."""
    for name in ("notifications:settings", "accounts:profile"):
        try:
            return site_url() + reverse(name)
        except NoReverseMatch:
            continue
    return site_url() + "/"


class TokenProblem(Exception):
    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def read_token(token: str) -> tuple[Any, list[NotificationType]]:
    """The person and the types ``token`` names; :class:`TokenProblem` if it is
    forged, expired or names an account that no longer exists."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise TokenProblem(expired=True) from exc
    except signing.BadSignature as exc:
        raise TokenProblem(expired=False) from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("u"), int)
        or not isinstance(data.get("t"), list)
    ):
        raise TokenProblem(expired=False)
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
    kinds = [k for k in (registry.get(str(key)) for key in data["t"]) if k]
    if user is None or not kinds:
        raise TokenProblem(expired=False)
    return user, kinds


def notification_emails_unsubscribe(
    *, actor: Any, kinds: list[NotificationType]
) -> list[NotificationType]:
    """Turn e-mail off for ``kinds`` (not mandatory ones) for ``actor``.

    A type that reaches the person by e-mail is set to "In the app only"; one
    already in the app only or off stays as it is; its unread notifications
    waiting for a mail are no longer mailed. Returns the types changed.
    """
    changed = []
    with transaction.atomic():
        for kind in kinds:
            if kind.mandatory:
                continue
            setting = NotificationSetting.objects.filter(
                user=actor, type=kind.key
            ).first()
            current = (
                setting.channel
                if setting is not None and kind.allows(setting.channel)
                else kind.default
            )
            if current not in EMAIL_CHANNELS:
                continue
            NotificationSetting.objects.update_or_create(
                user=actor, type=kind.key, defaults={"channel": Channel.APP}
            )
            changed.append(kind)
        if changed:
            notifications_unmail(user=actor, keys=[kind.key for kind in changed])
            audit_log_record(
                actor=actor,
                action="notifications.unsubscribed",
                obj=actor,
                data={"types": [kind.key for kind in changed]},
            )
    return changed


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    context: dict[str, Any] = {"settings_url": settings_url()}
    try:
        user, kinds = read_token(token)
    except TokenProblem as problem:
        context["problem"] = "expired" if problem.expired else "invalid"
        return render(request, "notifications/unsubscribe.html", context, status=400)
    context.update(
        optional=[k for k in kinds if not k.mandatory],
        mandatory=[k for k in kinds if k.mandatory],
    )
    if request.method == "POST":
        notification_emails_unsubscribe(actor=user, kinds=context["optional"])
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)


urlpatterns = [
    path(
        "unsubscribe/<str:token>/",
        unsubscribe,
        name="unsubscribe",
    ),
]
