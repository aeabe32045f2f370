"""Staff pages of harvesting: sources, their runs, and each run's report."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts.utils import request_user
from allmende.core.forms import add_validation_error
from allmende.harvest import selectors, services
from allmende.harvest.forms import SourceForm
from allmende.harvest.models import HarvestLogEntry, HarvestRun, HarvestSource

View = Callable[..., HttpResponse]


def staff_only(view: View) -> View:
    """Log in first; then only those who may manage harvesting (staff)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm("harvest.manage_sources"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "harvest/source_list.html", {"sources": selectors.source_list()}
    )


@staff_only
def source_create(request: HttpRequest) -> HttpResponse:
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(
                actor=request_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The source has been added."))
            return redirect(source)
    return render(request, "harvest/source_form.html", {"form": form})


@staff_only
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(HarvestSource, pk=pk)
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        source.refresh_from_db()
        try:
            services.source_update(
                actor=request_user(request), source=source, **form.cleaned_data
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The source has been saved."))
            return redirect(source)
    if request.method == "POST":
        source.refresh_from_db()
    return render(request, "harvest/source_form.html", {"form": form, "source": source})


@staff_only
@require_safe
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(
        HarvestSource.objects.select_related("organization", "created_by"), pk=pk
    )
    return render(
        request,
        "harvest/source_detail.html",
        {
            "source": source,
            "runs": selectors.source_runs(source=source),
            "counts": selectors.source_record_counts(source=source),
        },
    )


@staff_only
@require_POST
def source_harvest(request: HttpRequest, pk: int) -> HttpResponse:
    """Harvest now. A second click while a run is queued or running starts
    nothing and leads to that run."""
    source = get_object_or_404(HarvestSource, pk=pk)
    try:
        run = services.run_start(actor=request_user(request), source=source)
    except services.AlreadyRunning as exc:
        messages.info(request, exc.messages[0])
        return redirect(exc.run or source)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(source)
    messages.success(
        request,
        _("The harvest has started. This page shows its progress; reload it."),
    )
    return redirect(run)


@staff_only
@require_safe
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        run = selectors.run_with_source(pk=pk)
    except HarvestRun.DoesNotExist as exc:
        raise Http404 from exc
    action = request.GET.get("action", "")
    if action not in HarvestLogEntry.Action.values:
        action = ""
    paginator = Paginator(selectors.run_entries(run=run, action=action), 100)
    return render(
        request,
        "harvest/run_detail.html",
        {
            "run": run,
            "action": action,
            "action_label": dict(HarvestLogEntry.Action.choices).get(action, ""),
            "actions": HarvestLogEntry.Action.choices,
            "page": paginator.get_page(request.GET.get("page")),
        },
    )
