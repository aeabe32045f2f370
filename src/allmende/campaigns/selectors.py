"""Reads of campaigns that depend on who is looking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone

from allmende.campaigns.exports import ConsentRecord
from allmende.campaigns.models import (
    PUBLIC_STATES,
    Campaign,
    CampaignCounter,
    CampaignState,
    ConsentText,
    OrganizationSignature,
    OrganizationSignatureState,
    Signature,
    SignatureState,
)
from allmende.organizations.models import Membership, Organization

if TYPE_CHECKING:
    from allmende.core.modules import Viewer


def _is_staff(viewer: Viewer) -> bool:
    return bool(viewer.is_authenticated and getattr(viewer, "is_staff", False))


def visible_campaigns(viewer: Viewer) -> QuerySet[Campaign]:
    """Campaigns ``viewer`` may see: staff all, everyone else the public ones."""
    campaigns = Campaign.objects.all()
    if _is_staff(viewer):
        return campaigns
    return campaigns.filter(state__in=sorted(PUBLIC_STATES))


def public_campaigns() -> QuerySet[Campaign]:
    """Campaigns anyone may see, whoever is looking (the widget, the API)."""
    return Campaign.objects.filter(state__in=sorted(PUBLIC_STATES))


def campaign_list(*, viewer: Viewer) -> QuerySet[Campaign]:
    """The list page: not archived (for staff also drafts), newest first."""
    return (
        visible_campaigns(viewer)
        .exclude(state=CampaignState.ARCHIVED)
        .select_related("counter")
    )


def open_campaigns(*, limit: int) -> list[Campaign]:
    now = timezone.now()
    return list(
        Campaign.objects.filter(state=CampaignState.PUBLISHED, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("ends_at", "-starts_at")[:limit]
    )


@dataclass(frozen=True)
class Counts:
    organizations: int
    individuals: int
    goal: int | None

    @property
    def percent(self) -> int:
        if not self.goal:
            return 0
        return min(100, self.individuals * 100 // self.goal)


def counts(*, campaign: Campaign) -> Counts:
    """The public counts from the campaign's counter, not from the signatures.

    A counter older than a few seconds is brought up to date first, by one
    request per process and interval (the others read it as it is), so the
    counts follow the signatures within seconds even without a job runner.
    """
    from allmende.campaigns.services import COUNTER_MAX_AGE, counter_update

    counter = CampaignCounter.objects.filter(campaign=campaign).first()
    if counter is None or counter.updated_at < timezone.now() - COUNTER_MAX_AGE:
        gate = f"allmende:campaigns:counter:{campaign.pk}"
        if cache.add(gate, 1, int(COUNTER_MAX_AGE.total_seconds())):
            counter_update(campaign_id=campaign.pk)
            counter = CampaignCounter.objects.filter(campaign=campaign).first()
    return Counts(
        organizations=counter.organizations if counter else 0,
        individuals=counter.individuals if counter else 0,
        goal=campaign.goal,
    )


def public_organization_signatures(
    *, campaign: Campaign
) -> QuerySet[OrganizationSignature]:
    return (
        OrganizationSignature.objects.filter(
            campaign=campaign, state=OrganizationSignatureState.SIGNED
        )
        .select_related("organization")
        .order_by("organization__name", "id")
    )


def public_organizations(*, campaign: Campaign) -> list[OrganizationSignature]:
    return list(public_organization_signatures(campaign=campaign))


def all_organization_signatures(*, campaign: Campaign) -> list[OrganizationSignature]:
    """Every co-signing, withdrawn and declined ones too (for staff)."""
    return list(
        OrganizationSignature.objects.filter(campaign=campaign)
        .select_related("organization")
        .order_by("organization__name", "-created_at")
    )


def public_signer_names(*, campaign: Campaign) -> QuerySet[Signature]:
    """Confirmed signers who agreed to be listed, if the campaign shows names
    at all (anonymised ones have no name left)."""
    if not campaign.names_public:
        return Signature.objects.none()
    return (
        Signature.objects.filter(
            campaign=campaign,
            state=SignatureState.CONFIRMED,
            name_public=True,
            anonymised_at__isnull=True,
        )
        .only("name", "confirmed_at")
        .order_by("-confirmed_at", "-id")
    )


def public_signatures(*, campaign: Campaign, limit: int = 100) -> list[Signature]:
    return list(public_signer_names(campaign=campaign)[:limit])


def signatures_for_export(*, campaign: Campaign) -> list[Signature]:
    """Confirmed signatures only: pending ones have not agreed yet, withdrawn
    ones no longer agree."""
    return list(
        Signature.objects.filter(campaign=campaign, state=SignatureState.CONFIRMED)
        .only(
            "name",
            "email",
            "postcode",
            "name_public",
            "signed_at",
            "confirmed_at",
            "consent_version",
        )
        .order_by("confirmed_at", "id")
    )


def consent_records(
    *, email: str, campaign: Campaign | None = None
) -> list[ConsentRecord]:
    """Every signature of ``email`` (normalised) in ``campaign`` or in all
    campaigns, each with the consent text of its version."""
    signatures = list(
        Signature.objects.filter(email=email)
        .filter(**({"campaign": campaign} if campaign is not None else {}))
        .select_related("campaign")
        .order_by("signed_at", "id")
    )
    texts = {
        (text.campaign_id, text.version): text
        for text in ConsentText.objects.filter(
            campaign_id__in={s.campaign_id for s in signatures}
        )
    }
    records = []
    for signature in signatures:
        text = texts.get((signature.campaign_id, signature.consent_version))
        current = signature.campaign
        if text is None and signature.consent_version == current.consent_version:
            consent_de, consent_en = current.consent_de, current.consent_en
        else:
            consent_de = text.text_de if text else ""
            consent_en = text.text_en if text else ""
        records.append(
            ConsentRecord(
                campaign=current,
                signature=signature,
                consent_de=consent_de,
                consent_en=consent_en,
            )
        )
    return records


@dataclass(frozen=True)
class SigningOption:
    """One organization of the viewer and what the viewer may do for it."""

    organization: Organization
    is_admin: bool
    signature: OrganizationSignature | None


def signing_options(*, campaign: Campaign, viewer: Viewer) -> list[SigningOption]:
    if not viewer.is_authenticated:
        return []
    memberships = list(
        Membership.objects.filter(user_id=viewer.pk)
        .select_related("organization")
        .order_by("organization__name")
    )
    latest: dict[int, OrganizationSignature] = {}
    for signature in OrganizationSignature.objects.filter(
        campaign=campaign,
        organization_id__in=[m.organization_id for m in memberships],
    ).order_by("created_at", "id"):
        latest[signature.organization_id] = signature
    return [
        SigningOption(
            organization=membership.organization,
            is_admin=membership.role == Membership.Role.ADMIN,
            signature=latest.get(membership.organization_id),
        )
        for membership in memberships
    ]


def campaigns_signed_by_organizations_of(*, user: Viewer, limit: int) -> list[Campaign]:
    if not user.is_authenticated:
        return []
    return list(
        Campaign.objects.filter(
            state__in=sorted(PUBLIC_STATES),
            organization_signatures__state=OrganizationSignatureState.SIGNED,
            organization_signatures__organization__memberships__user_id=user.pk,
        )
        .distinct()
        .order_by("-starts_at")[:limit]
    )
