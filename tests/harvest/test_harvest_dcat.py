from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog import services as catalog
from allmende.catalog.models import Dataset
from allmende.catalog.vocabularies import FREQUENCY_BASE, LICENCE_BASE, THEME_BASE
from allmende.harvest.models import HarvestedRecord, HarvestLogEntry, HarvestRun
from allmende.organizations.models import Organization
from tests.harvest.conftest import harvest, make_source

pytestmark = pytest.mark.django_db

A = HarvestLogEntry.Action


def entries(run: HarvestRun) -> dict[str, tuple[str, list[str]]]:
    return {e.remote_id: (e.action, e.reason_texts) for e in run.entries.order_by("pk")}


def test_paged_turtle_catalog_is_harvested_page_by_page(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog-page1.ttl")
    run = harvest(source, staff)

    assert run.status == HarvestRun.Status.SUCCEEDED, run.error_text
    assert run.pages == 2
    assert (run.created, run.failed, run.skipped, run.updated) == (3, 1, 0, 0)
    log = entries(run)
    assert log["https://daten.example.org/dataset/ohne-titel"][0] == A.FAILED
    assert "no title" in log["https://daten.example.org/dataset/ohne-titel"][1][0]

    trees = HarvestedRecord.objects.get(
        remote_id="https://daten.example.org/dataset/baumkataster"
    ).dataset
    assert trees is not None
    assert trees.organization == organization
    assert trees.status == Dataset.Status.PUBLISHED
    assert trees.issued_at is not None and trees.issued_at.year == 2021
    assert (trees.title_de, trees.title_en) == ("Baumkataster", "Tree register")
    assert trees.description_en.startswith("All street trees")
    assert trees.keywords == ["Bäume", "Umwelt"]
    assert trees.licence == LICENCE_BASE + "dl-by-de/2.0"
    assert list(trees.themes.values_list("theme", flat=True)) == [THEME_BASE + "ENVI"]
    assert (trees.temporal_start, trees.temporal_end) == (
        date(2020, 1, 1),
        date(2024, 12, 31),
    )
    assert trees.spatial == "Leipzig"
    assert trees.spatial_uri.endswith("/municipalityKey/14713000")
    assert (trees.contact_name, trees.contact_email) == (
        "Grünflächenamt",
        "gruen@example.org",
    )
    assert trees.update_frequency == FREQUENCY_BASE + "ANNUAL"
    assert trees.language == "de"
    resources = {r.url: r for r in trees.resources.all()}
    assert set(resources) == {
        "https://daten.example.org/files/baeume.csv",
        "https://daten.example.org/files/baeume.geojson",
    }
    csv = resources["https://daten.example.org/files/baeume.csv"]
    assert (csv.kind, csv.format, csv.title_de, csv.licence) == (
        "link",
        "csv",
        "Baumkataster als CSV",
        "",
    )
    geojson = resources["https://daten.example.org/files/baeume.geojson"]
    assert geojson.format == "geojson"
    assert geojson.title_de == "baeume.geojson"
    assert geojson.licence == LICENCE_BASE + "cc-by/4.0"

    bikes = Dataset.objects.get(title_de="Radwege")
    assert bikes.licence == LICENCE_BASE + "odbl"  # from the distribution
    assert list(bikes.themes.values_list("theme", flat=True)) == [THEME_BASE + "TRAN"]
    assert bikes.resources.get().format == "shp"
    action, notes = log["https://daten.example.org/dataset/radwege"]
    assert action == A.CREATED
    assert any("bicycles" in note and "not an EU data theme" in note for note in notes)

    budget = Dataset.objects.get(title_de="Haushaltsplan 2025")
    assert budget.licence == LICENCE_BASE + "other-closed"
    action, notes = log["https://daten.example.org/dataset/haushalt"]
    assert action == A.CREATED
    assert any("Eigene Lizenz der Stadt" in note for note in notes)


def test_second_run_reports_unchanged_records_and_changes_nothing(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog-page1.ttl")
    harvest(source, staff)
    before = dict(Dataset.objects.values_list("pk", "modified_at"))
    run = harvest(source, staff)
    assert (run.created, run.updated, run.unchanged, run.failed) == (0, 0, 3, 1)
    assert dict(Dataset.objects.values_list("pk", "modified_at")) == before


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("catalog.rdf", "Schulen im Land"),
        ("catalog.jsonld", "Luftqualität"),
        # A generic content type: the format comes from the extension.
        ("generic/catalog.rdf", "Schulen im Land"),
        ("generic/catalog.jsonld", "Luftqualität"),
    ],
)
def test_rdf_xml_and_json_ld_catalogs_are_read(
    staff: User, organization: Organization, remote: str, path: str, title: str
) -> None:
    source = make_source(staff, organization, f"{remote}/{path}")
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error_text
    assert run.created == 1
    dataset = Dataset.objects.get()
    assert dataset.title_de == title
    assert dataset.resources.get().kind == "link"


def test_rdf_xml_maps_contact_frequency_and_media_type(
    staff: User, organization: Organization, remote: str
) -> None:
    harvest(make_source(staff, organization, f"{remote}/catalog.rdf"), staff)
    dataset = Dataset.objects.get()
    assert dataset.contact_email == "schulen@example.org"
    assert dataset.update_frequency == FREQUENCY_BASE + "MONTHLY"
    # The only licence is the distribution's; it becomes the dataset's.
    assert dataset.licence == LICENCE_BASE + "cc-zero"
    assert dataset.resources.get().format == "csv"


def test_local_edit_is_never_overwritten_and_the_reason_is_logged(
    staff: User, organization: Organization, remote: str, settings: object
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog.rdf")
    harvest(source, staff)
    dataset = Dataset.objects.get()
    catalog.dataset_update(actor=staff, dataset=dataset, title_de="Unsere Schulen")
    # The source changes: simulated by a changed hash of the last sync.
    HarvestedRecord.objects.update(content_hash="0" * 64)

    run = harvest(source, staff)
    assert (run.skipped, run.updated) == (1, 0)
    entry = run.entries.get()
    assert entry.action == A.SKIPPED
    assert staff.username in entry.reason_texts[0]
    assert "not applied" in entry.reason_texts[0]
    dataset.refresh_from_db()
    assert dataset.title_de == "Unsere Schulen"


def test_dataset_deleted_here_is_not_created_again(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog.jsonld")
    harvest(source, staff)
    catalog.dataset_delete(actor=staff, dataset=Dataset.objects.get())
    run = harvest(source, staff)
    assert (run.created, run.skipped) == (0, 1)
    assert "deleted here" in run.entries.get().reason_texts[0]
    assert not Dataset.objects.exists()


def test_record_gone_from_the_source_is_reported_withdrawn_and_kept(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog.jsonld")
    harvest(source, staff)
    source.url = f"{remote}/catalog.rdf"
    source.save()
    run = harvest(source, staff)
    assert (run.created, run.withdrawn) == (1, 1)
    withdrawn = run.entries.get(action=A.WITHDRAWN)
    assert withdrawn.remote_id == "https://json.example.org/dataset/luft"
    assert Dataset.objects.filter(title_de="Luftqualität").exists()
    record = HarvestedRecord.objects.get(remote_id=withdrawn.remote_id)
    assert record.withdrawn_at is not None
    # Reported once, not again on every run.
    assert harvest(source, staff).withdrawn == 0


def test_changed_record_updates_the_dataset_and_its_links(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog-page1.ttl")
    harvest(source, staff)
    record = HarvestedRecord.objects.get(
        remote_id="https://daten.example.org/dataset/baumkataster"
    )
    assert record.dataset is not None
    csv_id = record.resource_map["https://daten.example.org/dataset/baumkataster/csv"]

    source.url = f"{remote}/catalog-changed.ttl"
    source.save()
    run = harvest(source, staff)
    assert (run.updated, run.withdrawn, run.created) == (1, 2, 0)

    dataset = Dataset.objects.get(pk=record.dataset.pk)
    assert dataset.title_de == "Baumkataster 2025"
    assert dataset.keywords == ["Bäume"]
    assert dataset.temporal_start is None and dataset.contact_email == ""
    resources = {r.url: r for r in dataset.resources.all()}
    assert set(resources) == {
        "https://daten.example.org/files/baeume.csv",
        "https://daten.example.org/files/baeume.pdf",
    }
    csv = resources["https://daten.example.org/files/baeume.csv"]
    assert csv.pk == csv_id  # the same resource, changed
    assert csv.title_de == "Baumkataster (CSV, UTF-8)"
    history = [entry.action for entry in dataset_history(dataset)]
    assert "resource.updated" in history and "resource.deleted" in history
    # The harvest's own changes do not count as changes made here.
    assert harvest(source, staff).unchanged == 1


def test_change_that_left_no_history_still_counts_as_local(
    staff: User, organization: Organization, remote: str
) -> None:
    from django.utils import timezone

    source = make_source(staff, organization, f"{remote}/catalog.rdf")
    harvest(source, staff)
    Dataset.objects.update(modified_at=timezone.now(), title_de="Von Hand")
    HarvestedRecord.objects.update(content_hash="0" * 64)
    run = harvest(source, staff)
    assert run.skipped == 1
    assert "changed here" in run.entries.get().reason_texts[0]
    assert Dataset.objects.get().title_de == "Von Hand"


def dataset_history(dataset: Dataset) -> list[Any]:
    from allmende.catalog.selectors import dataset_history as history

    return list(history(dataset=dataset))
