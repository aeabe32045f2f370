import logging
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("django.request")


@lru_cache(maxsize=4)
def content_security_policy(tile_url: str) -> str:
    """The policy for pages; ``tile_url`` is the configured map tile server."""
    tile_origin = ""
    if tile_url:
        parts = urlsplit(tile_url)
        # Leaflet's "{s}" stands for rotating subdomains such as a., b., c.
        host = parts.netloc.replace("{s}.", "*.", 1)
        tile_origin = f" {parts.scheme}://{host}"
    return (
        "default-src 'self'; "
        f"img-src 'self' data:{tile_origin}; "
        "style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Sets a Content-Security-Policy that allows nothing from other hosts.

    Pages load scripts, styles, fonts and images only from the platform itself;
    map tiles from the tile server the operator configured are the one exception.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault(
                "Content-Security-Policy",
                content_security_policy(settings.ALLMENDE_MAP_TILE_URL),
            )
        return response


class DesignedErrorPagesMiddleware:
    """With ``DEBUG`` on, show the platform's own 404 and 500 pages.

    ``make run`` turns ``DEBUG`` on, and Django then answers a missing page with
    its English technical page that lists every URL pattern, and an error with
    a traceback page. A person trying the platform should see what visitors
    will see. ``ALLMENDE_DEBUG_TECHNICAL_PAGES`` brings Django's pages back;
    the traceback is still logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return bool(settings.DEBUG) and not settings.ALLMENDE_DEBUG_TECHNICAL_PAGES

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and self._active()
            and getattr(request, "resolver_match", None) is None
        ):
            # No URL pattern matched: Django made its technical page.
            from django.http import Http404
            from django.views.defaults import page_not_found

            return page_not_found(request, Http404())
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        from django.core.exceptions import (
            BadRequest,
            PermissionDenied,
            SuspiciousOperation,
        )
        from django.http import Http404
        from django.views.defaults import bad_request, page_not_found, server_error

        if not self._active():
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return bad_request(request, exception)
        if isinstance(exception, PermissionDenied):
            return None
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exception,
            extra={"status_code": 500, "request": request},
        )
        return server_error(request)
