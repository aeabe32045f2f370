from __future__ import annotations

import logging
import posixpath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django.views.static import serve

from allmende.accounts.utils import request_user
from allmende.core import files, selectors, services
from allmende.core.forms import ProgrammeTextForm, StyleguideForm, add_validation_error
from allmende.core.health import run as run_health_checks
from allmende.core.modules import dashboard_sections, start_sections
from allmende.core.search import site_search
from allmende.core.templatetags.allmende import icon_names

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The programme in one sentence and a section per module."""
    user = request.user
    return render(
        request,
        "core/home.html",
        {
            "programme": selectors.programme_text(),
            "sections": start_sections(request),
            # Only staff may edit it (core.rules); asking for anyone else
            # would read their permissions from the database on every visit.
            "can_edit_programme": user.is_staff
            and user.has_perm("core.change_programmetext"),
        },
    )


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """The person's own page: what is theirs, what needs them, staff queues."""
    return render(
        request, "core/dashboard.html", {"sections": dashboard_sections(request)}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def programme_edit(request: HttpRequest) -> HttpResponse:
    """Staff change the programme's name, claim and text on the start page."""
    user = request_user(request)
    if not user.has_perm("core.change_programmetext"):
        raise PermissionDenied
    programme = selectors.programme_text()
    form = ProgrammeTextForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_text_update(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The start page has been saved."))
            return redirect("home")
    return render(request, "core/programme_edit.html", {"form": form})


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


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Whether this node can serve (503 when it cannot), naming each check;
    see :mod:`allmende.core.health`."""
    report = run_health_checks()
    body: dict[str, object] = {"status": report.status, "checks": report.checks}
    if report.failed:
        body["failed"] = report.failed
    if report.late:
        body["late"] = report.late
    return JsonResponse(body, status=200 if report.serving else 503)


# The part of the media tree anyone may read. Everything else a person gives
# the platform is in the private storage and handed out by views that check
# permission.
PUBLIC_MEDIA = ("organizations/logos/", "campaigns/images/")


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


# The styleguide's components: (anchor and template name, title). Each is
# rendered from ``core/styleguide/<name>.html`` and shown with that source.
STYLEGUIDE_COMPONENTS = [
    ("colours", _("Colours")),
    ("type", _("Type scale")),
    ("spacing", _("Spacing")),
    ("icons", _("Icons")),
    ("buttons", _("Buttons")),
    ("badges", _("Badges")),
    ("cards", _("Cards")),
    ("forms", _("Form fields")),
    ("tables", _("Tables")),
    ("alerts", _("Alerts")),
    ("empty", _("Empty states")),
    ("pagination", _("Pagination")),
    ("breadcrumbs", _("Breadcrumbs")),
    ("tabs", _("Tabs")),
    ("progress", _("Progress bar")),
]


@login_required
@require_safe
def styleguide(request: HttpRequest) -> HttpResponse:
    """The living documentation of the design system (staff only)."""
    if not request.user.is_staff:
        raise PermissionDenied
    form = StyleguideForm(
        data={"name": "", "email": "not an address", "description": ""},
        auto_id="styleguide-%s",
    )
    context = {"form": form, "icon_names": icon_names()}
    components = []
    for name, title in STYLEGUIDE_COMPONENTS:
        template_name = f"core/styleguide/{name}.html"
        components.append(
            {
                "name": name,
                "title": title,
                "source": get_template(template_name).template.source,  # type: ignore[attr-defined]
                "html": render_to_string(template_name, context, request),
            }
        )
    return render(request, "core/styleguide.html", {"components": components})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for a missing or stale CSRF token, in the site's design.

    With ``DEBUG`` and ``ALLMENDE_DEBUG_TECHNICAL_PAGES``, Django's page with
    the reason is shown instead; the reason is always logged.
    """
    logger.warning("CSRF verification failed for %s: %s", request.path, reason)
    if settings.DEBUG and settings.ALLMENDE_DEBUG_TECHNICAL_PAGES:
        from django.views.csrf import csrf_failure as technical_csrf_failure

        return technical_csrf_failure(request, reason)
    return render(request, "errors/csrf.html", status=403)
