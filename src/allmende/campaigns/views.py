"""Thin views of campaigns: they validate input, call a service and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from allmende.campaigns import embed, exports, selectors, services
from allmende.campaigns.forms import (
    CampaignForm,
    ConsentProofForm,
    DemandForm,
    SignatureForm,
)
from allmende.campaigns.models import (
    STAFF,
    Campaign,
    CampaignState,
    Demand,
    OrganizationSignature,
    OrganizationSignatureState,
    SignatureState,
    targets_from,
)
from allmende.core.ratelimit import client_ip
from allmende.organizations.models import Organization


def _campaign_or_404(request: HttpRequest, slug: str) -> Campaign:
    campaigns: QuerySet[Campaign] = selectors.visible_campaigns(request.user)
    return get_object_or_404(campaigns, slug=slug)


def _add_errors(form: object, exc: ValidationError) -> None:
    fields = getattr(form, "fields", {})
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in fields else None, errors)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc.messages)  # type: ignore[attr-defined]


def _require(request: HttpRequest, permission: str, obj: Model | None = None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "campaigns/list.html",
        {
            "campaigns": selectors.campaign_list(viewer=request.user),
            "can_manage": request.user.has_perm("campaigns.manage_campaign"),
        },
    )


def _detail_context(
    request: HttpRequest, campaign: Campaign, form: SignatureForm | None = None
) -> dict[str, object]:
    can_manage = request.user.has_perm("campaigns.manage_campaign", campaign)
    return {
        "campaign": campaign,
        "demands": list(campaign.demands.all()),
        "counts": selectors.counts(campaign=campaign),
        "organizations": selectors.public_organizations(campaign=campaign),
        "signers": selectors.public_signatures(campaign=campaign),
        "is_open": campaign.is_open(),
        "form": form or SignatureForm(),
        "options": selectors.signing_options(campaign=campaign, viewer=request.user),
        "can_manage": can_manage,
        "all_organizations": (
            selectors.all_organization_signatures(campaign=campaign)
            if can_manage
            else []
        ),
        "targets": targets_from(campaign.state, STAFF) if can_manage else [],
        "demand_form": DemandForm() if can_manage else None,
        "can_export": request.user.has_perm("campaigns.export_signatures", campaign),
        "embed_snippet": (
            embed.snippet(request, campaign)
            if campaign.state == CampaignState.PUBLISHED
            else ""
        ),
    }


@require_safe
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    return render(request, "campaigns/detail.html", _detail_context(request, campaign))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    _require(request, "campaigns.manage_campaign")
    form = CampaignForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                actor=request.user,
                data=form.data_for_service(),
                image=form.cleaned_data["new_image"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The campaign has been saved as a draft."))
            return redirect(campaign)
    return render(request, "campaigns/form.html", {"form": form, "campaign": None})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def campaign_edit(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    _require(request, "campaigns.manage_campaign", campaign)
    form = CampaignForm(request.POST or None, request.FILES or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_update(
                actor=request.user,
                campaign=Campaign.objects.get(pk=campaign.pk),
                data=form.data_for_service(),
                image=(
                    False
                    if form.cleaned_data["remove_image"]
                    else form.cleaned_data["new_image"]
                ),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The campaign has been saved."))
            return redirect(campaign)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@login_required
@require_POST
def campaign_transition(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    _require(request, "campaigns.manage_campaign", campaign)
    try:
        services.campaign_transition(
            actor=request.user, campaign=campaign, target=request.POST.get("state", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The status has been changed."))
    return redirect(campaign)


@login_required
@require_POST
def demand_add(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    _require(request, "campaigns.manage_campaign", campaign)
    form = DemandForm(request.POST)
    if form.is_valid():
        try:
            services.demand_add(
                actor=request.user, campaign=campaign, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The demand has been added."))
    else:
        messages.error(request, _("Please give the demand in German."))
    return redirect(campaign)


@login_required
@require_POST
def demand_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    _require(request, "campaigns.manage_campaign", campaign)
    demand = get_object_or_404(Demand, pk=pk, campaign=campaign)
    try:
        services.demand_delete(actor=request.user, demand=demand)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The demand has been removed."))
    return redirect(campaign)


@login_required
@require_POST
def organization_sign(
    request: HttpRequest, slug: str, organization: int
) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    org = get_object_or_404(Organization, pk=organization)
    _require(request, "campaigns.act_for_organization", org)
    try:
        signature = services.organization_sign(
            actor=request.user, campaign=campaign, organization=org
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if signature.state == OrganizationSignatureState.SIGNED:
            messages.success(
                request, _("Your organization has co-signed the campaign.")
            )
        else:
            messages.success(
                request,
                _("Thank you. The administrators of your organization will decide."),
            )
    return redirect(campaign)


def _organization_signature(
    request: HttpRequest, slug: str, pk: int
) -> OrganizationSignature:
    campaign = _campaign_or_404(request, slug)
    return get_object_or_404(
        OrganizationSignature.objects.select_related("organization", "campaign"),
        pk=pk,
        campaign=campaign,
    )


@login_required
@require_POST
def organization_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    signature = _organization_signature(request, slug, pk)
    _require(request, "campaigns.sign_for_organization", signature.organization)
    try:
        services.organization_signature_confirm(actor=request.user, signature=signature)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your organization has co-signed the campaign."))
    return redirect(signature.campaign)


@login_required
@require_POST
def organization_withdraw(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    signature = _organization_signature(request, slug, pk)
    _require(request, "campaigns.withdraw_signature", signature.organization)
    try:
        services.organization_signature_withdraw(
            actor=request.user, signature=signature
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The co-signing has been withdrawn."))
    return redirect(signature.campaign)


@require_POST
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    form = SignatureForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.signature_create(
                campaign=campaign,
                name=data["name"],
                email=data["email"],
                postcode=data["postcode"],
                name_public=data["name_public"],
                ip=client_ip(request),
            )
        except services.TooManyAttempts:
            return render(
                request, "campaigns/too_many.html", {"campaign": campaign}, status=429
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect(reverse("campaigns:check_mail", kwargs={"slug": slug}))
    return render(
        request,
        "campaigns/detail.html",
        _detail_context(request, campaign, form),
        status=status,
    )


@require_safe
def check_mail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    return render(request, "campaigns/check_mail.html", {"campaign": campaign})


@require_http_methods(["GET", "HEAD", "POST"])
def signature_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the links in mails. Only its buttons (POST) change
    anything: mail scanners open, and sometimes run, links."""
    signature = services.signature_for_token(token)
    if signature is None:
        return render(request, "campaigns/token_invalid.html", status=404)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                services.signature_confirm(signature=signature)
                messages.success(request, _("Thank you! Your signature is confirmed."))
            elif action == "withdraw":
                services.signature_withdraw(signature=signature)
                messages.success(request, _("Your signature has been withdrawn."))
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.path)
    if signature.campaign.state == "draft":
        raise Http404
    return render(
        request,
        "campaigns/signature.html",
        {
            "signature": signature,
            "campaign": signature.campaign,
            "pending": signature.state == SignatureState.PENDING,
            "confirmed": signature.state == SignatureState.CONFIRMED,
        },
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_safe
def signatures_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    campaign = _campaign_or_404(request, slug)
    _require(request, "campaigns.export_signatures", campaign)
    if fmt not in services.EXPORT_FORMATS:
        raise Http404
    content = services.signatures_export(actor=request.user, campaign=campaign, fmt=fmt)
    response = HttpResponse(
        content, content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.slug}-signatures.{fmt}"'
    )
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_proof(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Look up one address (by POST: it must not end up in logs of addresses)."""
    campaign = _campaign_or_404(request, slug) if slug else None
    _require(request, "campaigns.export_signatures", campaign)
    if campaign is None and not request.user.is_staff:
        raise PermissionDenied
    form = ConsentProofForm(request.POST or None)
    records = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if request.POST.get("action") == "erase" and campaign is None:
            erased = services.signatures_erase(actor=request.user, emails=[email])
            messages.success(
                request,
                ngettext(
                    "%(count)d signature of this address has been erased.",
                    "%(count)d signatures of this address have been erased.",
                    erased,
                )
                % {"count": erased},
            )
            return redirect("campaigns:consent_proof_all")
        try:
            records = services.consent_proof(
                actor=request.user, email=email, campaign=campaign
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if request.POST.get("format") == "json":
                response = HttpResponse(
                    exports.consent_proof_json(email, records),
                    content_type="application/json",
                )
                response["Content-Disposition"] = (
                    'attachment; filename="consent-proof.json"'
                )
                return response
    return render(
        request,
        "campaigns/consent_proof.html",
        {"campaign": campaign, "form": form, "records": records},
        status=400 if form.errors else 200,
    )
