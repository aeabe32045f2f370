"""The public JSON API of campaigns: what it shows, what it hides, and the
documented 4xx for malformed parameters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.campaigns import services
from allmende.campaigns.models import (
    Campaign,
    CampaignState,
    OrganizationSignature,
    OrganizationSignatureState,
    Signature,
    SignatureState,
)
from tests.campaigns.factories import CampaignFactory, DemandFactory
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def get(url: str, **params: Any) -> tuple[int, Any]:
    response = Client(raise_request_exception=False).get(url, params)
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


def _sign(campaign: Campaign, number: int, *, public: bool) -> Signature:
    now = timezone.now()
    return Signature.objects.create(
        campaign=campaign,
        name=f"Person {number}",
        email=f"p{number}@example.org",
        name_public=public,
        state=SignatureState.CONFIRMED,
        consent_version=1,
        nonce="n" * 32,
        signed_at=now - timedelta(minutes=number + 5),
        confirmed_at=now - timedelta(minutes=number),
    )


@pytest.fixture
def campaign() -> Campaign:
    campaign = CampaignFactory(slug="offen")
    DemandFactory(campaign=campaign, number=1, title_en="Include civil society")
    DemandFactory(campaign=campaign, number=2, title_en="Fund maintenance")
    for number in range(3):
        _sign(campaign, number, public=number != 1)
    for name in ("B-Verein", "A-Verein"):
        OrganizationSignature.objects.create(
            campaign=campaign,
            organization=OrganizationFactory(
                name=name, is_verified=True, verified_at=timezone.now()
            ),
            state=OrganizationSignatureState.SIGNED,
            signed_at=timezone.now(),
        )
    OrganizationSignature.objects.create(
        campaign=campaign,
        organization=OrganizationFactory(name="Zurückgezogen"),
        state=OrganizationSignatureState.WITHDRAWN,
    )
    return campaign


def test_list_shows_public_campaigns_with_counts_in_bounded_queries(
    campaign: Campaign,
) -> None:
    for _ in range(5):
        CampaignFactory()
    CampaignFactory(state=CampaignState.DRAFT, slug="entwurf")
    with CaptureQueriesContext(connection) as queries:
        status, body = get("/api/campaigns/")
    assert status == 200
    assert body["count"] == 6
    slugs = [item["slug"] for item in body["items"]]
    assert "entwurf" not in slugs and "offen" in slugs
    assert len(queries) <= 3
    status, body = get("/api/campaigns/", state="closed")
    assert (status, body["count"]) == (200, 0)


def test_detail_has_demands_and_counts_from_the_counter(campaign: Campaign) -> None:
    # The rows above were written directly, past the counter; a rebuild of the
    # counter is what brings them in.
    services.signature_confirm(
        signature=services.signature_create(  # type: ignore[arg-type]
            campaign=campaign, name="Neu", email="neu@example.org"
        )
    )
    services.counters_update()
    status, body = get("/api/campaigns/offen")
    assert status == 200
    assert [d["title_en"] for d in body["demands"]] == [
        "Include civil society",
        "Fund maintenance",
    ]
    assert body["counts"] == {"organizations": 0, "individuals": 1, "goal": 100}
    assert body["embed_url"] == "/campaigns/offen/embed/"
    assert get("/api/campaigns/offen/counts")[1]["individuals"] == 1


def test_signatories_lists_hide_what_signers_did_not_allow(campaign: Campaign) -> None:
    status, body = get("/api/campaigns/offen/organizations")
    assert status == 200
    assert [o["name"] for o in body["items"]] == ["A-Verein", "B-Verein"]
    status, body = get("/api/campaigns/offen/signers")
    assert [s["name"] for s in body["items"]] == ["Person 0", "Person 2"]
    assert set(body["items"][0]) == {"name", "confirmed_at"}
    Campaign.objects.filter(pk=campaign.pk).update(names_public=False)
    assert get("/api/campaigns/offen/signers")[1] == {"items": [], "count": 0}


@pytest.mark.parametrize(
    ("url", "params", "location"),
    [
        ("/api/campaigns/", {"state": "draft"}, ["query", "state"]),
        ("/api/campaigns/", {"limit": 0}, ["query", "limit"]),
        ("/api/campaigns/", {"limit": 1001}, ["query", "limit"]),
        ("/api/campaigns/", {"offset": 10**20}, ["query", "offset"]),
        ("/api/campaigns/offen/signers", {"offset": -1}, ["query", "offset"]),
        ("/api/campaigns/offen/organizations", {"limit": "x"}, ["query", "limit"]),
    ],
)
def test_malformed_parameters_answer_422(
    campaign: Campaign, url: str, params: dict[str, Any], location: list[str]
) -> None:
    status, body = get(url, **params)
    assert status == 422
    assert body["detail"][0]["loc"] == location


def test_unknown_draft_or_nul_slug_answers_a_documented_4xx(
    campaign: Campaign,
) -> None:
    CampaignFactory(state=CampaignState.DRAFT, slug="entwurf")
    for url in (
        "/api/campaigns/gibt-es-nicht",
        "/api/campaigns/entwurf",
        "/api/campaigns/entwurf/counts",
        "/api/campaigns/entwurf/signers",
    ):
        status, body = get(url)
        assert status == 404, url
        assert body == {"detail": "Not Found"}
    status, _body = get("/api/campaigns/a%00b")
    assert status == 422


def test_openapi_documents_the_campaign_operations() -> None:
    schema = Client().get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/campaigns/",
        "/api/campaigns/{slug}",
        "/api/campaigns/{slug}/counts",
        "/api/campaigns/{slug}/organizations",
        "/api/campaigns/{slug}/signers",
    ):
        assert path in paths
        responses = paths[path]["get"]["responses"]
        assert "422" in responses, path
