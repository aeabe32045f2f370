from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
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

from allmende.accounts.models import User
from allmende.core import files
from allmende.core.idempotency import submission_key, submit_once
from allmende.organizations.models import LegalForm, Region
from allmende.programmes import answers as answer_rules
from allmende.programmes import review_selectors, selectors, services
from allmende.programmes.decision_services import decision_letter
from allmende.programmes.diff import answer_changes
from allmende.programmes.forms import (
    ApplicationFilterForm,
    CallFilterForm,
    CallForm,
    CommentForm,
    DecisionForm,
    FormFieldForm,
    InviteForm,
    QuestionForm,
    RevisionsForm,
    StartApplicationForm,
    SubmitForm,
)
from allmende.programmes.models import (
    Application,
    ApplicationFile,
    Call,
    CoApplicant,
    FormField,
)
from allmende.programmes.models.applications import STAFF, targets_for
from allmende.programmes.models.applications import ApplicationState as A
from allmende.programmes.models.calls import CALL_TRANSITIONS
from allmende.programmes.models.calls import STAFF as CALL_STAFF
from allmende.programmes.models.forms import FieldKind as K
from allmende.programmes.review_forms import assign_form_for
from allmende.programmes.rules import eligible_organizations


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 - login_required ran
    return request.user


def _call_or_404(request: HttpRequest, slug: str) -> Call:
    call = selectors.call_for_viewer(slug=slug, viewer=request.user)
    if call is None:
        raise Http404
    return call


def _staff_call(request: HttpRequest, slug: str) -> Call:
    call = _call_or_404(request, slug)
    if not request.user.has_perm("programmes.change_call", call):
        raise PermissionDenied
    return call


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# Calls


@require_safe
def call_list(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    current, past = selectors.call_list(viewer=request.user, state=state)
    return render(
        request,
        "programmes/list.html",
        {
            "form": form,
            "current": current,
            "past": past,
            "can_add": request.user.has_perm("programmes.add_call"),
        },
    )


@require_safe
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(request, slug)
    version = services.form_current_version(call)
    staff = request.user.has_perm("programmes.change_call", call)
    application = selectors.application_of(call=call, user=request.user)
    start_form = None
    if application is None and request.user.has_perm("programmes.apply", call):
        start_form = StartApplicationForm(
            organizations=eligible_organizations(request.user, call),
            individuals=call.individuals_allowed,
        )
    return render(
        request,
        "programmes/detail.html",
        {
            "call": call,
            "legal_forms": [str(LegalForm(v).label) for v in call.legal_forms],
            "regions": [str(Region(v).label) for v in call.regions],
            "fields": selectors.form_fields(version.pk),
            "application": application,
            "start_form": start_form,
            "can_manage": staff,
            "transitions": [
                target
                for (source, target), roles in CALL_TRANSITIONS.items()
                if source == call.state and CALL_STAFF in roles
            ]
            if staff
            else [],
        },
    )


@require_safe
def call_attachment(request: HttpRequest, slug: str) -> HttpResponseBase:
    call = _call_or_404(request, slug)
    if not call.attachment:
        raise Http404
    return files.protect(
        FileResponse(
            call.attachment.open("rb"),
            as_attachment=True,
            filename=f"{call.slug}.pdf",
            content_type="application/pdf",
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("programmes.add_call"):
        raise PermissionDenied
    form = CallForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(
                actor=_user(request),
                data=form.call_data(),
                attachment=form.cleaned_data.get("attachment"),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The call has been created as a draft."))
            return redirect("programmes:form", slug=call.slug)
    return render(
        request,
        "programmes/call_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, slug: str) -> HttpResponse:
    call = _staff_call(request, slug)
    form = CallForm(request.POST or None, request.FILES or None, instance=call)
    if request.method == "POST" and form.is_valid():
        try:
            services.call_update(
                actor=_user(request),
                call=call,
                data=form.call_data(),
                attachment=form.cleaned_data.get("attachment"),
                remove_attachment=form.cleaned_data.get("remove_attachment", False),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The call has been saved."))
            return redirect(call)
    if request.method == "POST":
        call.refresh_from_db()
    return render(
        request,
        "programmes/call_form.html",
        {"form": form, "call": call, "creating": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def call_transition(request: HttpRequest, slug: str) -> HttpResponse:
    call = _staff_call(request, slug)
    try:
        services.call_transition(
            actor=_user(request), call=call, target=request.POST.get("target", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The call is now “%(state)s”.") % {"state": call.get_state_display()},
        )
    return redirect(call)


# The application form


@login_required
@require_safe
def form_editor(request: HttpRequest, slug: str) -> HttpResponse:
    call = _staff_call(request, slug)
    if not request.user.has_perm("programmes.change_form", call):
        raise PermissionDenied
    version = services.form_current_version(call)
    return render(
        request,
        "programmes/form_editor.html",
        {
            "call": call,
            "version": version,
            "fields": selectors.form_fields(version.pk),
            "in_use": version.applications.exists(),
            "form": FormFieldForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def form_field_edit(request: HttpRequest, slug: str, key: str = "") -> HttpResponse:
    call = _staff_call(request, slug)
    if not request.user.has_perm("programmes.change_form", call):
        raise PermissionDenied
    version = services.form_current_version(call)
    field: FormField | None = None
    if key:
        field = get_object_or_404(FormField, version=version, key=key)
    if request.method == "POST":
        form = FormFieldForm(request.POST)
        if form.is_valid():
            try:
                if field is None:
                    services.form_field_add(
                        actor=_user(request), call=call, data=form.field_data()
                    )
                else:
                    services.form_field_update(
                        actor=_user(request), call=call, key=key, data=form.field_data()
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The question has been saved."))
                return redirect("programmes:form", slug=call.slug)
    else:
        form = FormFieldForm(
            initial=FormFieldForm.initial_for(field) if field else None
        )
    return render(
        request,
        "programmes/field_form.html",
        {"call": call, "form": form, "field": field},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def form_field_delete(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    call = _staff_call(request, slug)
    try:
        services.form_field_delete(actor=_user(request), call=call, key=key)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The question has been deleted."))
    return redirect("programmes:form", slug=call.slug)


@login_required
@require_POST
def form_field_move(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    call = _staff_call(request, slug)
    try:
        services.form_field_move(
            actor=_user(request),
            call=call,
            key=key,
            up=request.POST.get("direction") == "up",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(
        reverse("programmes:form", kwargs={"slug": call.slug}) + f"#field-{key}"
    )


# Applications


@login_required
@require_POST
def application_start(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(request, slug)
    if not request.user.has_perm("programmes.apply", call):
        raise PermissionDenied
    form = StartApplicationForm(
        request.POST,
        organizations=eligible_organizations(request.user, call),
        individuals=call.individuals_allowed,
    )
    if not form.is_valid():
        messages.error(request, _("Please choose whom you apply for."))
        return redirect(call)
    user = _user(request)
    try:
        url = submit_once(
            key=form.cleaned_data["submission_key"],
            user=user,
            create=lambda: services.application_start(
                actor=user, call=call, organization=form.chosen_organization()
            ).get_absolute_url(),
        )
    except (ValidationError, IntegrityError) as exc:
        messages.error(
            request,
            " ".join(exc.messages)
            if isinstance(exc, ValidationError)
            else _("There is already an application to this call for them."),
        )
        return redirect(call)
    return redirect(url)


def _visible_application(request: HttpRequest, pk: int) -> Application:
    application = get_object_or_404(
        Application.objects.select_related("call", "form_version", "organization"),
        pk=pk,
    )
    if not request.user.has_perm("programmes.view_application", application):
        raise Http404
    return application


def _own_application(request: HttpRequest, pk: int) -> Application:
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.edit_application", application):
        raise PermissionDenied
    return application


def _rows(
    application: Application,
    fields: list[FormField],
    errors: dict[str, list[str]],
) -> list[dict[str, Any]]:
    """Each field with its answer, errors and whether it may be changed."""
    stored_files = {f.pk: f for f in application.files.all()}
    rows = []
    for field in fields:
        value = application.answers.get(field.key)
        row: dict[str, Any] = {
            "field": field,
            "value": value,
            "display": answer_rules.display(field, value),
            "errors": errors.get(field.key, []),
            "editable": application.field_editable(field.key),
            "stamp": application.answer_stamps.get(field.key, 0),
            # A conflict keeps the page's count: the next save conflicts again
            # until the person has reloaded and seen the other version.
            "conflict": field.key in getattr(errors, "conflicts", ()),
        }
        if field.kind == K.TABLE:
            table = list(value) if isinstance(value, list) else []
            columns = field.column_pairs()
            row["columns"] = columns
            row["table"] = [
                [
                    (answer_rules.table_cell_name(field, i, key), label, r.get(key, ""))
                    for key, label, _kind in columns
                ]
                for i, r in enumerate([*table, {}, {}])
            ]
        if field.kind == K.FILE:
            row["file"] = stored_files.get(value) if isinstance(value, int) else None
            row["max_bytes"] = field.max_bytes or answer_rules.DEFAULT_MAX_BYTES
        if field.kind in (K.SHORT_TEXT, K.LONG_TEXT):
            text = str(value or "")
            row["chars"] = len(text)
            row["words"] = answer_rules.word_count(text)
        if field.kind == K.MULTIPLE_CHOICE:
            row["selected"] = value if isinstance(value, list) else []
        rows.append(row)
    return rows


def _decisions(state: str) -> list[str]:
    """The decisions staff may take on an application in ``state``."""
    return [
        target
        for target in targets_for(state, STAFF)
        if target in (A.ACCEPTED, A.REJECTED)
    ]


def _application_context(
    request: HttpRequest,
    application: Application,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    fields = selectors.form_fields(application.form_version_id)
    staff = request.user.has_perm("programmes.manage_applications", application)
    own = request.user.has_perm("programmes.edit_application", application)
    context: dict[str, Any] = {
        "application": application,
        "call": application.call,
        "rows": _rows(application, fields, errors or {}),
        "errors": errors or {},
        "own": own,
        "editing": own and application.is_editable,
        "staff": staff,
        "submit_form": SubmitForm(),
        "can_withdraw": request.user.has_perm(
            "programmes.withdraw_application", application
        ),
        "team": selectors.application_team(application),
        "can_manage_team": request.user.has_perm("programmes.manage_team", application),
        "can_comment": request.user.has_perm(
            "programmes.comment_application", application
        ),
        "invite_form": InviteForm(),
        "revision_count": application.revisions.count(),
        "comment_form": CommentForm(),
    }
    if context["can_comment"]:
        context["comments"] = list(application.comments.select_related("author"))
    if staff:
        context["targets"] = [
            t
            for t in targets_for(application.state, STAFF)
            if t not in (A.MORE_INFORMATION, A.ACCEPTED, A.REJECTED)
        ]
        context["can_ask"] = A.MORE_INFORMATION in targets_for(application.state, STAFF)
        decisions = _decisions(application.state)
        context["can_decide"] = bool(decisions)
        context["question_form"] = QuestionForm(form_fields=fields)
        context["decision_form"] = DecisionForm(
            allowed=decisions, templates=list(application.call.decision_templates.all())
        )
        for row in context["rows"]:
            row["redacted_copy"] = application.redacted_answers.get(
                row["field"].key, ""
            )
        context["reviews"] = review_selectors.application_reviews(application)
        context["assign_form"] = assign_form_for(application)
    return context


@login_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    return render(
        request,
        "programmes/application.html",
        _application_context(request, application),
    )


@login_required
@require_POST
def application_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep the answers; htmx calls this while the applicant types."""
    application = _own_application(request, pk)
    try:
        errors = services.application_save(
            actor=_user(request), application=application, data=request.POST
        )
    except ValidationError as exc:
        if request.headers.get("HX-Request"):
            return render(
                request,
                "programmes/_autosave.html",
                {"failed": " ".join(exc.messages)},
                status=409,
            )
        messages.error(request, " ".join(exc.messages))
        return redirect(application)
    if request.headers.get("HX-Request"):
        fields = selectors.form_fields(application.form_version_id)
        return render(
            request,
            "programmes/_autosave.html",
            {
                "rows": [
                    row
                    for row in _rows(application, fields, errors)
                    if row["editable"] and row["field"].holds_answer
                ],
            },
        )
    if errors:
        messages.warning(request, _("Your answers have been saved; some need a look."))
    else:
        messages.success(request, _("Your answers have been saved."))
    return redirect(application)


@login_required
@require_POST
def application_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep the answers and the file of one file field (by its button)."""
    application = _own_application(request, pk)
    key = request.POST.get("upload", "")
    errors: dict[str, list[str]] = {}
    try:
        errors = services.application_save(
            actor=_user(request), application=application, data=request.POST
        )
        upload = request.FILES.get(key)
        if upload is None:
            errors[key] = [_("Please choose a file first.")]
        else:
            services.application_upload(
                actor=_user(request), application=application, key=key, upload=upload
            )
            messages.success(request, _("The file has been added."))
            return redirect(
                reverse("programmes:application", kwargs={"pk": pk}) + f"#q-{key}"
            )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            errors.update(exc.message_dict)
        else:
            errors[key] = exc.messages
    return render(
        request,
        "programmes/application.html",
        _application_context(request, application, errors),
        status=400,
    )


@login_required
@require_safe
def application_file(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    application = _visible_application(request, pk)
    stored = get_object_or_404(ApplicationFile, application=application, pk=file_pk)
    return files.protect(
        FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=stored.original_name,
            content_type=files.content_type_of(stored.file.name or ""),
        )
    )


@login_required
@require_POST
def application_submit(request: HttpRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    key = submission_key(request)
    user = _user(request)
    if key is None:
        raise PermissionDenied

    def submit() -> str:
        services.application_save(
            actor=user, application=application, data=request.POST
        )
        services.application_submit(actor=user, application=application)
        return application.get_absolute_url()

    try:
        url = submit_once(key=key, user=user, create=submit)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        application.refresh_from_db()
        if application.is_editable:
            # The failed submission undid the save above: keep the answers.
            services.application_save(
                actor=user, application=application, data=request.POST
            )
        if not errors:
            messages.error(request, " ".join(exc.messages))
            return redirect(application)
        messages.error(request, _("Your application is not complete yet; see below."))
        return render(
            request,
            "programmes/application.html",
            _application_context(request, application, errors),
            status=400,
        )
    messages.success(
        request,
        _("Your application has been submitted. You will get a receipt by e-mail."),
    )
    return redirect(url)


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.withdraw_application", application):
        raise PermissionDenied
    try:
        services.application_withdraw(actor=_user(request), application=application)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your application has been withdrawn."))
    return redirect(application)


@login_required
@require_safe
def my_applications(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programmes/mine.html",
        {"applications": selectors.applications_of(user=request.user)},
    )


# Staff


@login_required
@require_safe
def call_applications(request: HttpRequest, slug: str) -> HttpResponse:
    call = _staff_call(request, slug)
    if not request.user.has_perm("programmes.manage_applications"):
        raise PermissionDenied
    form = ApplicationFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    return render(
        request,
        "programmes/applications.html",
        {
            "call": call,
            "form": form,
            "applications": selectors.call_applications(call=call, state=state),
        },
    )


@login_required
@require_POST
def application_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff move an application on: a plain step, a question or a decision."""
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.manage_applications", application):
        raise PermissionDenied
    target = request.POST.get("target", "")
    kwargs: dict[str, Any] = {}
    fields = selectors.form_fields(application.form_version_id)
    if target == A.MORE_INFORMATION:
        question_form = QuestionForm(request.POST, form_fields=fields)
        if not question_form.is_valid():
            context = _application_context(request, application)
            context["question_form"] = question_form
            return render(request, "programmes/application.html", context, status=400)
        kwargs.update(
            question=question_form.cleaned_data["question"],
            reopened_fields=question_form.cleaned_data["reopen"],
        )
    elif target == "decision":
        # Checked against the state staff saw; if it changed meanwhile, the
        # service says so.
        templates = list(application.call.decision_templates.all())
        allowed = _decisions(request.POST.get("state") or application.state)
        decision_form = DecisionForm(request.POST, allowed=allowed, templates=templates)
        if not decision_form.is_valid():
            context = _application_context(request, application)
            context["decision_form"] = decision_form
            return render(request, "programmes/application.html", context, status=400)
        target = decision_form.cleaned_data["decision"]
        message = decision_form.cleaned_data["message"].strip()
        template = decision_form.chosen_template()
        if template is not None and ("preview" in request.POST or not message):
            # The letter in the applicant's language.
            message = decision_letter(template, application)
        if "preview" in request.POST:
            data = request.POST.copy()
            data["message"] = message
            context = _application_context(request, application)
            context["decision_form"] = DecisionForm(
                data, allowed=allowed, templates=templates
            )
            context["previewing"] = True
            return render(request, "programmes/application.html", context)
        kwargs["message"] = message
    try:
        services.application_transition(
            actor=_user(request),
            application=application,
            target=target,
            expected_state=request.POST.get("state") or None,
            **kwargs,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The application is now “%(state)s”.")
            % {"state": application.get_state_display()},
        )
    return redirect(application)


# Co-applicants


@login_required
@require_POST
def team_invite(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.manage_team", application):
        raise PermissionDenied
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.co_applicant_invite(
                actor=_user(request),
                application=application,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The invitation has been sent."))
            return redirect(application)
    context = _application_context(request, application)
    context["invite_form"] = form
    return render(request, "programmes/application.html", context, status=400)


@login_required
@require_POST
def team_remove(request: HttpRequest, pk: int, place_pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    place = get_object_or_404(CoApplicant, application=application, pk=place_pk)
    if place.user_id != request.user.pk and not request.user.has_perm(
        "programmes.manage_team", application
    ):
        raise PermissionDenied
    services.co_applicant_remove(actor=_user(request), place=place)
    messages.success(request, _("The person has been removed from the application."))
    if place.user_id == request.user.pk:
        return redirect("programmes:mine")
    return redirect(application)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, pk: int) -> HttpResponse:
    place = selectors.invitation_for(pk=pk, user=request.user)
    if place is None:
        raise Http404
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        try:
            services.co_applicant_answer(
                actor=_user(request), place=place, accept=accept
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if accept:
                messages.success(request, _("You now work on this application."))
                return redirect(place.application)
            messages.success(request, _("You have declined the invitation."))
            return redirect("programmes:mine")
    return render(request, "programmes/invitation.html", {"place": place})


@login_required
@require_POST
def application_comment(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    if not request.user.has_perm("programmes.comment_application", application):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.application_comment(
                actor=_user(request),
                application=application,
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your comment has been added."))
            return redirect(
                reverse("programmes:application", kwargs={"pk": pk}) + "#comments"
            )
    context = _application_context(request, application)
    context["comment_form"] = form
    return render(request, "programmes/application.html", context, status=400)


# What changed between submissions


@login_required
@require_safe
def application_changes(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    revisions = {r.number: r for r in application.revisions.all()}
    numbers = sorted(revisions)
    if len(numbers) < 2:
        messages.info(request, _("This application has been submitted only once."))
        return redirect(application)
    form = RevisionsForm(
        request.GET or {"before": numbers[-2], "after": numbers[-1]}, numbers=numbers
    )
    context: dict[str, Any] = {"application": application, "form": form}
    if not form.is_valid():
        return render(request, "programmes/changes.html", context, status=400)
    before = revisions[form.cleaned_data["before"]]
    after = revisions[form.cleaned_data["after"]]
    changes = answer_changes(
        selectors.form_fields(application.form_version_id),
        before.answers,
        after.answers,
    )
    context.update(
        before=before,
        after=after,
        changed=[c for c in changes if c.changed],
        unchanged=[c for c in changes if not c.changed],
    )
    return render(request, "programmes/changes.html", context)
