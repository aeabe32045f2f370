from __future__ import annotations

import io
import re
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.organizations import services
from allmende.organizations.models import Invitation, Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.organizations.factories import (
    FocusAreaFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def _png(size: tuple[int, int] = (64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 93, 59)).save(buffer, format="PNG")
    return buffer.getvalue()


def _create_form(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Lesefreunde Görlitz e.V.",
        "legal_form": "ev",
        "region": "SN",
        "city": "Görlitz",
        "submission_key": str(uuid.uuid4()),
        **extra,
    }


# --- creating ---


def test_creator_becomes_admin_and_creation_is_logged(user: User) -> None:
    area = FocusAreaFactory()
    organization = services.organization_create(
        actor=user,
        name=" Tafel Kiel ",
        legal_form="ev",
        region="SH",
        focus_areas=[area],
    )
    assert organization.name == "Tafel Kiel"
    assert organization.slug == "tafel-kiel"
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == "admin"
    entry = AuditLogEntry.objects.get(action="organization.created")
    assert entry.actor == user
    assert entry.object_id == organization.pk


def test_same_name_twice_is_refused_with_a_message(user: User) -> None:
    OrganizationFactory(name="Tafel Kiel")
    response = client_for(user).post(
        "/organizations/new/", _create_form(name="tafel kiel")
    )
    assert response.status_code == 200
    assert "An organization with this name already exists." in response.content.decode()
    assert Organization.objects.filter(name__iexact="tafel kiel").count() == 1


def test_second_click_on_create_creates_nothing_twice(user: User) -> None:
    client = client_for(user)
    form = _create_form()
    first = client.post("/organizations/new/", form)
    second = client.post("/organizations/new/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Organization.objects.filter(name=form["name"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_double_submit_creates_one_organization() -> None:
    user = UserFactory()
    form = _create_form()
    answers: list[int] = []

    def submit() -> None:
        try:
            answers.append(
                client_for(user).post("/organizations/new/", form).status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert Organization.objects.filter(name=form["name"]).count() == 1


def test_form_errors_keep_what_was_typed(user: User) -> None:
    response = client_for(user).post(
        "/organizations/new/",
        _create_form(region="", description_de="Unser langer Text bleibt erhalten."),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unser langer Text bleibt erhalten." in html
    assert 'aria-invalid="true"' in html
    assert not Organization.objects.exists()


def test_half_a_location_is_refused(user: User) -> None:
    response = client_for(user).post(
        "/organizations/new/", _create_form(latitude="51.15")
    )
    assert "Please give both latitude and longitude" in response.content.decode()


# --- logo ---


def test_logo_that_is_an_image_is_stored(
    org_admin: User, organization: Organization
) -> None:
    response = client_for(org_admin).post(
        f"/organizations/{organization.slug}/edit/",
        {
            "name": organization.name,
            "legal_form": "ev",
            "region": "SN",
            "logo": SimpleUploadedFile("logo.png", _png(), "image/png"),
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.logo.name.endswith(".png")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7 not an image", "logo.png", "must be a PNG, JPEG, WebP or GIF"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "must be a PNG, JPEG, WebP or GIF",
        ),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken.png", "must be a PNG"),
    ],
)
def test_logo_that_is_not_an_image_is_refused(
    org_admin: User, organization: Organization, content: bytes, name: str, message: str
) -> None:
    response = client_for(org_admin).post(
        f"/organizations/{organization.slug}/edit/",
        {
            "name": organization.name,
            "legal_form": "ev",
            "region": "SN",
            "logo": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    organization.refresh_from_db()
    assert not organization.logo


def test_logo_of_50_megabytes_is_refused_with_the_limit_in_the_message(
    org_admin: User, organization: Organization
) -> None:
    big = SimpleUploadedFile("huge.png", _png() + b"\x00" * (50 * 1024 * 1024))
    response = client_for(org_admin).post(
        f"/organizations/{organization.slug}/edit/",
        {"name": organization.name, "legal_form": "ev", "region": "SN", "logo": big},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "50.0\xa0MB" in html and "2.0\xa0MB" in html
    organization.refresh_from_db()
    assert not organization.logo


# --- description ---


def test_html_in_a_description_is_shown_safely(client: Client) -> None:
    organization = OrganizationFactory(
        description_de='**Wir** helfen.<script>alert("x")</script>'
        "<img src=x onerror=alert(1)>"
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    html = client.get(organization.get_absolute_url()).content.decode()
    assert "<strong>Wir</strong> helfen." in html
    assert "<script>alert" not in html
    assert "onerror" not in html


def test_english_page_falls_back_to_the_german_description(client: Client) -> None:
    organization = OrganizationFactory(description_de="Nur auf Deutsch.")
    html = client.get(
        organization.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Nur auf Deutsch." in html


# --- verification ---


def test_staff_verification_shows_a_badge_and_is_logged(
    organization: Organization,
) -> None:
    staff = StaffFactory()
    services.organization_set_verified(
        actor=staff, organization=organization, verified=True
    )
    organization.refresh_from_db()
    assert organization.is_verified and organization.verified_by == staff
    html = Client().get(organization.get_absolute_url()).content.decode()
    assert "badge-verified" in html
    assert AuditLogEntry.objects.filter(action="organization.verified").exists()


def test_admin_cannot_verify_their_own_organization(
    org_admin: User, organization: Organization
) -> None:
    with pytest.raises(PermissionDenied):
        services.organization_set_verified(
            actor=org_admin, organization=organization, verified=True
        )


# --- members ---


def test_last_admin_cannot_step_down_or_leave(
    org_admin: User, organization: Organization
) -> None:
    membership = Membership.objects.get(user=org_admin)
    with pytest.raises(ValidationError, match="at least one administrator"):
        services.membership_change_role(
            actor=org_admin, membership=membership, role="member"
        )
    with pytest.raises(ValidationError, match="at least one administrator"):
        services.membership_remove(actor=org_admin, membership=membership)
    assert Membership.objects.get(user=org_admin).role == "admin"


def test_member_may_leave_but_not_remove_others(
    org_member: User, organization: Organization
) -> None:
    other = MembershipFactory(organization=organization)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=org_member, membership=other)
    services.membership_remove(
        actor=org_member, membership=Membership.objects.get(user=org_member)
    )
    assert not Membership.objects.filter(user=org_member).exists()


def test_member_list_hides_profiles_that_are_not_public(
    organization: Organization, org_member: User
) -> None:
    hidden = MembershipFactory(
        organization=organization, user=UserFactory(profile_visibility="hidden")
    ).user
    outsider_page = Client().get(organization.get_absolute_url()).content.decode()
    member_page = client_for(org_member).get(organization.get_absolute_url())
    assert hidden.public_name not in outsider_page
    assert hidden.public_name in member_page.content.decode()


# --- invitations ---


def _invite(admin: User, organization: Organization, email: str) -> str:
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invitation_create(
            actor=admin, organization=organization, email=email, role="member"
        )
    match = re.search(r"/organizations/invitations/([\w-]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_invited_person_accepts_and_appears_with_role(
    org_admin: User, organization: Organization
) -> None:
    token = _invite(org_admin, organization, "Gast@Example.org")
    assert mail.outbox[-1].to == ["gast@example.org"]
    guest = UserFactory(email="gast@example.org")
    client = client_for(guest)
    page = client.get(f"/organizations/invitations/{token}/")
    assert "Accept invitation" in page.content.decode()
    assert not Membership.objects.filter(user=guest).exists()  # GET changes nothing
    response = client.post(f"/organizations/invitations/{token}/")
    assert response.status_code == 302
    assert (
        Membership.objects.get(user=guest, organization=organization).role == "member"
    )
    members = Client().get(organization.get_absolute_url()).content.decode()
    assert guest.public_name in members


def test_invitation_cannot_be_used_by_another_account(
    org_admin: User, organization: Organization
) -> None:
    token = _invite(org_admin, organization, "gast@example.org")
    stranger = UserFactory(email="jemand@example.org")
    response = client_for(stranger).post(f"/organizations/invitations/{token}/")
    assert response.status_code == 400
    assert "was sent to gast@example.org" in response.content.decode()
    assert not Membership.objects.filter(user=stranger).exists()


def test_invalid_invitation_token_gets_a_clear_message(user: User) -> None:
    response = client_for(user).post("/organizations/invitations/not-a-token/")
    assert response.status_code == 200 or response.status_code == 400
    assert "This invitation link is not valid." in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_expired_invitation_cannot_be_accepted(
    org_admin: User, organization: Organization
) -> None:
    token = _invite(org_admin, organization, "gast@example.org")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    guest = UserFactory(email="gast@example.org")
    response = client_for(guest).post(f"/organizations/invitations/{token}/")
    assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=guest).exists()


def test_used_invitation_cannot_be_used_again(
    org_admin: User, organization: Organization
) -> None:
    token = _invite(org_admin, organization, "gast@example.org")
    guest = UserFactory(email="gast@example.org")
    services.invitation_accept(actor=guest, token=token)
    services.invitation_accept(actor=guest, token=token)  # a second click is fine
    other = UserFactory()
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(actor=other, token=token)
    assert Membership.objects.filter(user=guest).count() == 1


def test_inviting_the_same_address_twice_is_refused(
    org_admin: User, organization: Organization
) -> None:
    _invite(org_admin, organization, "gast@example.org")
    with pytest.raises(ValidationError, match="already been invited"):
        services.invitation_create(
            actor=org_admin,
            organization=organization,
            email="GAST@example.org",
            role="member",
        )


def test_only_the_token_hash_is_stored(
    org_admin: User, organization: Organization
) -> None:
    token = _invite(org_admin, organization, "gast@example.org")
    assert not Invitation.objects.filter(token_hash=token).exists()


# --- directory ---


def test_directory_filters_by_focus_area_legal_form_region_and_verification(
    client: Client,
) -> None:
    area = FocusAreaFactory(slug="umwelt")
    green = OrganizationFactory(name="Grüne Liga", region="BB", legal_form="ev")
    green.focus_areas.add(area)
    OrganizationFactory(name="Stiftung Kunst", region="BB", legal_form="foundation")
    OrganizationFactory(
        name="Amt für Daten", region="BE", legal_form="administration",
        is_verified=True, verified_at=timezone.now(),
    )  # fmt: skip

    def names(query: str) -> list[str]:
        page = client.get(f"/organizations/?{query}").context["page"]
        return [o.name for o in page.object_list]

    assert names("focus_area=umwelt") == ["Grüne Liga"]
    assert names("legal_form=foundation") == ["Stiftung Kunst"]
    assert names("region=BB") == ["Grüne Liga", "Stiftung Kunst"]
    assert names("verified=on") == ["Amt für Daten"]
    assert names("region=XX") == ["Amt für Daten", "Grüne Liga", "Stiftung Kunst"]


def _directory_queries(client: Client, count: int) -> int:
    area = FocusAreaFactory()
    for _ in range(count):
        OrganizationFactory().focus_areas.add(area)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/organizations/").status_code == 200
    return len(queries)


def test_directory_query_count_does_not_grow_with_the_list(client: Client) -> None:
    few = _directory_queries(client, 3)
    Organization.objects.all().delete()
    many = _directory_queries(client, 25)
    assert few == many
    assert many <= 8


def test_people_list_query_count_does_not_grow_with_the_list(client: Client) -> None:
    def queries(count: int) -> int:
        for _ in range(count):
            UserFactory()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/people/").status_code == 200
        return len(captured)

    few = queries(2)
    many = queries(20)
    assert few == many


def test_htmx_filter_request_gets_only_the_results(client: Client) -> None:
    OrganizationFactory(name="Tafel Rostock", region="MV")
    response = client.get(
        "/organizations/?region=MV", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "Tafel Rostock" in html


def test_map_data_lists_only_organizations_with_a_location(client: Client) -> None:
    OrganizationFactory(name="Mit Ort", latitude="51.150000", longitude="14.990000")
    OrganizationFactory(name="Ohne Ort")
    data = client.get("/organizations/map.json").json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Mit Ort"]
    assert data["features"][0]["geometry"]["coordinates"] == [14.99, 51.15]


def test_directory_without_map_tiles_shows_the_list_and_no_map(
    client: Client, settings: Any
) -> None:
    settings.ALLMENDE_MAP_TILE_URL = ""
    OrganizationFactory(name="Tafel Rostock")
    html = client.get("/organizations/").content.decode()
    assert 'id="org-map"' not in html and "leaflet" not in html
    assert "Tafel Rostock" in html


def test_directory_with_map_tiles_loads_the_map_from_our_own_assets(
    client: Client, settings: Any
) -> None:
    settings.ALLMENDE_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get("/organizations/").content.decode()
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html


def test_api_lists_and_filters_organizations(client: Client) -> None:
    OrganizationFactory(name="Tafel Rostock", region="MV")
    OrganizationFactory(name="Kulturhaus Kiel", region="SH")
    data = client.get("/api/organizations/?region=MV").json()
    assert data["count"] == 1
    assert data["items"][0]["name"] == "Tafel Rostock"
    schema = client.get("/api/openapi.json").json()
    assert "/api/organizations/" in schema["paths"]
