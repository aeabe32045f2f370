"""Pages for reviews: staff set them up and read the scores; reviewers
declare conflicts and score."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from openpyxl import Workbook

from allmende.core import files
from allmende.programmes import review_selectors, review_services, selectors
from allmende.programmes.models import (
    ApplicationFile,
    Call,
    Review,
    ReviewCriterion,
    Reviewer,
    ReviewPhase,
)
from allmende.programmes.models.reviews import ReviewState as R
from allmende.programmes.review_forms import (
    AutoAssignForm,
    CriterionForm,
    DeclareForm,
    PhaseForm,
    ReviewerForm,
    ReviewForm,
    assign_form_for,
)
from allmende.programmes.views import (
    _add_errors,
    _call_or_404,
    _rows,
    _user,
    _visible_application,
)


def _review_staff_call(request: HttpRequest, slug: str) -> Call:
    call = _call_or_404(request, slug)
    if not request.user.has_perm("programmes.manage_reviews", call):
        raise PermissionDenied
    return call


def _setup(request: HttpRequest, call: Call, **forms: Any) -> dict[str, Any]:
    return {
        "call": call,
        "phases": list(call.review_phases.all()),
        "current_phase": review_services.current_phase(call),
        "criteria": list(call.review_criteria.all()),
        "reviewers": list(call.reviewers.select_related("user")),
        "phase_form": forms.get("phase_form") or PhaseForm(),
        "criterion_form": forms.get("criterion_form") or CriterionForm(),
        "reviewer_form": forms.get("reviewer_form") or ReviewerForm(),
        "auto_form": forms.get("auto_form") or AutoAssignForm(),
    }


@login_required
@require_safe
def review_setup(request: HttpRequest, slug: str) -> HttpResponse:
    call = _review_staff_call(request, slug)
    return render(request, "programmes/review_setup.html", _setup(request, call))


def _back(call: Call, anchor: str) -> HttpResponse:
    return redirect(reverse("programmes:review_setup", args=[call.slug]) + anchor)


@login_required
@require_POST
def phase_add(request: HttpRequest, slug: str) -> HttpResponse:
    call = _review_staff_call(request, slug)
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            review_services.review_phase_add(
                actor=_user(request), call=call, data=form.phase_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The review phase has been added."))
            return _back(call, "#phases")
    return render(
        request,
        "programmes/review_setup.html",
        _setup(request, call, phase_form=form),
        status=400,
    )


@login_required
@require_POST
def phase_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _review_staff_call(request, slug)
    phase = get_object_or_404(ReviewPhase, call=call, pk=pk)
    review_services.review_phase_delete(actor=_user(request), phase=phase)
    messages.success(request, _("The review phase has been deleted."))
    return _back(call, "#phases")


@login_required
@require_POST
def criterion_add(request: HttpRequest, slug: str) -> HttpResponse:
    call = _review_staff_call(request, slug)
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            review_services.review_criterion_add(
                actor=_user(request), call=call, data=form.criterion_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The criterion has been added."))
            return _back(call, "#criteria")
    return render(
        request,
        "programmes/review_setup.html",
        _setup(request, call, criterion_form=form),
        status=400,
    )


@login_required
@require_POST
def criterion_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _review_staff_call(request, slug)
    criterion = get_object_or_404(ReviewCriterion, call=call, pk=pk)
    try:
        review_services.review_criterion_delete(
            actor=_user(request), criterion=criterion
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The criterion has been deleted."))
    return _back(call, "#criteria")


@login_required
@require_POST
def reviewer_add(request: HttpRequest, slug: str) -> HttpResponse:
    call = _review_staff_call(request, slug)
    form = ReviewerForm(request.POST)
    if form.is_valid():
        try:
            review_services.reviewer_add(
                actor=_user(request), call=call, email=form.cleaned_data["email"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The reviewer has been added."))
            return _back(call, "#reviewers")
    return render(
        request,
        "programmes/review_setup.html",
        _setup(request, call, reviewer_form=form),
        status=400,
    )


@login_required
@require_POST
def reviewer_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _review_staff_call(request, slug)
    reviewer = get_object_or_404(Reviewer, call=call, pk=pk)
    review_services.reviewer_remove(actor=_user(request), reviewer=reviewer)
    messages.success(request, _("The reviewer has been removed."))
    return _back(call, "#reviewers")


@login_required
@require_POST
def assign_automatically(request: HttpRequest, slug: str) -> HttpResponse:
    call = _review_staff_call(request, slug)
    form = AutoAssignForm(request.POST)
    if form.is_valid():
        try:
            made = review_services.reviews_assign_automatically(
                actor=_user(request),
                call=call,
                per_application=form.cleaned_data["per_application"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)d reviews have been assigned.") % {"count": made},
            )
            return _back(call, "#assign")
    return render(
        request,
        "programmes/review_setup.html",
        _setup(request, call, auto_form=form),
        status=400,
    )


@login_required
@require_safe
def scores(request: HttpRequest, slug: str) -> HttpResponse:
    call = _review_staff_call(request, slug)
    criteria, rows, progress = review_selectors.score_matrix(call)
    return render(
        request,
        "programmes/scores.html",
        {"call": call, "criteria": criteria, "rows": rows, "progress": progress},
    )


@login_required
@require_POST
def review_assign(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.manage_reviews", application):
        raise PermissionDenied
    form = assign_form_for(application, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a reviewer of this call."))
        return redirect(application)
    reviewer = application.call.reviewers.get(
        user_id=form.cleaned_data["reviewer"]
    ).user
    try:
        review_services.review_assign(
            actor=_user(request), application=application, user=reviewer
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The reviewer has been assigned."))
    return redirect(reverse("programmes:application", args=[pk]) + "#reviews")


@login_required
@require_POST
def review_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("application"), pk=pk)
    if not request.user.has_perm("programmes.manage_reviews", review.application):
        raise PermissionDenied
    try:
        review_services.review_reopen(actor=_user(request), review=review)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The review has been reopened."))
    return redirect(
        reverse("programmes:application", args=[review.application_id]) + "#reviews"
    )


# Reviewers


@login_required
@require_safe
def my_reviews(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programmes/my_reviews.html",
        {"reviews": list(review_selectors.reviews_for(user=request.user))},
    )


def _own_review(request: HttpRequest, pk: int) -> Review:
    """The reviewer's own review, if they may reach it now (conflicts are
    checked again on every access)."""
    review = get_object_or_404(
        Review.objects.select_related("application__call", "application__form_version"),
        pk=pk,
        reviewer_id=request.user.pk,
    )
    if not (
        request.user.has_perm("programmes.declare_review", review)
        or request.user.has_perm("programmes.read_review", review)
    ):
        raise Http404
    return review


def _review_context(
    request: HttpRequest, review: Review, form: ReviewForm | None = None
) -> dict[str, Any]:
    application = review.application
    phase = review_services.current_phase(application.call)
    criteria = list(application.call.review_criteria.all())
    fields = selectors.form_fields(application.form_version_id)
    rows = _rows(application, fields, {})
    if phase.pseudonymised:
        for row in rows:
            redacted = application.redacted_answers.get(row["field"].key)
            if redacted:
                row["display"] = redacted
                row["redacted"] = True
    return {
        "review": review,
        "application": application,
        "call": application.call,
        "phase": phase,
        "rows": rows,
        "editing": review.state == R.DRAFT and phase.can_review,
        "form": form
        or ReviewForm(initial=ReviewForm.initial_for(review), criteria=criteria),
        "others": review_selectors.other_reviews(review, phase),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _own_review(request, pk)
    if review.state == R.ASSIGNED:
        return render(
            request,
            "programmes/review_declare.html",
            {"review": review, "call": review.application.call, "form": DeclareForm()},
        )
    if request.method == "POST":
        form = ReviewForm(
            request.POST, criteria=list(review.application.call.review_criteria.all())
        )
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                review_services.review_save(
                    actor=_user(request),
                    review=review,
                    data=form.review_data(),
                    submit=submit,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Your review has been submitted. Thank you!")
                    if submit
                    else _("Your review has been saved."),
                )
                return redirect(review)
        return render(
            request,
            "programmes/review.html",
            _review_context(request, review, form),
            status=400,
        )
    return render(request, "programmes/review.html", _review_context(request, review))


@login_required
@require_POST
def review_declare(request: HttpRequest, pk: int) -> HttpResponse:
    review = _own_review(request, pk)
    form = DeclareForm(request.POST)
    if form.is_valid():
        try:
            review_services.review_declare(
                actor=_user(request),
                review=review,
                conflict=form.cleaned_data["conflict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if review.state == R.CONFLICT:
                messages.success(
                    request,
                    _("Thank you; the team will ask someone else to review it."),
                )
                return redirect("programmes:my_reviews")
            return redirect(review)
    return render(
        request,
        "programmes/review_declare.html",
        {"review": review, "call": review.application.call, "form": form},
        status=400,
    )


@login_required
@require_safe
def review_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    """An attachment for the reviewer, under a name that names nobody."""
    review = _own_review(request, pk)
    if review.state == R.ASSIGNED:
        raise Http404
    stored = get_object_or_404(
        ApplicationFile, application_id=review.application_id, pk=file_pk
    )
    extension = Path(stored.file.name or "").suffix
    return files.protect(
        FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=f"{stored.field_key}{extension}",
            content_type=files.content_type_of(stored.file.name or ""),
        )
    )


# Cells a spreadsheet would read as a formula are written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@login_required
@require_safe
def scores_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """The score matrix as CSV or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    call = _review_staff_call(request, slug)
    header, rows = review_selectors.score_table(call)
    name = f"{call.slug}-scores.{fmt}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write("\ufeff")  # Spreadsheets then read UTF-8 correctly.
        writer = csv.writer(response)
        writer.writerow([_cell(v) for v in header])
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Scores")[:31])
        sheet.append([_cell(v) for v in header])
        for row in rows:
            sheet.append([_cell(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument."
            "spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def application_redact(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.manage_reviews", application):
        raise PermissionDenied
    key = request.POST.get("field", "")
    try:
        review_services.application_redact(
            actor=_user(request),
            application=application,
            key=key,
            text=request.POST.get("text", "")[:20000],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The copy for reviewers has been saved."))
    return redirect(reverse("programmes:application", args=[pk]) + f"#q-{key}")
