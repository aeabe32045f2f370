from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.catalog.vocabularies import FREQUENCY_BASE, LICENCE_BASE, THEME_BASE
from allmende.harvest import ckan
from allmende.harvest.models import HarvestLogEntry, HarvestRun, HarvestSource
from allmende.organizations.models import Organization
from tests.harvest.conftest import Handler, harvest, make_source

pytestmark = pytest.mark.django_db


def test_ckan_site_is_harvested_through_paged_package_search(
    staff: User, organization: Organization, remote: str
) -> None:
    Handler.requests.clear()
    source = make_source(
        staff, organization, f"{remote}/ckan", kind=HarvestSource.Kind.CKAN
    )
    run = harvest(source, staff)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error_text
    assert (run.pages, run.created, run.failed) == (2, 3, 0)
    searches = [r for r in Handler.requests if "package_search" in r]
    assert len(searches) == 2
    assert "start=0" in searches[0] and "rows=2" in searches[0]
    assert "start=2" in searches[1]

    kitas = Dataset.objects.get(title_de="Kindertagesstätten")
    assert kitas.description_de == "Alle Kitas mit Plätzen."
    assert kitas.licence == LICENCE_BASE + "dl-by-de/2.0"
    assert kitas.keywords == ["Kinder", "Bildung"]
    assert list(kitas.themes.values_list("theme", flat=True)) == [THEME_BASE + "EDUC"]
    assert (kitas.temporal_start, kitas.temporal_end) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    assert kitas.spatial == "Kiel"
    assert (kitas.contact_name, kitas.contact_email) == (
        "Jugendamt",
        "kita@example.org",
    )
    assert kitas.update_frequency == FREQUENCY_BASE + "QUARTERLY"
    assert kitas.issued_at is not None and kitas.issued_at.year == 2023
    resources = list(kitas.resources.order_by("position"))
    assert [(r.url, r.format, r.title_de) for r in resources] == [
        ("https://ckan.example.org/files/kitas.csv", "csv", "Kitas (CSV)"),
        ("https://ckan.example.org/api/kitas", "json", "kitas"),
    ]
    assert kitas.harvest_record.remote_url == f"{remote}/ckan/dataset/kitas"

    parking = Dataset.objects.get(title_de="Parkplätze")
    assert parking.licence == LICENCE_BASE + "odbl"
    assert [r.format for r in parking.resources.all()] == ["geojson"]
    log = {e.title: e for e in run.entries.all()}
    assert any("ftp://" in text for text in log["Parkplätze"].reason_texts)

    elections = Dataset.objects.get(title_de="Wahlergebnisse")
    assert elections.licence == LICENCE_BASE + "other-closed"
    assert elections.contact_email == ""
    notes = " ".join(log["Wahlergebnisse"].reason_texts)
    assert "some-unknown-licence" in notes
    assert "not an address" in notes
    assert log["Wahlergebnisse"].action == HarvestLogEntry.Action.CREATED

    again = harvest(source, staff)
    assert (again.unchanged, again.created, again.updated) == (3, 0, 0)


@pytest.mark.parametrize(
    "url",
    [
        "https://ckan.example.org",
        "https://ckan.example.org/",
        "https://ckan.example.org/api/3/action/package_search",
        "https://ckan.example.org/api/3",
    ],
)
def test_ckan_address_may_be_the_site_or_its_api(url: str) -> None:
    assert ckan.search_url(url) == (
        "https://ckan.example.org/api/3/action/package_search"
    )


def test_ckan_package_dict_round_trips_its_fields() -> None:
    """A package as CKAN's package_show returns it (as Allmende's CKAN API will)."""
    package = {
        "id": "abc",
        "name": "baeume",
        "title": "Bäume",
        "notes": "Straßenbäume",
        "license_id": "cc-by-4.0",
        "owner_org": "stadt",
        "state": "active",
        "private": False,
        "metadata_modified": "2025-04-01T10:00:00.123456",
        "tags": [{"name": "Umwelt"}],
        "groups": [],
        "extras": [{"key": "theme", "value": f'["{THEME_BASE}ENVI"]'}],
        "resources": [
            {"id": "r1", "name": "CSV", "url": "https://x.example.org/b.csv"}
        ],
    }
    remote = ckan.read_package(package, "https://x.example.org")
    assert remote.problem is None
    assert remote.fields["licence"] == LICENCE_BASE + "cc-by/4.0"
    assert remote.themes == [THEME_BASE + "ENVI"]
    assert remote.modified is not None and remote.modified.month == 4
    assert remote.resources[0].fields["url"] == "https://x.example.org/b.csv"
    assert remote.remote_url == "https://x.example.org/dataset/baeume"
    private = ckan.read_package({**package, "private": True}, "https://x.example.org")
    assert private.problem is not None


def test_odd_record_fails_alone_and_the_run_goes_on(
    staff: User, organization: Organization, remote: str, monkeypatch: Any
) -> None:
    real = ckan.read_package

    def odd(package: dict[str, Any], base: str) -> Any:
        if package.get("name") == "parkplaetze":
            raise KeyError("geometry")
        return real(package, base)

    monkeypatch.setattr(ckan, "read_package", odd)
    source = make_source(
        staff, organization, f"{remote}/ckan", kind=HarvestSource.Kind.CKAN
    )
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.created, run.failed) == (2, 1)
    failed = run.entries.get(action=HarvestLogEntry.Action.FAILED)
    assert failed.remote_id == "5b1c2f8e-0000-4000-8000-000000000002"
    assert "could not be read" in failed.reason_texts[0]
