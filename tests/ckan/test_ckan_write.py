"""Write actions: who may change what, CKAN's replace and patch, uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog.models import Dataset, Resource
from allmende.catalog.vocabularies import LICENCE_BASE, THEME_BASE
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.catalog.factories import (
    GERMAN_CSV,
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
    jobs,
)
from tests.ckan.conftest import Api, token_for
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _package(organization: Organization, **extra: Any) -> dict[str, Any]:
    return {
        "name": "radwege-kiel",
        "title": "Radwege in Kiel",
        "notes": "Alle Radwege.",
        "owner_org": organization.slug,
        "license_id": "dl-by-de/2.0",
        "tags": [{"name": "verkehr"}, {"name": "rad"}],
        "maintainer": "Tiefbauamt",
        "maintainer_email": "tiefbau@example.org",
        "groups": [{"name": "tran"}],
        "extras": [
            {"key": "temporal_start", "value": "2021-01-01"},
            {"key": "spatial_text", "value": "Kiel"},
            {"key": "frequency", "value": "ANNUAL"},
        ],
        "resources": [
            {
                "name": "Karte",
                "url": "https://example.org/radwege.geojson",
                "format": "GeoJSON",
            },
        ],  # fmt: skip
        **extra,
    }


def test_member_creates_a_dataset_that_round_trips(
    api: Api, organization: Organization, org_member: User
) -> None:
    token = token_for(org_member)
    created = api.post("package_create", _package(organization), token=token)["result"]

    dataset = Dataset.objects.get(slug="radwege-kiel")
    assert dataset.is_published
    assert dataset.created_by == org_member
    assert dataset.title_de == "Radwege in Kiel"
    assert dataset.licence == LICENCE_BASE + "dl-by-de/2.0"
    assert dataset.keywords == ["verkehr", "rad"]
    assert dataset.contact_email == "tiefbau@example.org"
    assert dataset.spatial == "Kiel"
    assert dataset.update_frequency.endswith("/ANNUAL")
    assert list(dataset.themes.values_list("theme", flat=True)) == [THEME_BASE + "TRAN"]
    assert created["resources"][0]["url"] == "https://example.org/radwege.geojson"
    assert created["resources"][0]["format"] == "GEOJSON"

    # package_show -> package_update with the same dict changes nothing.
    shown = api.get("package_show", {"id": "radwege-kiel"})["result"]
    again = api.post("package_update", shown, token=token)["result"]
    kept = ("name", "title_translated", "notes_translated", "license_id", "tags",
            "groups", "extras", "maintainer", "private", "state")  # fmt: skip
    for key in kept:
        assert again[key] == shown[key], key
    assert [r["id"] for r in again["resources"]] == [
        r["id"] for r in shown["resources"]
    ]
    assert not AuditLogEntry.objects.filter(
        action="dataset.updated", object_id=dataset.pk
    ).exists()


def test_license_id_is_taken_as_code_or_uri(
    api: Api, organization: Organization, org_member: User
) -> None:
    body = api.post(
        "package_create",
        _package(organization, license_id=LICENCE_BASE + "cc-zero"),
        token=token_for(org_member),
    )
    assert body["result"]["license_id"] == "cc-zero"
    # Ids that other CKAN sites use are understood too.
    body = api.post(
        "package_create",
        _package(organization, name="mit-odbl", license_id="odc-odbl"),
        token=token_for(org_member),
    )
    assert body["result"]["license_id"] == "odbl"


def test_validation_errors_name_the_fields(
    api: Api, organization: Organization, org_member: User
) -> None:
    token = token_for(org_member)
    api.post("package_create", _package(organization), token=token)
    body = api.post("package_create", _package(organization), token=token, status=409)
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["name"] == ["That URL is already in use."]

    body = api.post(
        "package_create",
        _package(
            organization,
            name="Groß Geschrieben",
            license_id="meine-lizenz",
            groups=[{"name": "kochen"}],
        ),
        token=token,
        status=409,
    )
    assert set(body["error"]) >= {"__type", "name", "license_id", "groups"}

    body = api.post(
        "package_create",
        {"name": "ohne-alles", "owner_org": organization.slug},
        token=token,
        status=409,
    )
    assert body["error"]["license_id"] == ["Missing value"]
    body = api.post(
        "package_create",
        _package(organization, maintainer_email="kein-mail"),
        token=token,
        status=409,
    )
    assert "maintainer_email" in body["error"]


def test_update_replaces_and_patch_keeps(
    api: Api, organization: Organization, org_member: User
) -> None:
    token = token_for(org_member)
    api.post("package_create", _package(organization), token=token)

    patched = api.post(
        "package_patch", {"id": "radwege-kiel", "notes": "Neu."}, token=token
    )["result"]
    assert patched["notes"] == "Neu."
    assert patched["maintainer"] == "Tiefbauamt"
    assert patched["num_resources"] == 1

    replaced = api.post(
        "package_update",
        {
            "id": "radwege-kiel",
            "title": "Radwege",
            "license_id": "cc-by/4.0",
            "owner_org": organization.slug,
            "resources": [],
        },  # fmt: skip
        token=token,
    )["result"]
    assert replaced["title"] == "Radwege"
    assert replaced["notes"] == ""
    assert replaced["maintainer"] is None
    assert replaced["tags"] == []
    assert replaced["num_resources"] == 0

    renamed = api.post(
        "package_patch", {"id": replaced["id"], "name": "radwege"}, token=token
    )["result"]
    assert renamed["name"] == "radwege"


def test_state_draft_keeps_the_dataset_unpublished(
    api: Api, organization: Organization, org_member: User
) -> None:
    token = token_for(org_member)
    api.post("package_create", _package(organization, state="draft"), token=token)
    assert not Dataset.objects.get(slug="radwege-kiel").is_published
    assert api.get("package_show", {"id": "radwege-kiel"}, status=404)
    api.post("package_patch", {"id": "radwege-kiel", "state": "active"}, token=token)
    assert Dataset.objects.get(slug="radwege-kiel").is_published


ROLES = ["other_user", "other_org_admin", "member", "org_admin", "staff"]


def _user(role: str, organization: Organization) -> User:
    if role == "other_user":
        return UserFactory()
    if role == "other_org_admin":
        return MembershipFactory(role="admin").user
    if role == "member":
        return MembershipFactory(organization=organization).user
    if role == "org_admin":
        return MembershipFactory(organization=organization, role="admin").user
    return StaffFactory()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_change_only_what_the_rules_allow(
    api: Api, organization: Organization, role: str
) -> None:
    editor = role in ("member", "org_admin", "staff")
    deleter = role in ("org_admin", "staff")
    owner = MembershipFactory(organization=organization).user
    public = PublishedDatasetFactory(organization=organization, slug="offen")
    resource = add_table(public, owner)
    token = token_for(_user(role, organization))

    def expect(allowed: bool) -> int:
        return 200 if allowed else 403

    body = api.post(
        "package_create", _package(organization), token=token, status=expect(editor)
    )
    if not editor:
        assert body["error"]["__type"] == "Authorization Error"
    assert Dataset.objects.filter(slug="radwege-kiel").exists() == editor

    api.post(
        "package_patch",
        {"id": "offen", "notes": "Geändert"},
        token=token,
        status=expect(editor),
    )
    assert (Dataset.objects.get(slug="offen").description_de == "Geändert") == editor

    api.post(
        "resource_create",
        {"package_id": "offen", "url": "https://example.org/x.csv", "name": "X"},
        token=token,
        status=expect(editor),
    )
    api.post(
        "resource_patch",
        {"id": str(resource.pk), "name": "Umbenannt"},
        token=token,
        status=expect(editor),
    )
    assert (Resource.objects.get(pk=resource.pk).title_de == "Umbenannt") == editor
    with jobs():
        api.post(
            "resource_delete",
            {"id": str(resource.pk)},
            token=token,
            status=expect(editor),
        )
    assert Resource.objects.filter(pk=resource.pk).exists() != editor

    api.post("package_delete", {"id": "offen"}, token=token, status=expect(deleter))
    assert Dataset.objects.filter(slug="offen").exists() != deleter


def test_outsider_cannot_see_or_change_a_private_dataset(
    api: Api, organization: Organization
) -> None:
    private = DatasetFactory(organization=organization, is_private=True)
    token = token_for(UserFactory())
    body = api.post(
        "package_patch", {"id": private.slug, "notes": "x"}, token=token, status=404
    )
    assert body["error"]["__type"] == "Not Found Error"
    private.refresh_from_db()
    assert private.description_de == ""


def test_multipart_upload_is_loaded_like_a_web_upload(
    organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    token = token_for(org_member)
    client = Client()
    with jobs():
        response = client.post(
            "/api/action/resource_create",
            {
                "package_id": dataset.slug,
                "name": "Städte",
                "upload": SimpleUploadedFile("staedte.csv", GERMAN_CSV, "text/csv"),
            },
            headers={"Authorization": token},
        )
    assert response.status_code == 200, response.content
    created = response.json()["result"]
    assert created["url_type"] == "upload"
    resource = Resource.objects.get(pk=int(created["id"]))
    assert resource.kind == Resource.Kind.UPLOAD
    assert resource.versions.get().created_by == org_member
    shown = Api().get("resource_show", {"id": created["id"]}, token=token)["result"]
    assert shown["datastore_active"] is True
    assert shown["format"] == "CSV"

    # A new upload through resource_update is a new version.
    with jobs():
        response = client.post(
            "/api/3/action/resource_update",
            {
                "id": created["id"],
                "upload": SimpleUploadedFile("neu.csv", GERMAN_CSV, "text/csv"),
            },
            headers={"Authorization": token},
        )
    assert response.status_code == 200, response.content
    assert resource.versions.count() == 2
    assert response.json()["result"]["name"] == "Städte"


def test_upload_larger_than_allowed_is_refused(
    settings: Any, organization: Organization, org_member: User
) -> None:
    settings.ALLMENDE_MAX_UPLOAD_BYTES = 10
    dataset = DatasetFactory(organization=organization)
    response = Client().post(
        "/api/3/action/resource_create",
        {"package_id": dataset.slug, "upload": SimpleUploadedFile("a.csv", GERMAN_CSV)},
        headers={"Authorization": token_for(org_member)},
    )
    assert response.status_code == 409
    assert "upload" in response.json()["error"]
    assert not dataset.resources.exists()


def test_resource_needs_a_url_or_a_file(
    api: Api, organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    body = api.post(
        "resource_create",
        {"package_id": dataset.slug, "name": "Leer"},
        token=token_for(org_member),
        status=409,
    )
    assert "url" in body["error"]
    body = api.post(
        "resource_create",
        {"package_id": dataset.slug, "url": "kein link"},
        token=token_for(org_member),
        status=409,
    )
    assert "url" in body["error"]
    # Django's URL validator lets these through; no IRI contains them.
    for url in ('https://example.org/a"b', "https://example.org/{x}"):
        body = api.post(
            "resource_create",
            {"package_id": dataset.slug, "url": url},
            token=token_for(org_member),
            status=409,
        )
        assert "url" in body["error"]
    assert not dataset.resources.exists()


def test_upload_announced_too_large_is_refused_before_reading(
    settings: Any, organization: Organization, org_member: User
) -> None:
    settings.ALLMENDE_MAX_UPLOAD_BYTES = 10
    dataset = DatasetFactory(organization=organization)
    response = Client().post(
        "/api/3/action/resource_create",
        b"x" * 100,
        content_type="multipart/form-data; boundary=zzz",
        headers={"Authorization": token_for(org_member)},
        CONTENT_LENGTH=str(10**9),
    )
    assert response.status_code == 409
    assert "upload" in response.json()["error"]
    assert not dataset.resources.exists()
