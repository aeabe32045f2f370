"""Files and queries that cannot work get a clear message, never an error page."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog.models import Resource, ResourceVersion
from allmende.organizations.models import Organization
from tests.catalog.factories import (
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
    csv_upload,
    jobs,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
TESTDATA = Path(__file__).resolve().parent / "testdata"


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<row>" + "0" * 20_000_000)
    return buffer.getvalue()


def _wide_csv() -> bytes:
    header = ";".join(f"Spalte{i}" for i in range(10_000))
    row = ";".join("1" for _ in range(10_000))
    return f"{header}\n{row}\n".encode()


BAD_FILES = {
    "zip bomb disguised as xlsx": ("tabelle.xlsx", _zip_bomb),
    "csv with 10,000 columns": ("breit.csv", _wide_csv),
    "binary garbage named csv": (
        "kaputt.csv",
        lambda: (TESTDATA / "binary_garbage.csv").read_bytes(),
    ),
    "json nested 1,000 levels": ("tief.json", lambda: b"[" * 1000 + b"]" * 1000),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_unloadable_file_shows_a_plain_message_on_the_page(
    org_member: User, organization: Organization, case: str
) -> None:
    name, make = BAD_FILES[case]
    dataset = DatasetFactory(organization=organization)
    client = client_for(org_member)
    with jobs():
        response = client.post(
            f"/datasets/{dataset.slug}/resources/new/",
            {
                "title_de": "Daten",
                "file": SimpleUploadedFile(name, make()),
                "submission_key": "5b0f3c52-1111-4c4c-8a8a-0123456789ab",
            },
        )
    assert response.status_code == 302
    version = ResourceVersion.objects.get()
    assert version.status == ResourceVersion.Status.FAILED
    assert not version.has_table
    page = client.get(version.resource.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'role="alert"' in html
    assert "could not be loaded" in html
    assert "Traceback" not in html


def test_failed_new_version_keeps_the_previous_table_queryable(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    client = client_for(org_member)
    with jobs():
        client.post(
            f"/datasets/{dataset.slug}/resources/{resource.pk}/upload/",
            {
                "file": SimpleUploadedFile("kaputt.csv", b"\x00\xff" * 500),
                "submission_key": "5b0f3c52-2222-4c4c-8a8a-0123456789ab",
            },
        )
    resource.refresh_from_db()
    assert resource.versions.count() == 2
    assert resource.current_version is not None
    assert resource.current_version.number == 1
    api = Client().get(f"/api/catalog/resources/{resource.pk}/rows?_count=1").json()
    assert api["count"] == 4
    html = client.get(resource.get_absolute_url()).content.decode()
    assert "Version 1 is still shown" in html


def test_huge_upload_is_refused_before_the_body_is_read(
    org_member: User, organization: Organization, settings: object
) -> None:
    settings.ALLMENDE_MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # type: ignore[attr-defined]
    dataset = DatasetFactory(organization=organization)
    response = client_for(org_member).post(
        f"/datasets/{dataset.slug}/resources/new/",
        {"title_de": "Riesig", "file": csv_upload()},
        CONTENT_LENGTH=str(5 * 1024**3),
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "10.0\xa0MB" in html or "10.0 MB" in html
    assert not Resource.objects.exists()


def test_file_over_the_limit_is_refused_by_the_form(
    org_member: User, organization: Organization, settings: object
) -> None:
    settings.ALLMENDE_MAX_UPLOAD_BYTES = 100  # type: ignore[attr-defined]
    dataset = DatasetFactory(organization=organization)
    response = client_for(org_member).post(
        f"/datasets/{dataset.slug}/resources/new/",
        {"title_de": "Zu groß", "file": csv_upload(b"a;b\n" + b"1;2\n" * 100)},
    )
    assert response.status_code == 200
    assert "can be at most 100" in response.content.decode()
    assert not Resource.objects.exists()


def test_double_submit_of_upload_creates_one_resource(
    org_member: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    client = client_for(org_member)
    data = {"title_de": "Einmal", "submission_key": "5b0f3c52-3333-4c4c-8a8a-0123"
            "456789ab"}  # fmt: skip
    with jobs():
        first = client.post(
            f"/datasets/{dataset.slug}/resources/new/", {**data, "file": csv_upload()}
        )
        second = client.post(
            f"/datasets/{dataset.slug}/resources/new/", {**data, "file": csv_upload()}
        )
    assert first["Location"] == second["Location"]
    assert Resource.objects.count() == 1
    assert ResourceVersion.objects.count() == 1


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY data TO 'out.csv'",
        "ATTACH 'x.db'",
        "INSTALL httpfs",
        "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
    ],
)
def test_sql_attack_in_the_page_shows_a_message(
    org_member: User, organization: Organization, sql: str, settings: object
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    response = Client().get(f"{resource.get_absolute_url()}?sql={quote(sql)}")
    assert response.status_code == 200
    alerts = re.findall(
        r'class="message message-error" role="alert">([^<]+)<',
        response.content.decode(),
    )
    assert alerts and all(alert.strip() for alert in alerts)


def test_bad_preview_filter_shows_a_message_and_all_rows(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    html = (
        Client()
        .get(f"{resource.get_absolute_url()}?col=Einwohner&op=gt&val=viele")
        .content.decode()
    )
    assert "is not a valid" in html
    assert "Görlitz" in html
