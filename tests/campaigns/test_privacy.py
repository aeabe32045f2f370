"""A person's signatures in their data export, erased with their account or
on request, and anonymised once the retention period has passed."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from allmende.accounts.services import user_delete
from allmende.campaigns import services
from allmende.campaigns.models import (
    Campaign,
    CampaignState,
    Signature,
    SignatureState,
)
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.campaigns.factories import CampaignFactory, DemandFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign(campaign: Campaign, email: str, *, confirm: bool = True) -> Signature:
    signature = services.signature_create(
        campaign=campaign, name="Ada Lovelace", email=email, postcode="04109"
    )
    assert signature is not None
    if confirm:
        signature = services.signature_confirm(signature=signature)
    return signature


def test_data_export_holds_signatures_of_verified_addresses_only() -> None:
    user = UserFactory()
    campaign = CampaignFactory()
    _sign(campaign, user.email.upper())
    EmailAddress.objects.create(user=user, email="unverified@example.org")
    _sign(campaign, "unverified@example.org")
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    MembershipFactory(organization=organization, user=user)
    services.organization_sign(actor=user, campaign=campaign, organization=organization)
    data = json.loads(client_for(user).get("/me/export/").content)["campaigns"]
    [signature] = data["signatures"]
    assert signature["email"] == user.email.lower()
    assert signature["state"] == "confirmed"
    assert signature["consent_text_de"] == campaign.consent_de
    assert signature["confirmed_at"]
    [co_signing] = data["co_signings"]
    assert co_signing["organization"] == organization.name
    assert co_signing["proposed_by_you"] is True


def test_account_deletion_erases_the_persons_signatures() -> None:
    user = UserFactory()
    campaign = CampaignFactory()
    _sign(campaign, user.email)
    _sign(CampaignFactory(), user.email, confirm=False)
    other = _sign(campaign, "other@example.org")
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    MembershipFactory(organization=organization, user=user)
    MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    co_signing = services.organization_sign(
        actor=user, campaign=campaign, organization=organization
    )

    user_delete(actor=user)

    assert list(Signature.objects.all()) == [other]
    co_signing.refresh_from_db()
    assert co_signing.proposed_by is None  # the organization's, not the person's
    entries = AuditLogEntry.objects.filter(action="campaign.signatures_erased")
    assert entries.count() == 2
    assert user.email not in json.dumps(list(entries.values_list("data", flat=True)))


def test_staff_erase_an_address_on_request() -> None:
    campaign = CampaignFactory()
    _sign(campaign, "ada@example.org")
    _sign(campaign, "grace@example.org")
    client = client_for(StaffFactory())
    page = client.post(
        "/campaigns/consent-proof/", {"email": "ada@example.org"}
    ).content.decode()
    assert "Erase the signatures of this address" in page
    response = client.post(
        "/campaigns/consent-proof/",
        {"email": "Ada@Example.org", "action": "erase"},
        follow=True,
    )
    assert "1 signature of this address has been erased." in response.content.decode()
    assert list(Signature.objects.values_list("email", flat=True)) == [
        "grace@example.org"
    ]


def test_organization_running_a_campaign_cannot_erase() -> None:
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    campaign = CampaignFactory(organization=organization)
    _sign(campaign, "ada@example.org")
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    client = client_for(admin)
    for path in (
        "/campaigns/consent-proof/",
        f"/campaigns/{campaign.slug}/consent-proof/",
    ):
        client.post(path, {"email": "ada@example.org", "action": "erase"})
    assert Signature.objects.count() == 1


def test_personal_data_is_removed_after_the_retention_period() -> None:
    staff = StaffFactory()
    campaign = CampaignFactory()
    DemandFactory(campaign=campaign)
    confirmed = _sign(campaign, "ada@example.org")
    _sign(campaign, "late@example.org", confirm=False)
    still_open = CampaignFactory()
    kept = _sign(still_open, "grace@example.org")
    campaign = services.campaign_transition(
        actor=staff, campaign=campaign, target=CampaignState.CLOSED
    )
    assert campaign.closed_at is not None

    later = campaign.closed_at + timedelta(days=364)
    assert services.signatures_anonymise_after_retention(now=later) == 0
    later = campaign.closed_at + timedelta(days=366)
    assert services.signatures_anonymise_after_retention(now=later) == 1
    assert services.signatures_anonymise_after_retention(now=later) == 0

    [signature] = Signature.objects.filter(campaign=campaign)
    assert signature.pk == confirmed.pk
    assert signature.state == SignatureState.CONFIRMED  # it still counts
    assert (signature.name, signature.postcode, signature.ip_hash) == ("", "", "")
    assert signature.email == f"anonymised-{signature.pk}@anonymised.invalid"
    assert signature.anonymised_at == later
    kept.refresh_from_db()
    assert kept.email == "grace@example.org"


def test_reopening_a_campaign_stops_the_retention_clock() -> None:
    staff = StaffFactory()
    campaign = CampaignFactory()
    DemandFactory(campaign=campaign)
    campaign = services.campaign_transition(
        actor=staff, campaign=campaign, target=CampaignState.CLOSED
    )
    campaign = services.campaign_transition(
        actor=staff, campaign=campaign, target=CampaignState.PUBLISHED
    )
    assert campaign.closed_at is None
