from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog import engine, services, tablestore
from allmende.catalog.models import Dataset, Resource, ResourceVersion
from allmende.organizations.models import Organization
from tests.catalog.factories import (
    GERMAN_CSV,
    PublishedDatasetFactory,
    add_table,
    csv_upload,
    jobs,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

LICENCE = "http://dcat-ap.de/def/licenses/cc-by/4.0"


def _create_dataset(
    client: Client, organization: Organization, **extra: str
) -> Dataset:
    data = {
        "organization": organization.pk,
        "title_de": "Einwohner der Städte",
        "licence": LICENCE,
        "themes": ["http://publications.europa.eu/resource/authority/data-theme/REGI"],
        "keywords": "Städte, Bevölkerung",
        "language": "de",
        "submission_key": "7f9c1a52-7a43-4b67-9d6c-2f1f0c4a9e10",
        **extra,
    }
    response = client.post("/datasets/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dataset.objects.get()


def test_member_creates_dataset_uploads_csv_and_sees_typed_preview(
    org_member: User, organization: Organization
) -> None:
    client = client_for(org_member)
    dataset = _create_dataset(client, organization)
    assert dataset.status == Dataset.Status.DRAFT
    assert list(dataset.themes.values_list("theme", flat=True)) == [
        "http://publications.europa.eu/resource/authority/data-theme/REGI"
    ]
    assert dataset.keywords == ["Städte", "Bevölkerung"]

    with jobs():
        response = client.post(
            f"/datasets/{dataset.slug}/resources/new/",
            {
                "title_de": "Städte",
                "file": csv_upload(),
                "submission_key": "0d7e6c39-5b1e-4a39-8d53-4b8d1f3e2c11",
            },
        )
    assert response.status_code == 302
    resource = Resource.objects.get()
    version = resource.versions.get()
    assert version.status == ResourceVersion.Status.READY
    assert resource.current_version == version
    assert version.row_count == 4
    types = {c["name"]: c["type"] for c in version.columns}
    assert types["Einwohner"] == "integer"
    assert types["Fläche"] == "decimal"
    assert types["Gegründet"] == "text"  # leading zero stays text

    page = client.get(resource.get_absolute_url() + "?sort=-Einwohner")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-sort="descending"' in html
    assert html.index("Köln") < html.index("Kiel")
    filtered = client.get(
        resource.get_absolute_url() + "?col=Stadt&op=eq&val=Leipzig"
    ).content.decode()
    assert "Leipzig" in filtered and "Görlitz" not in filtered

    client.post(f"/datasets/{dataset.slug}/publish/", {"published": "1"})
    dataset.refresh_from_db()
    assert dataset.is_published and dataset.issued_at is not None
    anonymous = Client().get(resource.get_absolute_url())
    assert anonymous.status_code == 200

    download = Client().get(
        f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.csv"
    )
    assert b"".join(download.streaming_content).startswith(b"Stadt,Einwohner")  # type: ignore[attr-defined]
    original = Client().get(
        f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.original"
    )
    assert b"".join(original.streaming_content) == GERMAN_CSV  # type: ignore[attr-defined]


def test_csv_for_german_excel_is_offered_beside_the_standard_csv(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    base = f"/datasets/{dataset.slug}/resources/{resource.pk}/v1"
    page = Client().get(resource.get_absolute_url()).content.decode()
    assert f"{base}/download.csv" in page and f"{base}/download.excel.csv" in page
    response = Client().get(f"{base}/download.excel.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('-v1.excel.csv"')
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith("\ufeffStadt;Einwohner;Fläche;Gegründet\n".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["Köln", "1084831", "405,02", "0050"]
    standard = Client().get(f"{base}/download.csv")
    text = b"".join(standard.streaming_content).decode()  # type: ignore[attr-defined]
    assert list(csv.reader(io.StringIO(text)))[1][2] == "405.02"


def test_load_writes_the_parquet_download_and_a_download_writes_a_missing_one(
    org_member: User, organization: Organization
) -> None:
    import pyarrow.parquet as pq

    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    version = resource.versions.get()
    written = tablestore.local_build(tablestore.BuildKey.of(version)) / "data.parquet"
    assert written.is_file()  # by the load job, after the version went live
    # A job that died after publishing leaves no file: the download writes it.
    written.unlink()
    engine.Resource.clear_cache()
    response = Client().get(
        f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.parquet"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apache.parquet"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body.startswith(b"PAR1") and body == written.read_bytes()
    table = pq.read_table(written)
    assert table.num_rows == version.row_count
    assert str(table.schema.field("Einwohner").type) == "int64"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "passt nicht zum Typ Ganze Zahl"),
        ("en", "does not fit the type Whole number"),
    ],
)
def test_validation_report_speaks_the_readers_language(
    org_member: User, organization: Organization, language: str, expected: str
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    version = resource.current_version
    assert version is not None
    with jobs():
        services.version_reload(
            actor=org_member, version=version, overrides={"Stadt": {"type": "integer"}}
        )
    version.refresh_from_db()
    assert [p["value"] for p in version.report["problems"]] == [
        "Köln",
        "Leipzig",
        "Görlitz",
        "Kiel",
    ]
    html = (
        client_for(org_member)
        .get(resource.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language)
        .content.decode()
    )
    assert expected in html


def test_column_type_fixes_accumulate_until_the_owner_changes_them(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    client = client_for(org_member)

    def fix(**types: str) -> dict[str, str]:
        """Send the column form as the page shows it, with ``types`` changed."""
        version = resource.versions.get()
        data = {}
        for index, column in enumerate(version.columns):
            data[f"c{index}_type"] = types.get(column["name"], column["type"])
            data[f"c{index}_locale"] = column.get("number_locale") or ""
            data[f"c{index}_date"] = column.get("date_order") or ""
        with jobs():
            response = client.post(f"{resource.get_absolute_url()}schema/", data)
        assert response.status_code == 302
        version.refresh_from_db()
        assert version.status == ResourceVersion.Status.READY
        return {c["name"]: c["type"] for c in version.columns}

    assert fix(Einwohner="text")["Einwohner"] == "text"
    second = fix(Fläche="text")
    assert (second["Einwohner"], second["Fläche"]) == ("text", "text")
    third = fix(Einwohner="integer")
    assert (third["Einwohner"], third["Fläche"]) == ("integer", "text")
    assert set(resource.versions.get().options["overrides"]) == {"Fläche"}


def test_geojson_download_of_a_table_with_coordinates_has_points(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    upload = csv_upload(b"Ort,Longitude,Latitude\nKiel,10.13,54.32\n", "orte.csv")
    resource = add_table(dataset, org_member, upload=upload)
    page = Client().get(resource.get_absolute_url()).content.decode()
    path = f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.geojson"
    assert path in page
    response = Client().get(path)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    feature = json.loads(body)["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [10.13, 54.32]}


def test_upload_texts_name_no_separator_for_a_spreadsheet_and_no_reload(
    org_member: User, organization: Organization
) -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import translation

    from tests.catalog.conftest import TESTDATA
    from tests.catalog.factories import file_upload

    dataset = PublishedDatasetFactory(organization=organization)
    sheet = add_table(
        dataset, org_member, upload=file_upload(TESTDATA / "members.xlsx")
    )
    table = add_table(dataset, org_member, title="Tabelle")
    assert sheet.versions.get().load_info["delimiter"] == ""
    client = client_for(org_member)
    with translation.override("en"):
        sheet_page = client.get(sheet.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        table_page = client.get(table.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert "separator" not in sheet_page.content.decode()
        assert "separator “;”" in table_page.content.decode()
        busy = SimpleNamespace(is_busy=True, number=2, filename="neu.csv", percent=40)
        status = render_to_string(
            "catalog/_status.html", {"resource": table, "latest": busy}
        )
    assert "every 1s" in status  # the status refreshes itself ...
    assert "eload" not in status  # ... so nobody is asked to reload
