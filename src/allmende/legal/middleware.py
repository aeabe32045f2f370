from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from allmende.legal.services import PRIVACY_NOTICE_PENDING

# Pages that stay reachable before the changed notice is read: logging in and
# out, two-factor set-up, the legal pages themselves, assets and machines.
ALLOWED_PREFIXES = (
    "/accounts/",
    "/static/",
    "/media/",
    "/-/",
    "/i18n/",
    "/jsi18n/",
    "/api/",
    "/impressum/",
    "/datenschutz/",
    "/barrierefreiheit/",
)


class PrivacyNoticeMiddleware:
    """After a login, show a privacy notice that changed since it was accepted.

    The check itself runs once at login (it sets a flag in the session); here
    only the flag is read, so other requests cost no query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in ("GET", "HEAD")
            and request.user.is_authenticated
            and request.session.get(PRIVACY_NOTICE_PENDING)
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            target = reverse("legal:acknowledge")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
