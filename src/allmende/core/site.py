"""The platform's own address, for links that leave the page: mails, feeds, RDF.

With ``ALLMENDE_SITE_URL`` set, that address is used everywhere. Without it, the
address is the one the current request came to (``PORT=8080 make run``, a name
on the local network), remembered by :class:`SiteUrlMiddleware` for the code
that runs while the request is served; outside a request (jobs, commands) it is
``http://127.0.0.1:8000``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_request_origin: ContextVar[str | None] = ContextVar("request_origin", default=None)


def request_origin(request: HttpRequest) -> str:
    """``scheme://host[:port]`` of a request (the host is checked by Django)."""
    return f"{request.scheme}://{request.get_host()}"


def site_url(request: HttpRequest | None = None) -> str:
    """The address links to the platform start with, without a trailing slash."""
    if settings.ALLMENDE_SITE_URL_FROM_REQUEST:
        if request is not None:
            return request_origin(request)
        origin = _request_origin.get()
        if origin:
            return origin
    return str(settings.SITE_URL)


def site_host() -> str:
    """The host name of :func:`site_url`, for identifiers such as calendar UIDs."""
    return site_url().split("://", 1)[-1].split("/", 1)[0] or "allmende"


class SiteUrlMiddleware:
    """Remembers the request's address while the request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_origin.set(request_origin(request))
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)


def site_row_sync(using: str = "default", **kwargs: object) -> None:
    """Give django.contrib.sites' row the platform's address and name.

    django-allauth's mails name the site by that row, which Django creates as
    "example.com"; this runs after every ``migrate``.
    """
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={
            "domain": str(settings.SITE_URL).split("://", 1)[-1][:100],
            "name": str(settings.SITE_NAME)[:50],
        },
    )
    Site.objects.clear_cache()
