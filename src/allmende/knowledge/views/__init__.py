from __future__ import annotations

from django.conf import settings
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
from allmende.core.idempotency import previous_result, submission_key, submit_once
from allmende.knowledge import selectors, services
from allmende.knowledge.forms import ToolCreateForm, ToolFilterForm, ToolForm
from allmende.knowledge.models import Tool, ToolUse
from allmende.knowledge.services import error_text
from allmende.organizations.models import Membership
from allmende.organizations.selectors import memberships_of


@require_safe
def tool_list(request: HttpRequest) -> HttpResponse:
    form = ToolFilterForm(request.GET or None)
    filters = form.filters()
    paginator = Paginator(
        selectors.tool_list(filters=filters), settings.ALLMENDE_KNOWLEDGE_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filtered": filters.active,
        "can_add": request.user.has_perm("knowledge.add_tool"),
    }
    template = (
        "knowledge/_tool_results.html"
        if request.headers.get("HX-Request")
        and request.headers.get("HX-Target") == "results"
        else "knowledge/tool_list.html"
    )
    return render(request, template, context)


@require_safe
def tool_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = selectors.tool_detail(slug=slug)
    if tool is None:
        raise Http404
    can_change = request.user.has_perm("knowledge.change_tool")
    admin_of = [
        membership.organization
        for membership in memberships_of(request.user)
        if membership.role == Membership.Role.ADMIN
    ]
    using = selectors.organizations_using(tool=tool)
    return render(
        request,
        "knowledge/tool_detail.html",
        {
            "tool": tool,
            "can_change": can_change,
            "can_check": request.user.has_perm("knowledge.check_tool"),
            "broken_links": [
                (link, error_text(link.error_template, link.error_params))
                for link in tool.links.all()
                if not link.ok
            ],
            "activity_error": error_text(
                tool.activity_error_template, tool.activity_error_params
            ),
            "reports": selectors.tool_reports(tool=tool),
            "organizations_using": using,
            "admin_of": admin_of,
            "services": selectors.tool_services(tool=tool),
            "marked": set(
                ToolUse.objects.filter(
                    tool=tool, organization__in=admin_of
                ).values_list("organization_id", flat=True)
            ),
        },
    )


@require_safe
def tool_compare(request: HttpRequest) -> HttpResponse:
    slugs = [slug for slug in request.GET.getlist("tool") if slug][:50]
    tools = selectors.tools_for_comparison(slugs=slugs)
    return render(
        request,
        "knowledge/tool_compare.html",
        {
            "tools": tools,
            "too_many": len(set(slugs)) > selectors.COMPARE_MAX,
            "most": selectors.COMPARE_MAX,
        },
    )


@login_required
def tool_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.has_perm("knowledge.add_tool"):
        raise PermissionDenied
    if request.method == "POST":
        form = ToolCreateForm(request.POST)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data, categories = form.tool_data(), list(form.cleaned_data["categories"])
            try:
                url = submit_once(
                    key=form.cleaned_data["submission_key"],
                    user=user,
                    create=lambda: services.tool_create(
                        actor=user, data=data, categories=categories
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The tool has been added."))
                return redirect(url)
    else:
        form = ToolCreateForm()
    return render(request, "knowledge/tool_form.html", {"form": form, "creating": True})


@login_required
def tool_edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    tool = get_object_or_404(Tool, slug=slug)
    if not user.has_perm("knowledge.change_tool"):
        raise PermissionDenied
    if request.method == "POST":
        form = ToolForm(request.POST, instance=tool)
        if form.is_valid():
            try:
                services.tool_update(
                    actor=user,
                    tool=tool,
                    data=form.tool_data(),
                    categories=form.cleaned_data["categories"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The tool has been saved."))
                return redirect(tool)
        tool.refresh_from_db()
    else:
        form = ToolForm(instance=tool)
    return render(
        request,
        "knowledge/tool_form.html",
        {"form": form, "tool": tool, "creating": False},
    )


@login_required
@require_POST
def tool_check(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool, slug=slug)
    services.tool_request_check(actor=request_user(request), tool=tool)
    messages.success(
        request,
        _("The addresses and the last release are being checked; reload in a minute."),
    )
    return redirect(tool)


@login_required
@require_safe
def maintenance(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("knowledge.view_maintenance"):
        raise PermissionDenied
    paginator = Paginator(selectors.maintenance_queue(), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/maintenance.html",
        {
            "page": page,
            "months": settings.ALLMENDE_KNOWLEDGE_UNMAINTAINED_MONTHS,
        },
    )
