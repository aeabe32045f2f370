from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from allmende.accounts.utils import request_user
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import previous_result, submission_key, submit_once
from allmende.organizations import selectors, services
from allmende.organizations.forms import (
    DirectoryFilterForm,
    InvitationForm,
    OrganizationCreateForm,
    OrganizationForm,
    RoleForm,
    VerificationDecisionForm,
)
from allmende.organizations.models import (
    Membership,
    Organization,
    VerificationRequest,
)


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.filters()
    paginator = Paginator(
        selectors.organization_list(filters=filters),
        settings.ALLMENDE_DIRECTORY_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "map_tiles": settings.ALLMENDE_MAP_TILE_URL,
        "map_attribution": settings.ALLMENDE_MAP_ATTRIBUTION,
        "filtered": any(filters.__dict__.values()),
    }
    template = (
        "organizations/_results.html"
        if request.headers.get("HX-Request")
        and request.headers.get("HX-Target") == "results"
        else "organizations/directory.html"
    )
    return render(request, template, context)


@require_safe
def map_points(request: HttpRequest) -> JsonResponse:
    filters = DirectoryFilterForm(request.GET or None).filters()
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": selectors.organization_map_points(filters=filters),
        }
    )


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    from allmende.catalog.selectors import organization_datasets
    from allmende.events.selectors import (
        organization_proposals,
        organization_upcoming_events,
    )

    organization = get_object_or_404(
        Organization.objects.prefetch_related("focus_areas"), slug=slug
    )
    can_manage = request.user.has_perm("organizations.manage_members", organization)
    can_edit = request.user.has_perm("organizations.change_organization", organization)
    return render(
        request,
        "organizations/detail.html",
        {
            "organization": organization,
            "members": selectors.organization_members(
                organization=organization, viewer=request.user
            ),
            "datasets": organization_datasets(
                viewer=request.user, organization=organization
            ),
            "events": organization_upcoming_events(organization=organization),
            "proposals": (
                organization_proposals(organization=organization) if can_edit else []
            ),
            "verification": (
                selectors.verification_latest(organization=organization)
                if request.user.has_perm(
                    "organizations.view_verification", organization
                )
                else None
            ),
            "can_withdraw_verification": request.user.has_perm(
                "organizations.withdraw_verification", organization
            ),
            "can_request_verification": request.user.has_perm(
                "organizations.request_verification", organization
            ),
            "can_edit": can_edit,
            "can_propose_event": request.user.has_perm(
                "events.propose_for_organization", organization
            ),
            "can_manage": can_manage,
            "can_verify": request.user.has_perm(
                "organizations.verify_organization", organization
            ),
            "invitations": (
                selectors.organization_open_invitations(organization=organization)
                if can_manage
                else []
            ),
            "join_requests": (
                list(selectors.join_requests_open(organization=organization))
                if request.user.has_perm(
                    "organizations.decide_join_request", organization
                )
                else []
            ),
            "can_request_membership": request.user.has_perm(
                "organizations.request_membership", organization
            ),
            "own_join_request": selectors.join_request_of(
                organization=organization, viewer=request.user
            ),
            "role_choices": Membership.Role.choices,
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = OrganizationCreateForm(request.POST, request.FILES)
        valid = form.is_valid()
        # A repeated submission (double click, reload) goes where the first led,
        # even when the first has just taken the name this one asks for.
        earlier = previous_result(submission_key(request), user)
        if earlier:
            return redirect(earlier)
        if valid:
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            focus_areas = data.pop("focus_areas")
            logo = data.pop("logo") or None
            try:
                url = submit_once(
                    key=key,
                    user=user,
                    create=lambda: services.organization_create(
                        actor=user, focus_areas=focus_areas, logo=logo, **data
                    ).get_absolute_url(),
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("Your organization has been created."))
                return redirect(url)
    else:
        form = OrganizationCreateForm()
    return render(request, "organizations/form.html", {"form": form, "creating": True})


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    organization = get_object_or_404(Organization, slug=slug)
    if not user.has_perm("organizations.change_organization", organization):
        raise PermissionDenied
    if request.method == "POST":
        form = OrganizationForm(request.POST, request.FILES, instance=organization)
        if form.is_valid():
            data = dict(form.cleaned_data)
            focus_areas = list(data.pop("focus_areas"))
            logo = data.pop("logo")
            if logo is not False and not hasattr(logo, "read"):
                logo = None
            try:
                services.organization_update(
                    actor=user,
                    organization=organization,
                    focus_areas=focus_areas,
                    logo=logo,
                    **data,
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The profile has been saved."))
                return redirect(organization)
        # Show the form with the values entered, not the half-changed object.
        organization.refresh_from_db()
    else:
        form = OrganizationForm(instance=organization)
    return render(
        request,
        "organizations/form.html",
        {"form": form, "organization": organization, "creating": False},
    )


@login_required
@require_POST
def verify(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    verified = request.POST.get("verified") == "1"
    services.organization_set_verified(
        actor=request_user(request), organization=organization, verified=verified
    )
    messages.success(
        request,
        _("The organization is now verified.")
        if verified
        else _("The verification has been removed."),
    )
    return redirect(organization)


@login_required
@require_POST
def verification_request(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    try:
        services.verification_request(
            organization=organization, actor=request_user(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Your request has been sent. The team will check the profile and "
                "tell you the result by e-mail."
            ),
        )
    return redirect(organization)


@login_required
@require_POST
def verification_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    verification = get_object_or_404(organization.verification_requests, pk=pk)
    try:
        services.verification_request_withdraw(
            actor=request_user(request), request=verification
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your request for verification was withdrawn."))
    return redirect(organization)


@login_required
@require_safe
def verification_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("organizations.view_verification_queue"):
        raise PermissionDenied
    return render(
        request,
        "organizations/verification_queue.html",
        {"queue": selectors.verification_queue(), "form": VerificationDecisionForm()},
    )


@login_required
@require_POST
def verification_decide(request: HttpRequest, pk: int) -> HttpResponse:
    verification = get_object_or_404(
        VerificationRequest.objects.select_related("organization"), pk=pk
    )
    if not request.user.has_perm(
        "organizations.verify_organization", verification.organization
    ):
        raise PermissionDenied
    form = VerificationDecisionForm(request.POST)
    if form.is_valid():
        verified = form.cleaned_data["decision"] == "verify"
        try:
            services.verification_decide(
                request=verification,
                verified=verified,
                reason=form.cleaned_data["reason"],
                actor=request_user(request),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                (
                    _("%(organization)s is now verified.")
                    if verified
                    else _("The request of %(organization)s has been declined.")
                )
                % {"organization": verification.organization.name},
            )
    else:
        messages.error(request, " ".join(form.error_messages()))
    return redirect("organizations:verification_queue")


@login_required
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    organization = get_object_or_404(Organization, slug=slug)
    if not user.has_perm("organizations.invite_members", organization):
        raise PermissionDenied
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                services.invitation_create(
                    actor=user,
                    organization=organization,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("An invitation has been sent to %(email)s.")
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect(organization)
    else:
        form = InvitationForm()
    return render(
        request,
        "organizations/invite.html",
        {"form": form, "organization": organization},
    )


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    invitation = get_object_or_404(organization.invitations, pk=pk)
    services.invitation_revoke(actor=request_user(request), invitation=invitation)
    messages.success(request, _("The invitation has been withdrawn."))
    return redirect(organization)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Show an invitation; accepting it is a POST (mail scanners open links)."""
    found = services.invitation_for_token(token)
    problem = None
    if found is None:
        problem = _(
            "This invitation link is not valid. Please check that you copied "
            "the whole link."
        )
    elif found.accepted_at is not None:
        problem = _("This invitation has already been used.")
    elif found.revoked_at is not None:
        problem = _("This invitation was withdrawn.")
    elif not found.is_open:
        problem = _("This invitation has expired. Please ask for a new one.")
    if request.method == "POST" and problem is None:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.invitation_accept(
                actor=request_user(request), token=token
            )
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Welcome to %(organization)s!")
                % {"organization": membership.organization.name},
            )
            return redirect(membership.organization)
    return render(
        request,
        "organizations/invitation.html",
        {"invitation": found, "problem": problem},
        status=400 if problem and request.method == "POST" else 200,
    )


@login_required
@require_POST
def change_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    membership = get_object_or_404(organization.memberships, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a role."))
        return redirect(organization)
    try:
        services.membership_change_role(
            actor=request_user(request),
            membership=membership,
            role=form.cleaned_data["role"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The role has been changed."))
    return redirect(organization)


@login_required
@require_POST
def remove_member(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    membership = get_object_or_404(organization.memberships, pk=pk)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(actor=request_user(request), membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(organization)
    messages.success(
        request,
        _("You have left the organization.")
        if leaving
        else _("The member has been removed."),
    )
    return redirect(organization)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    try:
        services.join_request_create(
            actor=request_user(request), organization=organization
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "Your request has been sent. The administrators of "
                "%(organization)s will answer it."
            )
            % {"organization": organization.name},
        )
    return redirect(organization)


def _decide_join_request(
    request: HttpRequest, slug: str, pk: int, *, accept: bool
) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=slug)
    join_request = get_object_or_404(
        organization.join_requests.select_related("user"), pk=pk
    )
    try:
        services.join_request_decide(
            actor=request_user(request), join_request=join_request, accept=accept
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (
                _("%(person)s is now a member.")
                if accept
                else _("The request of %(person)s has been declined.")
            )
            % {"person": join_request.user.public_name},
        )
    return redirect(
        reverse("organizations:detail", kwargs={"slug": slug}) + "#members-heading"
    )


@login_required
@require_POST
def join_request_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _decide_join_request(request, slug, pk, accept=True)


@login_required
@require_POST
def join_request_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _decide_join_request(request, slug, pk, accept=False)
