"""Organizations co-sign: a member proposes, an admin confirms or withdraws."""

from __future__ import annotations

import pytest
from django.utils import timezone

from allmende.campaigns import selectors, services
from allmende.campaigns.models import OrganizationSignature, OrganizationSignatureState
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory
from tests.campaigns.factories import CampaignFactory, DemandFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

# Real commits, so that notifications queued with on_commit are written.
pytestmark = pytest.mark.django_db(transaction=True)


def test_member_proposes_admin_confirms_and_withdraws() -> None:
    organization = OrganizationFactory(
        name="FOSS Verein e.V.", is_verified=True, verified_at=timezone.now()
    )
    member = MembershipFactory(organization=organization).user
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    staff = StaffFactory()
    campaign = CampaignFactory()
    DemandFactory(campaign=campaign)
    sign_url = f"/campaigns/{campaign.slug}/organizations/{organization.pk}/sign/"

    client_for(member).post(sign_url)
    proposal = OrganizationSignature.objects.get()
    assert proposal.state == OrganizationSignatureState.PROPOSED
    assert Notification.objects.filter(
        recipient=admin, type="campaigns.signature_proposed"
    ).exists()
    public = client_for(None).get(campaign.get_absolute_url()).content.decode()
    assert "FOSS Verein e.V." not in public

    client_for(admin).post(
        f"/campaigns/{campaign.slug}/co-signatures/{proposal.pk}/confirm/"
    )
    proposal.refresh_from_db()
    assert proposal.state == OrganizationSignatureState.SIGNED
    public = client_for(None).get(campaign.get_absolute_url()).content.decode()
    assert "FOSS Verein e.V." in public
    assert organization.get_absolute_url() in public
    services.counters_update()  # the job that folds the counts
    assert selectors.counts(campaign=campaign).organizations == 1

    client_for(admin).post(
        f"/campaigns/{campaign.slug}/co-signatures/{proposal.pk}/withdraw/"
    )
    proposal.refresh_from_db()
    assert proposal.state == OrganizationSignatureState.WITHDRAWN
    public = client_for(None).get(campaign.get_absolute_url()).content.decode()
    assert "FOSS Verein e.V." not in public
    staff_page = client_for(staff).get(campaign.get_absolute_url()).content.decode()
    assert "FOSS Verein e.V." in staff_page
    assert "Withdrawn" in staff_page
    services.counters_update()
    assert selectors.counts(campaign=campaign).organizations == 0

    # After withdrawing, the organization may sign again.
    client_for(admin).post(sign_url)
    assert (
        OrganizationSignature.objects.filter(
            state=OrganizationSignatureState.SIGNED
        ).count()
        == 1
    )


def test_signing_twice_is_refused_and_nothing_changes() -> None:
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    campaign = CampaignFactory()
    url = f"/campaigns/{campaign.slug}/organizations/{organization.pk}/sign/"
    client_for(admin).post(url)
    response = client_for(admin).post(url, follow=True)
    assert "already co-signed" in response.content.decode()
    assert OrganizationSignature.objects.count() == 1


def test_closed_campaign_takes_no_co_signing() -> None:
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    campaign = CampaignFactory(state="closed")
    response = client_for(admin).post(
        f"/campaigns/{campaign.slug}/organizations/{organization.pk}/sign/",
        follow=True,
    )
    assert "not open for signatures" in response.content.decode()
    assert not OrganizationSignature.objects.exists()


def test_notifications_name_the_campaign_in_the_readers_language() -> None:
    from django.utils import translation

    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    member = MembershipFactory(organization=organization).user
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    campaign = CampaignFactory(title_de="Offene Daten jetzt", title_en="Open data now")
    DemandFactory(campaign=campaign)
    sign_url = f"/campaigns/{campaign.slug}/organizations/{organization.pk}/sign/"
    client_for(member).post(sign_url)
    proposal = OrganizationSignature.objects.get()
    client_for(admin).post(
        f"/campaigns/{campaign.slug}/co-signatures/{proposal.pk}/confirm/"
    )
    for kind, reader in [
        ("campaigns.signature_proposed", admin),
        ("campaigns.organization_signed", member),
    ]:
        notification = Notification.objects.get(recipient=reader, type=kind)
        with translation.override("de"):
            assert "Offene Daten jetzt" in notification.message, kind
        with translation.override("en"):
            assert "Open data now" in notification.message, kind
