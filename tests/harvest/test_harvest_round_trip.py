"""Harvest between two Allmende instances.

The second instance runs as a separate process (gunicorn, its own SQLite
database and data folder); its DCAT-AP.de catalog is paged with two datasets
per page. This instance harvests it, then harvests again after changes on
both sides.
"""

from __future__ import annotations

import httpx
import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog import services as catalog
from allmende.catalog.models import Dataset
from allmende.catalog.vocabularies import LICENCE_BASE, THEME_BASE
from allmende.harvest.models import HarvestLogEntry, HarvestRun, HarvestSource
from allmende.organizations.models import Organization
from tests.harvest.conftest import harvest, make_source
from tests.harvest.instance import Instance

pytestmark = pytest.mark.django_db


def test_harvest_round_trip_between_two_instances(
    other_instance: Instance,
    staff: User,
    organization: Organization,
) -> None:
    source = make_source(
        staff, organization, f"{other_instance.url}/catalog.ttl", name="Fernverein"
    )

    first = harvest(source, staff)
    assert first.status == HarvestRun.Status.SUCCEEDED, first.error_text
    assert (first.pages, first.created, first.failed) == (2, 3, 0)

    playgrounds = Dataset.objects.get(title_de="Spielplätze")
    assert playgrounds.organization == organization
    assert playgrounds.status == Dataset.Status.PUBLISHED
    assert playgrounds.title_en == "Playgrounds"
    assert playgrounds.licence == LICENCE_BASE + "dl-by-de/2.0"
    assert sorted(playgrounds.keywords) == ["Freizeit", "Kinder"]
    assert list(playgrounds.themes.values_list("theme", flat=True)) == [
        THEME_BASE + "SOCI"
    ]
    assert playgrounds.spatial == "Görlitz"
    assert playgrounds.contact_email == "daten@fernverein.example.org"
    links = sorted(playgrounds.resources.values_list("kind", "format", "url"))
    assert links[0][0] == links[1][0] == "link"
    urls = [url for _kind, _format, url in links]
    assert "https://karten.example.org/spielplatze" in urls
    # The uploaded table is linked where it lies, not copied.
    original = next(url for url in urls if "download.original" in url)
    assert original.startswith(other_instance.url)
    assert httpx.get(original, timeout=10).text.startswith("Name;Geräte")
    record = playgrounds.harvest_record
    assert record.remote_url == f"{other_instance.url}/datasets/spielplatze/"
    html = Client().get(playgrounds.get_absolute_url()).content.decode()
    assert "Harvested from Fernverein" in html
    assert f'href="{record.remote_url}"' in html

    second = harvest(source, staff)
    assert (second.unchanged, second.created, second.updated) == (3, 0, 0)

    # Here someone improves one dataset; there two change and one is withdrawn.
    fountains = Dataset.objects.get(title_de="Trinkbrunnen")
    catalog.dataset_update(
        actor=staff, dataset=fountains, description_de="Von uns ergänzt."
    )
    other_instance.script("change")

    third = harvest(source, staff)
    assert third.status == HarvestRun.Status.SUCCEEDED, third.error_text
    assert (third.updated, third.skipped, third.withdrawn, third.unchanged) == (
        1,
        1,
        1,
        0,
    )
    playgrounds.refresh_from_db()
    assert playgrounds.title_de == "Spielplätze 2025"
    assert sorted(playgrounds.keywords) == ["Freizeit", "Kinder", "Sport"]
    fountains.refresh_from_db()
    assert fountains.description_de == "Von uns ergänzt."
    skipped = third.entries.get(action=HarvestLogEntry.Action.SKIPPED)
    assert skipped.dataset == fountains
    assert staff.username in skipped.reason_texts[0]
    withdrawn = third.entries.get(action=HarvestLogEntry.Action.WITHDRAWN)
    assert withdrawn.title == "Bänke im Park"
    assert Dataset.objects.filter(title_de="Bänke im Park").exists()

    fourth = harvest(source, staff)
    assert (fourth.unchanged, fourth.skipped, fourth.withdrawn) == (1, 1, 0)


def test_ckan_harvest_round_trip_between_two_instances(
    other_instance: Instance,
    staff: User,
    organization: Organization,
) -> None:
    """The same, read through the other instance's CKAN Action API."""
    source = make_source(
        staff,
        organization,
        other_instance.url,
        kind=HarvestSource.Kind.CKAN,
        name="Fernverein",
    )

    first = harvest(source, staff)
    assert first.status == HarvestRun.Status.SUCCEEDED, first.error_text
    assert (first.created, first.failed) == (3, 0)
    assert first.pages >= 2  # package_search is read two datasets at a time

    playgrounds = Dataset.objects.get(title_de="Spielplätze")
    assert playgrounds.title_en == "Playgrounds"
    assert playgrounds.status == Dataset.Status.PUBLISHED
    assert playgrounds.licence == LICENCE_BASE + "dl-by-de/2.0"
    assert sorted(playgrounds.keywords) == ["Freizeit", "Kinder"]
    assert list(playgrounds.themes.values_list("theme", flat=True)) == [
        THEME_BASE + "SOCI"
    ]
    assert playgrounds.contact_email == "daten@fernverein.example.org"
    urls = sorted(playgrounds.resources.values_list("url", flat=True))
    assert "https://karten.example.org/spielplatze" in urls
    assert any(url.startswith(other_instance.url) for url in urls)

    second = harvest(source, staff)
    assert (second.unchanged, second.created, second.updated) == (3, 0, 0)

    fountains = Dataset.objects.get(title_de="Trinkbrunnen")
    catalog.dataset_update(
        actor=staff, dataset=fountains, description_de="Von uns ergänzt."
    )
    other_instance.script("change")

    third = harvest(source, staff)
    assert third.status == HarvestRun.Status.SUCCEEDED, third.error_text
    assert (third.updated, third.skipped, third.withdrawn) == (1, 1, 1)
    playgrounds.refresh_from_db()
    assert playgrounds.title_de == "Spielplätze 2025"
    fountains.refresh_from_db()
    assert fountains.description_de == "Von uns ergänzt."
