from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Sets a Content-Security-Policy that allows nothing from other hosts.

    Pages load scripts, styles, fonts and images only from the platform itself;
    map tiles from the tile server the operator configured are the one exception.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        tile_origin = ""
        if settings.ALLMENDE_MAP_TILE_URL:
            parts = urlsplit(settings.ALLMENDE_MAP_TILE_URL)
            # Leaflet's "{s}" stands for rotating subdomains such as a., b., c.
            host = parts.netloc.replace("{s}.", "*.", 1)
            tile_origin = f" {parts.scheme}://{host}"
        self.policy = (
            "default-src 'self'; "
            f"img-src 'self' data:{tile_origin}; "
            "style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
