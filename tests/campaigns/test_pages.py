"""Staff pages, the dashboard section, the consent version and the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.accounts.models import User
from allmende.campaigns import services
from allmende.campaigns.models import (
    CampaignState,
    OrganizationSignature,
    OrganizationSignatureState,
)
from allmende.core.models import AuditLogEntry
from tests.campaigns.factories import CampaignFactory, DemandFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_staff_see_the_forms_and_drafts(staff: User) -> None:
    draft = CampaignFactory(state=CampaignState.DRAFT)
    client = client_for(staff)
    assert client.get("/campaigns/new/").status_code == 200
    assert client.get(f"/campaigns/{draft.slug}/edit/").status_code == 200
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Publish" in page
    assert client_for(None).get(draft.get_absolute_url()).status_code == 404
    assert draft.title not in client_for(None).get("/campaigns/").content.decode()


def test_publishing_needs_a_demand_and_is_logged(staff: User) -> None:
    draft = CampaignFactory(state=CampaignState.DRAFT)
    with pytest.raises(Exception, match="at least one demand"):
        services.campaign_transition(actor=staff, campaign=draft, target="published")
    DemandFactory(campaign=draft)
    services.campaign_transition(actor=staff, campaign=draft, target="published")
    entry = AuditLogEntry.objects.get(action="campaign.state_changed")
    assert entry.data == {"from": "draft", "to": "published"}
    with pytest.raises(Exception, match="not possible"):
        services.campaign_transition(actor=staff, campaign=draft, target="archived")


def test_changing_the_consent_text_raises_its_version(staff: User) -> None:
    campaign = CampaignFactory()
    data = {
        name: getattr(campaign, name) for name in services.CampaignData.__annotations__
    }
    data["title_de"] = "Neuer Titel"
    campaign = services.campaign_update(actor=staff, campaign=campaign, data=data)  # type: ignore[arg-type]
    assert campaign.consent_version == 1
    data["consent_de"] = "Neuer Einwilligungstext."
    campaign = services.campaign_update(actor=staff, campaign=campaign, data=data)  # type: ignore[arg-type]
    assert campaign.consent_version == 2


def test_dashboard_lists_campaigns_my_organization_signed() -> None:
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    member = MembershipFactory(organization=organization).user
    campaign = CampaignFactory(title_en="Open data now")
    OrganizationSignature.objects.create(
        campaign=campaign,
        organization=organization,
        state=OrganizationSignatureState.SIGNED,
        signed_at=timezone.now(),
    )
    page = client_for(member).get("/dashboard/").content.decode()
    assert "Campaigns my organization signed" in page
    assert "Open data now" in page


def test_list_and_detail_take_a_fixed_number_of_queries() -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client_for(None).get(path).status_code == 200
        return len(context)

    campaign = CampaignFactory()
    DemandFactory(campaign=campaign)
    few_list, few_detail = queries("/campaigns/"), queries(campaign.get_absolute_url())
    for _ in range(5):
        other = CampaignFactory()
        DemandFactory(campaign=other)
        DemandFactory(campaign=campaign)
        OrganizationSignature.objects.create(
            campaign=campaign,
            organization=OrganizationFactory(
                is_verified=True, verified_at=timezone.now()
            ),
            state=OrganizationSignatureState.SIGNED,
            signed_at=timezone.now(),
        )
    assert queries("/campaigns/") == few_list
    assert queries(campaign.get_absolute_url()) == few_detail


def test_uploaded_image_is_stored_without_exif(staff: User) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x013B] = "Ada Lovelace"  # Artist
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG", exif=exif)
    campaign = CampaignFactory()
    data = {
        name: getattr(campaign, name) for name in services.CampaignData.__annotations__
    }
    upload = SimpleUploadedFile("foto.php.jpg", buffer.getvalue(), "image/jpeg")
    campaign = services.campaign_update(
        actor=staff,
        campaign=campaign,
        data=data,  # type: ignore[arg-type]
        image=upload,
    )
    assert campaign.image.name.startswith("campaigns/images/")
    assert campaign.image.name.endswith(".jpg")
    with campaign.image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (40, 30)
        assert not image.getexif()
        stored.seek(0)
        assert b"Ada Lovelace" not in stored.read()
    response = client_for(None).get(campaign.image.url)
    assert response.status_code == 200
    text = SimpleUploadedFile("bild.jpg", b"<html>nope</html>", "image/jpeg")
    with pytest.raises(Exception, match="PNG, JPEG"):
        services.campaign_update(
            actor=staff,
            campaign=campaign,
            data=data,  # type: ignore[arg-type]
            image=text,
        )


def test_pages_speak_german() -> None:
    campaign = CampaignFactory(title_de="Offene Daten jetzt")
    DemandFactory(campaign=campaign)
    client = client_for(None)
    client.cookies["django_language"] = "de"
    page = client.get(campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    html = page.content.decode()
    assert "Offene Daten jetzt" in html
    assert "Unsere Forderungen" in html
    assert "Als Einzelperson unterzeichnen" in html


def _jpeg(colour: str) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile("bild.jpg", buffer.getvalue(), "image/jpeg")


def test_a_replaced_or_removed_image_is_no_longer_served(
    staff: User, django_capture_on_commit_callbacks: Any
) -> None:
    campaign = CampaignFactory()
    data = {
        name: getattr(campaign, name) for name in services.CampaignData.__annotations__
    }

    def update(image: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return services.campaign_update(
                actor=staff,
                campaign=campaign,
                data=data,  # type: ignore[arg-type]
                image=image,
            )

    first = update(_jpeg("red")).image
    first_name = first.name
    assert first.storage.exists(first_name)
    second = update(_jpeg("blue")).image
    second_name = second.name
    assert second_name != first_name
    assert not first.storage.exists(first_name)
    assert client_for(None).get(first.storage.url(first_name)).status_code == 404
    assert second.storage.exists(second_name)
    update(False)
    assert not second.storage.exists(second_name)
