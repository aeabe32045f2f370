from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
