"""Staff pages for decision templates and decisions on many applications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from allmende.programmes import decision_services
from allmende.programmes.decision_forms import BatchDecisionForm, TemplateForm
from allmende.programmes.models import Application, Call, DecisionTemplate
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.views import _add_errors, _call_or_404, _user


def _decider_call(request: HttpRequest, slug: str) -> Call:
    call = _call_or_404(request, slug)
    if not request.user.has_perm("programmes.manage_applications", call):
        raise PermissionDenied
    return call


@login_required
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest, slug: str) -> HttpResponse:
    call = _decider_call(request, slug)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision_services.decision_template_add(
                actor=_user(request), call=call, data=form.template_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The template has been saved."))
            return redirect("programmes:decision_templates", slug=call.slug)
    return render(
        request,
        "programmes/decision_templates.html",
        {"call": call, "form": form, "templates": list(call.decision_templates.all())},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def template_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _decider_call(request, slug)
    template = get_object_or_404(DecisionTemplate, call=call, pk=pk)
    decision_services.decision_template_delete(actor=_user(request), template=template)
    messages.success(request, _("The template has been deleted."))
    return redirect("programmes:decision_templates", slug=call.slug)


@login_required
@require_http_methods(["GET", "POST"])
def batch(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose applications and a letter, confirm on a preview, decide."""
    call = _decider_call(request, slug)
    waiting = list(
        Application.objects.filter(call=call, state=A.READY_FOR_DECISION)
        .select_related("applicant", "organization", "call")
        .order_by("submitted_at", "id")
    )
    # On confirmation the applications are those previewed, whatever their
    # state now: the service reports those that moved meanwhile.
    if "confirm" in request.POST:
        ids = [int(v) for v in request.POST.getlist("applications") if v.isdigit()]
        waiting = list(
            Application.objects.filter(call=call, pk__in=ids).select_related(
                "applicant", "organization", "call"
            )
        )
    form = BatchDecisionForm(
        request.POST if request.method == "POST" else None,
        applications=waiting,
        templates=list(call.decision_templates.all()),
    )
    context: dict[str, Any] = {"call": call, "form": form, "waiting": waiting}
    if request.method == "POST" and form.is_valid():
        template = form.chosen_template()
        chosen = form.chosen_applications()
        if "confirm" not in request.POST:
            context["letters"] = [
                (
                    application,
                    decision_services.applicant_language(application),
                    decision_services.decision_letter(template, application),
                )
                for application in chosen
            ]
            context["template"] = template
            return render(request, "programmes/decide_confirm.html", context)
        result = decision_services.applications_decide(
            actor=_user(request),
            call=call,
            chosen=[
                (a.pk, request.POST.get(f"state-{a.pk}", A.READY_FOR_DECISION))
                for a in chosen
            ],
            template=template,
        )
        if result.decided:
            messages.success(
                request,
                ngettext(
                    "%(count)d application has been decided; its applicant is told.",
                    "%(count)d applications have been decided; their applicants "
                    "are told.",
                    len(result.decided),
                )
                % {"count": len(result.decided)},
            )
        for application, problem in result.failed:
            messages.error(
                request,
                _("Application no. %(number)s was not decided: %(problem)s")
                % {"number": application.pk, "problem": problem},
            )
        return redirect(reverse("programmes:applications", args=[call.slug]))
    return render(
        request,
        "programmes/decide.html",
        context,
        status=400 if form.errors else 200,
    )
