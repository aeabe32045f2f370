from __future__ import annotations

import logging
import posixpath
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.static import serve

from allmende.core import files
from allmende.core.search import site_search
from allmende.organizations.selectors import organization_highlights

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", organization_highlights())


SEARCH_PAGE_SIZE = 20


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Everything a visitor may see that matches the words of ``q``."""
    type_key = request.GET.get("type", "")
    results = site_search(
        viewer=request.user, query=request.GET.get("q", ""), type_key=type_key
    )
    page = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/search.html",
        {"search": results, "page": page, "selected_type": type_key},
    )


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


def _check_storage() -> None:
    for storage in (default_storage, files.private_storage()):
        name = storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        try:
            with storage.open(name) as fh:
                if fh.read() != b"ok":
                    raise RuntimeError("file written to storage could not be read back")
        finally:
            storage.delete(name)


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Report whether each dependency answers; 503 when any does not."""
    checks = {
        "database": _check_database,
        "cache": _check_cache,
        "storage": _check_storage,
    }
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            logger.exception("Health check %s failed", name)
            results[name] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results},
        status=200 if healthy else 503,
    )


# The part of the media tree anyone may read. Everything else a person gives
# the platform is in the private storage and handed out by views that check
# permission.
PUBLIC_MEDIA = ("organizations/logos/",)


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """A public file from the media root, with the headers that keep it inert.

    Also serves in production where the web server does not serve ``/media/``
    itself (if it does, it must serve only this tree and send the same headers).
    """
    path = posixpath.normpath(path).lstrip("/")
    if not path.startswith(PUBLIC_MEDIA) or "\\" in path or ".." in path.split("/"):
        raise Http404
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    return files.protect(response)
