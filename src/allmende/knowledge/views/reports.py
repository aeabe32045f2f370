"""Pages of the experience reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts.utils import request_user
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import previous_result, submission_key, submit_once
from allmende.knowledge import selectors
from allmende.knowledge.forms import (
    ReportCreateForm,
    ReportFilterForm,
    ReportForm,
    SuggestionAnswerForm,
    TakedownForm,
    ToolSuggestionForm,
)
from allmende.knowledge.models import Report, ReportState, Tool, ToolSuggestion
from allmende.knowledge.models.reports import report_transition_allowed
from allmende.knowledge.rules import organization_roles
from allmende.knowledge.services import reports as services
from allmende.organizations.models import Organization
from allmende.organizations.selectors import memberships_of


@require_safe
def report_list(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    paginator = Paginator(
        selectors.report_list(filters=form.filters()),
        settings.ALLMENDE_KNOWLEDGE_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    mine = (
        list(selectors.reports_of_organizations(request.user)[:20])
        if request.user.is_authenticated
        else []
    )
    return render(
        request,
        "knowledge/report_list.html",
        {
            "form": form,
            "page": page,
            "mine": mine,
            "can_write": bool(memberships_of(request.user)),
        },
    )


@require_safe
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_detail(pk=pk, viewer=request.user)
    if report is None:
        raise Http404
    roles = organization_roles(request.user, report.organization)
    moves = [
        target
        for target in ReportState.values
        if report_transition_allowed(report.state, target, roles)
    ]
    return render(
        request,
        "knowledge/report_detail.html",
        {
            "report": report,
            "can_change": request.user.has_perm("knowledge.change_report", report),
            "can_publish": ReportState.PUBLISHED in moves,
            "can_withdraw": ReportState.DRAFT in moves,
            "can_take_down": ReportState.UNPUBLISHED in moves,
            "takedown_form": TakedownForm(),
            "voted": selectors.has_voted(report=report, viewer=request.user),
        },
    )


def _writable_organizations(request: HttpRequest) -> list[Organization]:
    return [membership.organization for membership in memberships_of(request.user)]


@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    organizations = _writable_organizations(request)
    if not organizations:
        raise PermissionDenied(
            _("Join an organization first: reports are written on its behalf.")
        )
    if request.method == "POST":
        form = ReportCreateForm(request.POST, organizations=organizations)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data = form.cleaned_data
            try:
                url = submit_once(
                    key=data["submission_key"],
                    user=user,
                    create=lambda: services.report_create(
                        actor=user,
                        organization=data["organization"],
                        data=form.report_data(),
                        tools=data["tools"],
                        focus_areas=data["focus_areas"],
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The draft has been saved. An administrator of the "
                        "organization publishes it."
                    ),
                )
                return redirect(url)
    else:
        tool = request.GET.get("tool", "")
        initial = {"tools": Tool.objects.filter(slug=tool)} if tool else {}
        form = ReportCreateForm(organizations=organizations, initial=initial)
    return render(request, "knowledge/report_form.html", {"form": form})


@login_required
def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    report = get_object_or_404(Report, pk=pk)
    if not user.has_perm("knowledge.change_report", report):
        raise PermissionDenied
    if request.method == "POST":
        form = ReportForm(request.POST, instance=report)
        if form.is_valid():
            try:
                services.report_update(
                    actor=user,
                    report=report,
                    data=form.report_data(),
                    tools=form.cleaned_data["tools"],
                    focus_areas=form.cleaned_data["focus_areas"],
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The report has been saved."))
                return redirect(report)
        report.refresh_from_db()
    else:
        form = ReportForm(instance=report)
    return render(
        request, "knowledge/report_form.html", {"form": form, "report": report}
    )


TRANSITION_MESSAGES = {
    ReportState.PUBLISHED: gettext_lazy("The report is now public."),
    ReportState.DRAFT: gettext_lazy("The report is a draft again."),
    ReportState.UNPUBLISHED: gettext_lazy("The report has been taken down."),
}


@login_required
@require_POST
def report_transition(request: HttpRequest, pk: int, target: str) -> HttpResponse:
    if target not in ReportState.values:
        raise Http404
    report = get_object_or_404(Report, pk=pk)
    reason = ""
    if target == ReportState.UNPUBLISHED:
        form = TakedownForm(request.POST)
        if not form.is_valid():
            messages.error(
                request, _("Please tell the organization why it is taken down.")
            )
            return redirect(report)
        reason = form.cleaned_data["reason"]
    services.report_transition(
        actor=request_user(request), report=report, target=target, reason=reason
    )
    messages.success(request, str(TRANSITION_MESSAGES[ReportState(target)]))
    return redirect(report)


@login_required
@require_POST
def report_vote(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=pk, state=ReportState.PUBLISHED)
    if services.report_vote(actor=request_user(request), report=report):
        messages.success(request, _("Thank you: the report counts as helpful."))
    else:
        messages.info(request, _("You have already marked this report as helpful."))
    return redirect(report)


@login_required
@require_POST
def tool_use(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool, slug=slug)
    try:
        organization_pk = int(request.POST.get("organization", ""))
    except ValueError:
        raise Http404 from None
    organization = get_object_or_404(Organization, pk=organization_pk)
    used = request.POST.get("used") == "1"
    services.tool_use_set(
        actor=request_user(request), organization=organization, tool=tool, used=used
    )
    messages.success(
        request,
        _("Your organization is listed as using this tool.")
        if used
        else _("Your organization is no longer listed as using this tool."),
    )
    return redirect(tool)


@login_required
def tool_suggest(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    organizations = _writable_organizations(request)
    if not organizations:
        raise PermissionDenied(
            _("Join an organization first: suggestions are made on its behalf.")
        )
    if request.method == "POST":
        form = ToolSuggestionForm(request.POST, organizations=organizations)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data = form.cleaned_data

            def create() -> str:
                services.tool_suggestion_create(
                    actor=user,
                    organization=data["organization"],
                    text=data["text"],
                    tool=data["tool"],
                    name=data["name"],
                    homepage_url=data["homepage_url"],
                )
                return reverse("knowledge:tool_list")

            try:
                url = submit_once(key=data["submission_key"], user=user, create=create)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Thank you: the programme team looks at your suggestion."),
                )
                return redirect(url)
    else:
        slug = request.GET.get("tool", "")
        initial = {"tool": Tool.objects.filter(slug=slug).first()} if slug else {}
        form = ToolSuggestionForm(organizations=organizations, initial=initial)
    return render(request, "knowledge/suggestion_form.html", {"form": form})


@login_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if not user.has_perm("knowledge.change_tool"):
        raise PermissionDenied
    if request.method == "POST":
        number = request.POST.get("suggestion", "")
        if not number.isdigit():
            raise Http404
        suggestion = get_object_or_404(ToolSuggestion, pk=int(number))
        form = SuggestionAnswerForm(request.POST)
        form.is_valid()
        try:
            services.tool_suggestion_answer(
                actor=user,
                suggestion=suggestion,
                accepted=request.POST.get("accepted") == "1",
                answer=form.cleaned_data.get("answer", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The suggestion has been answered."))
        return redirect("knowledge:suggestion_list")
    return render(
        request,
        "knowledge/suggestion_list.html",
        {
            "suggestions": selectors.open_suggestions(),
            "form": SuggestionAnswerForm(),
        },
    )
