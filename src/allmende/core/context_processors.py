from typing import Any

from django.conf import settings
from django.http import HttpRequest

from allmende.core.modules import navigation_links


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": settings.SITE_NAME}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The module links of the header, from the module registry."""
    return {"navigation": navigation_links(request)}
