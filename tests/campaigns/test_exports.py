"""Signature exports and proofs of consent: who may, and what they hold."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from allmende.accounts.models import User
from allmende.campaigns import services
from allmende.campaigns.models import Campaign, Signature, SignatureState
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.campaigns.factories import CampaignFactory
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _signature(
    campaign: Campaign, email: str, state: str, **extra: object
) -> Signature:
    now = timezone.now()
    return Signature.objects.create(
        campaign=campaign,
        name=extra.pop("name", "Ada Lovelace"),
        email=email,
        postcode="04109",
        state=state,
        consent_version=campaign.consent_version,
        nonce="n" * 32,
        ip_hash="f" * 64,
        signed_at=now - timedelta(hours=2),
        confirmed_at=now - timedelta(hours=1)
        if state == SignatureState.CONFIRMED
        else None,
        **extra,
    )


@pytest.fixture
def campaign() -> Campaign:
    organization = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    campaign = CampaignFactory(organization=organization)
    _signature(campaign, "ada@example.org", SignatureState.CONFIRMED, name_public=True)
    _signature(campaign, "pending@example.org", SignatureState.PENDING)
    _signature(
        campaign,
        "gone@example.org",
        SignatureState.WITHDRAWN,
        withdrawn_at=timezone.now(),
    )
    _signature(
        campaign, "formula@example.org", SignatureState.CONFIRMED, name="=HYPERLINK()"
    )
    return campaign


def _users(campaign: Campaign) -> dict[str, User | None]:
    other = OrganizationFactory(is_verified=True, verified_at=timezone.now())
    return {
        "anonymous": None,
        "user": UserFactory(),
        "owner_member": MembershipFactory(organization=campaign.organization).user,
        "owner_admin": MembershipFactory(
            organization=campaign.organization, role=Membership.Role.ADMIN
        ).user,
        "other_admin": MembershipFactory(
            organization=other, role=Membership.Role.ADMIN
        ).user,
        "staff": StaffFactory(),
    }


ALLOWED = {"owner_admin", "staff"}


@pytest.mark.parametrize(
    "role",
    ["anonymous", "user", "owner_member", "owner_admin", "other_admin", "staff"],
)
def test_permission_matrix_of_exports_and_proofs(campaign: Campaign, role: str) -> None:
    user = _users(campaign)[role]
    client = client_for(user)
    base = f"/campaigns/{campaign.slug}"
    requests = [
        ("get", f"{base}/signatures.csv", {}),
        ("get", f"{base}/signatures.xlsx", {}),
        ("get", f"{base}/consent-proof/", {}),
        ("post", f"{base}/consent-proof/", {"email": "ada@example.org"}),
    ]
    for method, path, data in requests:
        response = getattr(client, method)(path, data)
        if user is None:
            assert response.status_code == 302, path
            assert "/accounts/login/" in response["Location"]
        elif role in ALLOWED:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path
    # Across all campaigns: staff only.
    response = client.post("/campaigns/consent-proof/", {"email": "ada@example.org"})
    expected = {None: 302}.get(user, 200 if role == "staff" else 403)  # type: ignore[call-overload]
    assert response.status_code == expected
    logged = AuditLogEntry.objects.filter(action="campaign.signatures_exported")
    assert logged.count() == (2 if role in ALLOWED else 0)


def test_staff_csv_holds_confirmed_signatures_with_consent_version(
    campaign: Campaign,
) -> None:
    response = client_for(StaffFactory()).get(
        f"/campaigns/{campaign.slug}/signatures.csv"
    )
    assert response["Content-Disposition"].endswith('-signatures.csv"')
    rows = list(
        csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0] == [
        "Name",
        "E-mail address",
        "Postcode",
        "Name shown publicly",
        "Signed at",
        "Confirmed at",
        "Consent text version",
    ]
    emails = sorted(row[1] for row in rows[1:])
    assert emails == ["ada@example.org", "formula@example.org"]
    ada = next(row for row in rows if row[1] == "ada@example.org")
    signature = Signature.objects.get(email="ada@example.org")
    assert ada[5] == timezone.localtime(signature.confirmed_at).isoformat(
        timespec="seconds"
    )
    assert ada[6] == str(campaign.consent_version)
    # A name a spreadsheet would run is written as text.
    assert "'=HYPERLINK()" in [row[0] for row in rows]
    body = response.content.decode("utf-8-sig")
    assert "f" * 64 not in body and "n" * 32 not in body


def test_organization_running_the_campaign_gets_no_email_addresses(
    campaign: Campaign,
) -> None:
    admin = MembershipFactory(
        organization=campaign.organization, role=Membership.Role.ADMIN
    ).user
    response = client_for(admin).get(f"/campaigns/{campaign.slug}/signatures.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "E-mail address" not in rows[0]
    assert len(rows) == 3
    assert "@" not in json.dumps(rows, default=str)


def test_consent_proof_names_the_text_of_the_version_signed(
    campaign: Campaign,
) -> None:
    staff = StaffFactory()
    data = {
        name: getattr(campaign, name) for name in services.CampaignData.__annotations__
    }
    data["consent_de"] = "Zweite Fassung der Einwilligung."
    campaign = services.campaign_update(actor=staff, campaign=campaign, data=data)  # type: ignore[arg-type]
    assert campaign.consent_version == 2
    _signature(CampaignFactory(), "ADA@example.org".lower(), SignatureState.PENDING)
    client = client_for(staff)
    response = client.post(
        "/campaigns/consent-proof/", {"email": " Ada@Example.ORG ", "format": "json"}
    )
    document = json.loads(response.content)
    assert document["email"] == " Ada@Example.ORG ".strip()
    first = next(s for s in document["signatures"] if s["state"] == "confirmed")
    assert first["consent_version"] == 1
    assert first["consent_text_de"] == CampaignFactory.consent_de
    assert first["confirmed_at"]
    assert len(document["signatures"]) == 2
    page = client.post(
        f"/campaigns/{campaign.slug}/consent-proof/", {"email": "ada@example.org"}
    ).content.decode()
    assert "Version 1" in page and CampaignFactory.consent_de in page
    assert "Zweite Fassung" not in page
    entry = AuditLogEntry.objects.filter(action="campaign.consent_proof").last()
    assert entry is not None and "ada" not in json.dumps(entry.data)


def test_consent_proof_answers_a_bad_address_with_a_message() -> None:
    response = client_for(StaffFactory()).post(
        "/campaigns/consent-proof/", {"email": "not an address"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_unknown_export_format_is_not_found(campaign: Campaign) -> None:
    client = client_for(StaffFactory())
    assert client.get(f"/campaigns/{campaign.slug}/signatures.pdf").status_code == 404
