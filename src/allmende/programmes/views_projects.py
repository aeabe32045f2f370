"""Pages of projects: the public gallery and project page, and the actions of
the team, mentors and staff on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from allmende.accounts.models import User
from allmende.core import files
from allmende.programmes import exports_projects as exports
from allmende.programmes import selectors
from allmende.programmes import selectors_projects as project_selectors
from allmende.programmes import services_projects as services
from allmende.programmes.forms_projects import (
    ConsultationForm,
    DatasetResultForm,
    LinkResultForm,
    MentorForm,
    MilestoneForm,
    MilestoneReportForm,
    MilestoneReviewForm,
    ProjectFilterForm,
    ProjectForm,
    ProjectStateForm,
)
from allmende.programmes.models import (
    Application,
    Mentorship,
    Milestone,
    MilestoneReportFile,
    Project,
    ProjectResult,
)
from allmende.programmes.models.projects import (
    PROJECT_TRANSITIONS,
    STAFF,
)

# Projects on one page of the gallery.
PAGE_SIZE = 24


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required ran
    return request.user


def _project_or_404(request: HttpRequest, slug: str) -> Project:
    project = project_selectors.project_for_viewer(slug=slug, viewer=request.user)
    if project is None:
        raise Http404
    return project


def _project_for(request: HttpRequest, slug: str, permission: str) -> Project:
    project = _project_or_404(request, slug)
    if not request.user.has_perm(permission, project):
        raise PermissionDenied
    return project


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# The public pages


@require_safe
def project_list(request: HttpRequest) -> HttpResponse:
    form = ProjectFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    page = Paginator(
        project_selectors.public_projects(state=state), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    projects = list(page.object_list)
    for project in projects:
        project.progress = project_selectors.progress(project)  # type: ignore[attr-defined]
    return render(
        request,
        "programmes/projects/list.html",
        {
            "form": form,
            "page": page,
            "completed": [p for p in projects if p.state == "completed"],
            "running": [p for p in projects if p.state != "completed"],
            "can_export": request.user.has_perm("programmes.export"),
        },
    )


def _detail_context(
    request: HttpRequest, project: Project, **forms: Any
) -> dict[str, Any]:
    user = request.user
    follows = user.has_perm("programmes.follow_project", project)
    staff = user.has_perm("programmes.manage_project", project)
    may = {
        "change": user.has_perm("programmes.change_project", project),
        "report": user.has_perm("programmes.report_milestone", project),
        "review": user.has_perm("programmes.review_milestone", project),
        "plan": user.has_perm("programmes.plan_milestones", project),
        "log": user.has_perm("programmes.log_consultation", project),
        "publish": user.has_perm("programmes.publish_result", project),
    }
    context: dict[str, Any] = {
        "project": project,
        "progress": project_selectors.progress(project),
        "mentors": project_selectors.project_mentors(project),
        "results": project.public_results,  # type: ignore[attr-defined]
        "follows": follows,
        "staff": staff,
        "may": may,
        "today": timezone.localdate(),
    }
    if follows:
        accompaniment = project_selectors.accompaniment(project)
        context["accompaniment"] = accompaniment
        context["milestones"] = accompaniment.milestones
    else:
        context["milestones"] = project_selectors.project_milestones(project)
    if staff:
        context["targets"] = [
            target
            for (source, target), roles in PROJECT_TRANSITIONS.items()
            if source == project.state and STAFF in roles
        ]
        context["mentor_form"] = forms.get("mentor_form") or MentorForm(
            candidates=services.mentor_candidates(project), prefix="mentor"
        )
    if may["log"]:
        context["consultation_form"] = forms.get(
            "consultation_form"
        ) or ConsultationForm(prefix="consultation")
    if may["plan"]:
        context["milestone_form"] = forms.get("milestone_form") or MilestoneForm(
            prefix="milestone"
        )
    if may["publish"]:
        context["link_form"] = forms.get("link_form") or LinkResultForm(prefix="link")
    context["report_form"] = forms.get("report_form")
    context["report_for"] = forms.get("report_for")
    context["review_form"] = forms.get("review_form")
    context["review_for"] = forms.get("review_for")
    return context


@require_safe
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_or_404(request, slug)
    return render(
        request,
        "programmes/projects/detail.html",
        _detail_context(request, project),
    )


def _detail_again(request: HttpRequest, project: Project, **forms: Any) -> HttpResponse:
    return render(
        request,
        "programmes/projects/detail.html",
        _detail_context(request, project, **forms),
        status=400,
    )


# Staff: start, edit, move a project


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest, application_pk: int) -> HttpResponse:
    if not request.user.has_perm("programmes.add_project"):
        raise PermissionDenied
    application = get_object_or_404(
        Application.objects.select_related("call", "organization", "form_version"),
        pk=application_pk,
    )
    existing = Project.objects.filter(application=application).first()
    if existing is not None:
        return redirect(existing)
    form = ProjectForm(
        request.POST or None,
        initial=None if request.POST else ProjectForm.initial_for(application),
    )
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(
                actor=_user(request), application=application, data=form.project_data()
            )
        except (ValidationError, IntegrityError) as exc:
            if isinstance(exc, IntegrityError):
                found = Project.objects.filter(application=application).first()
                if found is not None:
                    return redirect(found)
                raise
            _add_errors(form, exc)
        else:
            messages.success(request, _("The project has been started."))
            return redirect(project)
    return render(
        request,
        "programmes/projects/form.html",
        {"form": form, "application": application, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.change_project")
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(
                actor=_user(request), project=project, data=form.project_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The project has been saved."))
            return redirect(project)
    if request.method == "POST":
        project.refresh_from_db()
    return render(
        request,
        "programmes/projects/form.html",
        {"form": form, "project": project, "creating": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def project_state(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.manage_project")
    form = ProjectStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose what should happen to the project."))
        return redirect(project)
    try:
        services.project_transition(
            actor=_user(request), project=project, target=form.cleaned_data["target"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The project is now “%(state)s”.")
            % {"state": project.get_state_display()},
        )
    return redirect(project)


# Mentors and consultations


@login_required
@require_POST
def mentor_propose(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.manage_project")
    form = MentorForm(
        request.POST,
        candidates=services.mentor_candidates(project, limit=1000),
        prefix="mentor",
    )
    if form.is_valid():
        try:
            services.mentorship_propose(
                actor=_user(request),
                project=project,
                mentor=form.cleaned_data["mentor"],
                area=form.cleaned_data["area"],
            )
        except (ValidationError, IntegrityError) as exc:
            form.add_error(
                None,
                exc.messages
                if isinstance(exc, ValidationError)
                else _("This person is already asked to mentor this project."),
            )
        else:
            messages.success(request, _("The mentor has been asked."))
            return redirect(project)
    return _detail_again(request, project, mentor_form=form)


@login_required
@require_POST
def mentorship_answer(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship.objects.select_related("project"), pk=pk)
    if not request.user.has_perm("programmes.answer_mentorship", mentorship):
        raise Http404
    accept = request.POST.get("answer") == "accept"
    try:
        services.mentorship_answer(
            actor=_user(request), mentorship=mentorship, accept=accept
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Thank you: you now mentor this project.")
            if accept
            else _("You have declined the request."),
        )
    return redirect(mentorship.project)


@login_required
@require_POST
def mentorship_end(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = get_object_or_404(Mentorship.objects.select_related("project"), pk=pk)
    if not request.user.has_perm("programmes.manage_project", mentorship.project):
        raise PermissionDenied
    try:
        services.mentorship_end(actor=_user(request), mentorship=mentorship)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The mentorship has ended."))
    return redirect(mentorship.project)


@login_required
@require_POST
def consultation_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.log_consultation")
    form = ConsultationForm(request.POST, prefix="consultation")
    if form.is_valid():
        try:
            services.consultation_record(
                actor=_user(request), project=project, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The consultation has been recorded."))
            return redirect(project.get_absolute_url() + "#consultations")
    return _detail_again(request, project, consultation_form=form)


# Milestones


def _milestone(project: Project, pk: int) -> Milestone:
    return get_object_or_404(
        Milestone.objects.select_related("project"), project=project, pk=pk
    )


@login_required
@require_POST
def milestone_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.plan_milestones")
    form = MilestoneForm(request.POST, prefix="milestone")
    if form.is_valid():
        try:
            services.milestone_add(
                actor=_user(request), project=project, data=form.milestone_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The milestone has been added."))
            return redirect(project.get_absolute_url() + "#milestones")
    return _detail_again(request, project, milestone_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "programmes.report_milestone")
    milestone = _milestone(project, pk)
    form = MilestoneReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_report(
                actor=_user(request),
                milestone=milestone,
                text=form.cleaned_data["text"],
                uploads=form.cleaned_data["attachments"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your report has been sent to the mentors."))
            return redirect(milestone)
    return render(
        request,
        "programmes/projects/report.html",
        {"project": project, "milestone": milestone, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def milestone_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "programmes.review_milestone")
    milestone = _milestone(project, pk)
    form = MilestoneReviewForm(request.POST, prefix=f"review-{milestone.pk}")
    if form.is_valid():
        try:
            services.milestone_review(
                actor=_user(request),
                milestone=milestone,
                accept=form.cleaned_data["decision"] == "accept",
                feedback=form.cleaned_data["feedback"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The report has been reviewed."))
            return redirect(milestone)
    return _detail_again(request, project, review_form=form, review_for=milestone.pk)


@login_required
@require_POST
def milestone_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "programmes.manage_project")
    milestone = _milestone(project, pk)
    try:
        services.milestone_cancel(actor=_user(request), milestone=milestone)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The milestone has been cancelled."))
    return redirect(project.get_absolute_url() + "#milestones")


@login_required
@require_safe
def report_file(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    project = _project_or_404(request, slug)
    if not request.user.has_perm("programmes.follow_project", project):
        raise Http404
    stored = get_object_or_404(
        MilestoneReportFile, report__milestone__project=project, pk=pk
    )
    return files.protect(
        FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=stored.original_name,
            content_type=files.content_type_of(stored.file.name or ""),
        )
    )


# Results


@login_required
@require_http_methods(["GET", "POST"])
def result_dataset(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.publish_result")
    form = DatasetResultForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.result_publish_dataset(
                actor=_user(request),
                project=project,
                data=form.dataset_data(),
                upload=form.cleaned_data.get("file"),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied:
            form.add_error(
                None,
                _("Only members of the organization can publish its datasets."),
            )
        else:
            messages.success(
                request,
                _("The dataset has been published in the catalog."),
            )
            return redirect(result.get_url())
    return render(
        request,
        "programmes/projects/dataset.html",
        {"project": project, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def result_link(request: HttpRequest, slug: str) -> HttpResponse:
    project = _project_for(request, slug, "programmes.publish_result")
    form = LinkResultForm(request.POST, prefix="link")
    if form.is_valid():
        try:
            services.result_add_link(
                actor=_user(request), project=project, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The result has been added."))
            return redirect(project.get_absolute_url() + "#results")
    return _detail_again(request, project, link_form=form)


@login_required
@require_POST
def result_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _project_for(request, slug, "programmes.publish_result")
    result = get_object_or_404(ProjectResult, project=project, pk=pk)
    try:
        services.result_remove(actor=_user(request), result=result)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The result has been removed."))
    return redirect(project.get_absolute_url() + "#results")


# Exports for staff


def _spreadsheet(content: bytes, name: str, fmt: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_safe
def export_projects(request: HttpRequest, fmt: str) -> HttpResponse:
    if not request.user.has_perm("programmes.export"):
        raise PermissionDenied
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    projects = list(project_selectors.export_projects())
    rows = exports.project_rows(projects)
    return _spreadsheet(exports.write(rows, fmt, _("Projects")), "projects", fmt)


@login_required
@require_safe
def export_applications(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    call = selectors.call_for_viewer(slug=slug, viewer=request.user)
    if call is None:
        raise Http404
    if not request.user.has_perm("programmes.export"):
        raise PermissionDenied
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    rows = exports.application_rows(call)
    return _spreadsheet(
        exports.write(rows, fmt, _("Applications")), f"{call.slug}-applications", fmt
    )
