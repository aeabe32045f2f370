"""Pages of the hosted services and of organizations' requests for them."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts.utils import request_user
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import previous_result, submission_key, submit_once
from allmende.knowledge import selectors
from allmende.knowledge.forms import ServiceDecisionForm, ServiceRequestForm
from allmende.knowledge.models import AccessState, HostedService
from allmende.knowledge.models.hosting import access_transition_allowed
from allmende.knowledge.rules import organization_roles
from allmende.knowledge.services import hosting as services
from allmende.organizations.models import Membership, Organization
from allmende.organizations.selectors import memberships_of


@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/service_list.html",
        {
            "services": selectors.hosted_services(),
            "mine": list(selectors.service_requests_of(request.user)[:20]),
        },
    )


def _admin_of(request: HttpRequest) -> list[Organization]:
    return [
        membership.organization
        for membership in memberships_of(request.user)
        if membership.role == Membership.Role.ADMIN
    ]


@require_safe
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(HostedService.objects.select_related("tool"), slug=slug)
    return render(
        request,
        "knowledge/service_detail.html",
        {
            "service": service,
            "code": services.current_code(service),
            "can_request": bool(_admin_of(request)) and service.is_open,
        },
    )


@login_required
def service_request_create(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    service = get_object_or_404(HostedService, slug=slug)
    organizations = _admin_of(request)
    if not organizations:
        raise PermissionDenied(
            _("Only administrators of an organization request services.")
        )
    code = services.current_code(service)
    if code is None:
        raise Http404
    if request.method == "POST":
        form = ServiceRequestForm(request.POST, organizations=organizations)
        valid = form.is_valid()
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid and form.cleaned_data["code_version"] != code.version:
            form.add_error(
                "accept_code",
                _(
                    "The code of conduct has changed while you were reading; "
                    "please read the current version."
                ),
            )
            valid = False
        if valid:
            data = form.cleaned_data
            try:
                url = submit_once(
                    key=data["submission_key"],
                    user=user,
                    create=lambda: services.service_request_create(
                        actor=user,
                        service=service,
                        organization=data["organization"],
                        data=form.request_data(),
                        accepted_code=code,
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Your request has been sent. The programme team answers it."),
                )
                return redirect(url)
    else:
        form = ServiceRequestForm(
            organizations=organizations,
            initial={
                "code_version": code.version,
                "contact_name": user.get_full_name() or str(user),
                "contact_email": user.email,
            },
        )
    return render(
        request,
        "knowledge/service_request_form.html",
        {"form": form, "service": service, "code": code},
    )


ACTION_LABELS = {
    AccessState.APPROVED: gettext_lazy("Approve"),
    AccessState.DECLINED: gettext_lazy("Decline"),
    AccessState.PROVISIONING: gettext_lazy("Start setting up"),
    AccessState.ACTIVE: gettext_lazy("Mark as active"),
    AccessState.SUSPENDED: gettext_lazy("Suspend"),
    AccessState.ENDED: gettext_lazy("End access"),
    AccessState.REQUESTED: gettext_lazy("Request again"),
}


@login_required
@require_safe
def service_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.service_request_for(pk=pk, viewer=request.user)
    if found is None:
        raise Http404
    roles = services.access_roles(request_user(request), found)
    moves = [
        (target, ACTION_LABELS[AccessState(target)])
        for target in AccessState.values
        if access_transition_allowed(found.state, target, roles)
    ]
    code = services.current_code(found.service)
    return render(
        request,
        "knowledge/service_request_detail.html",
        {
            "access": found,
            "moves": moves,
            "needs_form": any(
                target in (AccessState.DECLINED, AccessState.ACTIVE)
                for target, _label in moves
            )
            and found.state != AccessState.SUSPENDED,
            "form": ServiceDecisionForm(),
            "code": code,
            "must_reaccept": code is not None
            and code.pk != found.code_of_conduct_id
            and "org_admin" in roles,
            "is_admin": "org_admin"
            in organization_roles(request.user, found.organization),
        },
    )


@login_required
@require_POST
def service_request_transition(
    request: HttpRequest, pk: int, target: str
) -> HttpResponse:
    if target not in AccessState.values:
        raise Http404
    found = selectors.service_request_for(pk=pk, viewer=request.user)
    if found is None:
        raise PermissionDenied
    form = ServiceDecisionForm(request.POST)
    form.is_valid()
    try:
        services.service_request_transition(
            actor=request_user(request),
            request=found,
            target=target,
            reason=form.cleaned_data.get("reason", ""),
            access_details=form.cleaned_data.get("access_details", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The request is now: %(state)s.") % {"state": AccessState(target).label},
        )
    return redirect(found)


@login_required
@require_POST
def service_request_accept_code(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.service_request_for(pk=pk, viewer=request.user)
    if found is None:
        raise PermissionDenied
    code = services.current_code(found.service)
    if code is None:
        raise Http404
    try:
        services.service_request_accept_code(
            actor=request_user(request), request=found, code=code
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you: the code of conduct is accepted."))
    return redirect(found)


@login_required
@require_safe
def service_usage(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise PermissionDenied
    usage = selectors.service_usage()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="service-usage.csv"'
        writer = csv.writer(response)
        writer.writerow(["service", "organization", "state", "active_since"])
        for access in usage:
            writer.writerow(
                [
                    access.service.name,
                    access.organization.name,
                    access.state,
                    access.active_since.isoformat() if access.active_since else "",
                ]
            )
        return response
    return render(request, "knowledge/service_usage.html", {"usage": usage})
