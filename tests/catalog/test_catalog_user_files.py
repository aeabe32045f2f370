"""Files people give the platform are stored under names it chooses, served so
that a browser runs nothing in them, and originals only to those who may see
them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from allmende.accounts.models import User
from allmende.catalog.models import Dataset, Resource, ResourceVersion
from allmende.core.files import IMAGE_POLICY, SANDBOX_POLICY
from allmende.organizations.models import Organization
from tests.catalog.factories import (
    GERMAN_CSV,
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
    jobs,
)
from tests.catalog.test_catalog_links import file_server  # noqa: F401 - fixture
from tests.ckan.conftest import token_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

EVIL = {
    "evil.html": b"<!doctype html><script>document.title='owned'</script>",
    "evil.js": b"document.title='owned';\n",
    "evil.svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>document.title='owned'</script></svg>"
    ),
    "evil.csv": b"<html><body><script>alert(1)</script></body></html>\n",
}


def _assert_inert(response: Any, policy: str = SANDBOX_POLICY) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == policy


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


@pytest.mark.parametrize("name", sorted(EVIL))
def test_ckan_upload_of_markup_or_script_is_refused(
    organization: Organization, org_member: User, settings: Any, name: str
) -> None:
    dataset = DatasetFactory(organization=organization)
    with jobs():
        response = Client().post(
            "/api/action/resource_create",
            {
                "package_id": dataset.slug,
                "name": "Böse",
                "upload": SimpleUploadedFile(name, EVIL[name], "text/html"),
            },
            headers={"Authorization": token_for(org_member)},
        )

    assert response.status_code == 409, response.content
    assert not ResourceVersion.objects.exists()
    assert not _files_under(Path(settings.MEDIA_ROOT))


@pytest.mark.parametrize("name", sorted(EVIL))
def test_ckan_resource_update_with_markup_is_refused(
    organization: Organization, org_member: User, name: str
) -> None:
    resource = add_table(DatasetFactory(organization=organization), org_member)
    with jobs():
        response = Client().post(
            "/api/action/resource_update",
            {"id": str(resource.pk), "upload": SimpleUploadedFile(name, EVIL[name])},
            headers={"Authorization": token_for(org_member)},
        )

    assert response.status_code == 409, response.content
    assert resource.versions.count() == 1


@pytest.mark.parametrize("name", sorted(EVIL))
def test_web_form_upload_of_markup_or_script_is_refused(
    organization: Organization, org_member: User, name: str
) -> None:
    dataset = DatasetFactory(organization=organization)
    with jobs():
        response = client_for(org_member).post(
            f"/datasets/{dataset.slug}/resources/new/",
            {
                "title_de": "Böse",
                "file": SimpleUploadedFile(name, EVIL[name]),
                "submission_key": "0d7e6c39-5b1e-4a39-8d53-4b8d1f3e2c11",
            },
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be loaded as a table" in page or "could not find a table" in page
    assert not Resource.objects.exists()
    assert not ResourceVersion.objects.exists()


def test_linked_markup_is_not_stored(
    file_server: str,  # noqa: F811 - the fixture imported above
    organization: Organization,
    org_admin: User,
) -> None:
    from allmende.catalog import services

    dataset = DatasetFactory(organization=organization)
    with jobs():
        resource = services.resource_create(
            actor=org_admin,
            dataset=dataset,
            title_de="Seite",
            url=f"{file_server}/disguised.csv",
            load=True,
        )

    version = resource.versions.get()
    assert version.status == ResourceVersion.Status.FAILED
    assert not version.original
    assert "could not find a table" in services.error_text(
        version.error_template, version.error_params
    )


def test_upload_is_stored_under_a_platform_name_with_the_detected_extension(
    organization: Organization, org_member: User, settings: Any
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(
        dataset,
        org_member,
        upload=SimpleUploadedFile("Städte <b>.txt", GERMAN_CSV, "text/html"),
    )

    version = resource.versions.get()
    stored = Path(version.original.name)
    assert stored.suffix == ".csv"
    assert stored.stem != "Städte <b>" and len(stored.stem) == 32
    assert version.filename == "Städte <b>.csv"
    assert not _files_under(Path(settings.MEDIA_ROOT))

    response = Client().get(
        f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.original"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith("attachment;")
    _assert_inert(response)
    assert b"".join(response.streaming_content) == GERMAN_CSV  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_every_download_is_an_inert_attachment(
    organization: Organization, org_member: User, fmt: str
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)

    response = Client().get(
        f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.{fmt}"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    _assert_inert(response)


def _png_with_html() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue() + b"<html><script>document.title='owned'</script>"


def test_logo_named_html_is_stored_as_png_and_served_as_an_image(
    org_admin: User, organization: Organization
) -> None:
    content = _png_with_html()
    response = client_for(org_admin).post(
        f"/organizations/{organization.slug}/edit/",
        {
            "name": organization.name,
            "legal_form": "ev",
            "region": "SN",
            "logo": SimpleUploadedFile("logo.html", content, "text/html"),
        },
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.logo.name.startswith("organizations/logos/")
    assert organization.logo.name.endswith(".png")
    assert organization.slug not in organization.logo.name

    served = Client().get(organization.logo.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert "attachment" not in served.get("Content-Disposition", "")
    _assert_inert(served, IMAGE_POLICY)
    assert b"".join(served.streaming_content) == content  # type: ignore[attr-defined]


def test_old_logo_with_a_page_extension_is_served_as_an_attachment(
    settings: Any,
) -> None:
    logos = Path(settings.MEDIA_ROOT) / "organizations" / "logos"
    logos.mkdir(parents=True)
    (logos / "verein.html").write_bytes(_png_with_html())

    served = Client().get("/media/organizations/logos/verein.html")

    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    _assert_inert(served)


def test_media_serves_nothing_outside_the_public_tree(settings: Any) -> None:
    old = Path(settings.MEDIA_ROOT) / "catalog" / "originals" / "resource-4" / "v1"
    old.mkdir(parents=True)
    (old / "secret-private.csv").write_bytes(GERMAN_CSV)

    for path in (
        "/media/catalog/originals/resource-4/v1/secret-private.csv",
        "/media/organizations/logos/../../catalog/originals/resource-4/v1/"
        "secret-private.csv",
        "/media/organizations/logos/..%2F..%2Fcatalog/originals/resource-4/v1/"
        "secret-private.csv",
    ):
        assert Client().get(path).status_code == 404, path


@pytest.mark.parametrize("status", [Dataset.Status.DRAFT, "private"])
def test_original_of_a_hidden_dataset_is_served_only_to_its_organization(
    organization: Organization, org_member: User, settings: Any, status: str
) -> None:
    if status == "private":
        dataset = PublishedDatasetFactory(organization=organization, is_private=True)
    else:
        dataset = DatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    version = resource.versions.get()
    url = f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.original"

    assert not _files_under(Path(settings.MEDIA_ROOT))
    assert Client().get(f"/media/{version.original.name}").status_code == 404
    assert Client().get(url).status_code == 404
    assert Client().head(url).status_code == 404
    owner = client_for(org_member).get(url)
    assert owner.status_code == 200
    assert b"".join(owner.streaming_content) == GERMAN_CSV  # type: ignore[attr-defined]


def test_migration_moves_existing_originals_out_of_the_media_tree(
    organization: Organization, org_member: User, settings: Any
) -> None:
    from importlib import import_module

    resource = add_table(DatasetFactory(organization=organization), org_member)
    version = resource.versions.get()
    name = "catalog/originals/resource-4/v1/secret-private.csv"
    public, private = storages["default"], storages["private"]
    public.save(name, io.BytesIO(GERMAN_CSV))
    ResourceVersion.objects.filter(pk=version.pk).update(original=name)

    migration = import_module(
        "allmende.catalog.migrations.0004_originals_in_private_storage"
    )
    migration.move_originals(apps, None)

    assert not public.exists(name)
    version.refresh_from_db()
    assert private.open(version.original.name).read() == GERMAN_CSV
    assert Client().get(f"/media/{name}").status_code == 404
