"""Every role × every view that changes something: status and effect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from allmende.accounts.models import User
from allmende.campaigns.models import (
    Campaign,
    CampaignState,
    Demand,
    OrganizationSignature,
    OrganizationSignatureState,
    Signature,
)
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.campaigns.factories import CampaignFactory, DemandFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

OS = OrganizationSignatureState
ROLES = [
    "anonymous",
    "user",
    "verified_member",
    "verified_admin",
    "unverified_admin",
    "staff",
]


@dataclass
class World:
    campaign: Campaign
    verified: Organization
    unverified: Organization
    users: dict[str, User | None]


@pytest.fixture
def world() -> World:
    verified = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    unverified = OrganizationFactory()
    users: dict[str, User | None] = {
        "anonymous": None,
        "user": UserFactory(),
        "verified_member": MembershipFactory(organization=verified).user,
        "verified_admin": MembershipFactory(
            organization=verified, role=Membership.Role.ADMIN
        ).user,
        "unverified_admin": MembershipFactory(
            organization=unverified, role=Membership.Role.ADMIN
        ).user,
        "staff": StaffFactory(),
    }
    campaign = CampaignFactory()
    DemandFactory(campaign=campaign, number=1)
    return World(campaign, verified, unverified, users)


def _campaign_form(slug: str) -> dict[str, str]:
    now = timezone.localtime()
    return {
        "slug": slug,
        "title_de": "Neue Kampagne",
        "claim_de": "Kurz gesagt",
        "signers": "everyone",
        "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "consent_de": "Einverstanden.",
        "names_public": "on",
    }


def _create(client: Client, w: World) -> tuple[int, bool]:
    response = client.post("/campaigns/new/", _campaign_form("neu"))
    return response.status_code, Campaign.objects.filter(slug="neu").exists()


def _edit(client: Client, w: World) -> tuple[int, bool]:
    form = _campaign_form(w.campaign.slug)
    form["title_de"] = "Geändert"
    response = client.post(f"/campaigns/{w.campaign.slug}/edit/", form)
    w.campaign.refresh_from_db()
    return response.status_code, w.campaign.title_de == "Geändert"


def _close(client: Client, w: World) -> tuple[int, bool]:
    response = client.post(f"/campaigns/{w.campaign.slug}/status/", {"state": "closed"})
    w.campaign.refresh_from_db()
    return response.status_code, w.campaign.state == CampaignState.CLOSED


def _add_demand(client: Client, w: World) -> tuple[int, bool]:
    response = client.post(
        f"/campaigns/{w.campaign.slug}/demands/", {"title_de": "Mehr Förderung"}
    )
    return response.status_code, w.campaign.demands.count() == 2


def _delete_demand(client: Client, w: World) -> tuple[int, bool]:
    Campaign.objects.filter(pk=w.campaign.pk).update(state=CampaignState.DRAFT)
    demand = w.campaign.demands.get()
    response = client.post(f"/campaigns/{w.campaign.slug}/demands/{demand.pk}/delete/")
    return response.status_code, not Demand.objects.filter(pk=demand.pk).exists()


def _sign_for(attr: str) -> Callable[[Client, World], tuple[int, str]]:
    def action(client: Client, w: World) -> tuple[int, str]:
        organization: Organization = getattr(w, attr)
        response = client.post(
            f"/campaigns/{w.campaign.slug}/organizations/{organization.pk}/sign/"
        )
        signature = OrganizationSignature.objects.filter(
            organization=organization
        ).first()
        return response.status_code, signature.state if signature else ""

    return action


def _with_signature(
    state: str, path: str
) -> Callable[[Client, World], tuple[int, str]]:
    def action(client: Client, w: World) -> tuple[int, str]:
        signature = OrganizationSignature.objects.create(
            campaign=w.campaign,
            organization=w.verified,
            state=state,
            signed_at=timezone.now() if state == OS.SIGNED else None,
        )
        response = client.post(
            f"/campaigns/{w.campaign.slug}/co-signatures/{signature.pk}/{path}/"
        )
        signature.refresh_from_db()
        return response.status_code, signature.state

    return action


def _sign_individual(client: Client, w: World) -> tuple[int, bool]:
    response = client.post(
        f"/campaigns/{w.campaign.slug}/sign/",
        {"name": "Ada", "email": "ada@example.org", "consent": "on"},
    )
    return response.status_code, Signature.objects.exists()


def _sign_in_widget(client: Client, w: World) -> tuple[int, bool]:
    from allmende.campaigns.embed import form_key

    response = client.post(
        f"/campaigns/{w.campaign.slug}/embed/sign/",
        {
            "name": "Ada",
            "email": "ada@example.org",
            "consent": "on",
            "form_key": form_key(w.campaign),
        },
        headers={"Origin": "http://testserver"},
    )
    return response.status_code, Signature.objects.exists()


def _erase_on_request(client: Client, w: World) -> tuple[int, bool]:
    now = timezone.now()
    Signature.objects.create(
        campaign=w.campaign,
        name="Ada",
        email="ada@example.org",
        state="confirmed",
        consent_version=1,
        nonce="n" * 32,
        signed_at=now,
        confirmed_at=now,
    )
    response = client.post(
        "/campaigns/consent-proof/", {"email": "ada@example.org", "action": "erase"}
    )
    return response.status_code, not Signature.objects.exists()


LOGIN = 302  # anonymous visitors are sent to the login page, nothing changes
DENIED = (403, False)
STAFF_ONLY = {
    "anonymous": (LOGIN, False),
    "user": DENIED,
    "verified_member": DENIED,
    "verified_admin": DENIED,
    "unverified_admin": DENIED,
    "staff": (302, True),
}
STAFF_ONLY_LOGIN_AND_STAFF = {
    "anonymous": STAFF_ONLY["anonymous"],
    "staff": STAFF_ONLY["staff"],
}

MATRIX: dict[str, tuple[Callable[[Client, World], tuple[int, object]], dict]] = {
    "create": (_create, STAFF_ONLY),
    "edit": (_edit, STAFF_ONLY),
    "transition": (_close, STAFF_ONLY),
    "add_demand": (_add_demand, STAFF_ONLY),
    # Drafts are hidden from everyone but staff.
    "delete_demand": (
        _delete_demand,
        {**dict.fromkeys(ROLES[1:], (404, False)), **STAFF_ONLY_LOGIN_AND_STAFF},
    ),
    "sign_for_verified": (
        _sign_for("verified"),
        {
            "anonymous": (LOGIN, ""),
            "user": (403, ""),
            "verified_member": (302, OS.PROPOSED),
            "verified_admin": (302, OS.SIGNED),
            "unverified_admin": (403, ""),
            "staff": (403, ""),
        },
    ),
    "sign_for_unverified": (
        _sign_for("unverified"),
        {
            "anonymous": (LOGIN, ""),
            "user": (403, ""),
            "verified_member": (403, ""),
            "verified_admin": (403, ""),
            # Its own admin is told why (verification first); nothing stored.
            "unverified_admin": (302, ""),
            "staff": (403, ""),
        },
    ),
    "confirm_proposal": (
        _with_signature(OS.PROPOSED, "confirm"),
        {
            "anonymous": (LOGIN, OS.PROPOSED),
            "user": (403, OS.PROPOSED),
            "verified_member": (403, OS.PROPOSED),
            "verified_admin": (302, OS.SIGNED),
            "unverified_admin": (403, OS.PROPOSED),
            "staff": (403, OS.PROPOSED),
        },
    ),
    "withdraw": (
        _with_signature(OS.SIGNED, "withdraw"),
        {
            "anonymous": (LOGIN, OS.SIGNED),
            "user": (403, OS.SIGNED),
            "verified_member": (403, OS.SIGNED),
            "verified_admin": (302, OS.WITHDRAWN),
            "unverified_admin": (403, OS.SIGNED),
            "staff": (302, OS.WITHDRAWN),
        },
    ),
    "sign_individually": (
        _sign_individual,
        dict.fromkeys(ROLES, (302, True)),
    ),
    "sign_in_widget": (_sign_in_widget, dict.fromkeys(ROLES, (302, True))),
    "erase_on_request": (_erase_on_request, STAFF_ONLY),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", sorted(MATRIX))
def test_permission_matrix(world: World, view: str, role: str) -> None:
    action, expected = MATRIX[view]
    client = client_for(world.users[role])
    assert action(client, world) == expected[role]


def test_unverified_organization_is_told_how_to_get_verified(world: World) -> None:
    client = client_for(world.users["unverified_admin"])
    page = client.get(world.campaign.get_absolute_url()).content.decode()
    assert "Only verified organizations can co-sign." in page
    assert f"/organizations/{world.unverified.slug}/verification/" in page
    response = client.post(
        f"/campaigns/{world.campaign.slug}/organizations/{world.unverified.pk}/sign/",
        follow=True,
    )
    assert "Please ask for verification first" in response.content.decode()
    assert not OrganizationSignature.objects.exists()
