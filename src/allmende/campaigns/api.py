"""Public campaign data as JSON (read only): campaigns, demands, counts and
the public list of signatories."""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from allmende.campaigns import selectors
from allmende.campaigns.models import (
    Campaign,
    CampaignCounter,
    Demand,
    OrganizationSignature,
    Signature,
)
from allmende.core.api import INVALID, NOT_FOUND, LimitOffset, PathSlug

router = Router(tags=["campaigns"])


class CountsOut(Schema):
    organizations: int
    individuals: int
    goal: int | None


class DemandOut(Schema):
    number: int
    title_de: str
    title_en: str
    text_de: str
    text_en: str


class CampaignOut(Schema):
    slug: str
    title_de: str
    title_en: str
    claim_de: str
    claim_en: str
    state: str
    signers: str
    starts_at: datetime
    ends_at: datetime | None
    is_open: bool
    counts: CountsOut
    url: str
    embed_url: str

    @staticmethod
    def resolve_is_open(obj: Campaign) -> bool:
        return obj.is_open()

    @staticmethod
    def resolve_counts(obj: Campaign) -> CountsOut:
        # Lists read the counters as they are (at most seconds behind).
        counter: CampaignCounter | None = getattr(obj, "counter", None)
        return CountsOut(
            organizations=counter.organizations if counter else 0,
            individuals=counter.individuals if counter else 0,
            goal=obj.goal,
        )

    @staticmethod
    def resolve_url(obj: Campaign) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_embed_url(obj: Campaign) -> str:
        return reverse("campaigns:embed", kwargs={"slug": obj.slug})


class CampaignDetailOut(CampaignOut):
    background_de: str
    background_en: str
    demands: list[DemandOut]

    @staticmethod
    def resolve_demands(obj: Campaign) -> list[Demand]:
        return list(obj.demands.all())

    @staticmethod
    def resolve_counts(obj: Campaign) -> CountsOut:
        counts = selectors.counts(campaign=obj)
        return CountsOut(
            organizations=counts.organizations,
            individuals=counts.individuals,
            goal=counts.goal,
        )


class OrganizationSignatoryOut(Schema):
    name: str
    url: str
    logo: str | None
    signed_at: datetime | None

    @staticmethod
    def resolve_name(obj: OrganizationSignature) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_url(obj: OrganizationSignature) -> str:
        return obj.organization.get_absolute_url()

    @staticmethod
    def resolve_logo(obj: OrganizationSignature) -> str | None:
        return obj.organization.logo.url if obj.organization.logo else None


class SignerOut(Schema):
    name: str
    confirmed_at: datetime | None


class CampaignQuery(Schema):
    state: Literal["published", "closed", "archived"] | None = None


def _campaign(slug: str) -> Campaign:
    campaign = selectors.public_campaigns().filter(slug=slug).first()
    if campaign is None:
        raise Http404
    return campaign


@router.get("/", response={200: list[CampaignOut], **INVALID})
@paginate(LimitOffset)
def list_campaigns(request: HttpRequest, filters: Query[CampaignQuery]):  # type: ignore[no-untyped-def]
    campaigns = selectors.public_campaigns().select_related("counter")
    if filters.state:
        campaigns = campaigns.filter(state=filters.state)
    return campaigns.order_by("-starts_at", "-id")


@router.get("/{slug}", response={200: CampaignDetailOut, **NOT_FOUND, **INVALID})
def get_campaign(request: HttpRequest, slug: PathSlug) -> Campaign:
    return _campaign(slug)


@router.get("/{slug}/counts", response={200: CountsOut, **NOT_FOUND, **INVALID})
def get_counts(request: HttpRequest, slug: PathSlug) -> CountsOut:
    counts = selectors.counts(campaign=_campaign(slug))
    return CountsOut(
        organizations=counts.organizations,
        individuals=counts.individuals,
        goal=counts.goal,
    )


@router.get(
    "/{slug}/organizations",
    response={200: list[OrganizationSignatoryOut], **NOT_FOUND, **INVALID},
)
@paginate(LimitOffset)
def list_organizations(request: HttpRequest, slug: PathSlug):  # type: ignore[no-untyped-def]
    return selectors.public_organization_signatures(campaign=_campaign(slug))


@router.get("/{slug}/signers", response={200: list[SignerOut], **NOT_FOUND, **INVALID})
@paginate(LimitOffset)
def list_signers(request: HttpRequest, slug: PathSlug) -> QuerySet[Signature]:
    """Confirmed individuals who agreed to be listed, newest first; empty where
    the campaign shows no names."""
    return selectors.public_signer_names(campaign=_campaign(slug))
