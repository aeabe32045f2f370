"""Datasets for the DCAT-AP.de tests: one with every optional field, one minimal."""

from __future__ import annotations

import datetime

from allmende.catalog.models import Dataset, DatasetTheme, Resource
from allmende.catalog.vocabularies import FREQUENCY_BASE, LICENCE_BASE, THEME_BASE
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PublishedDatasetFactory, add_table
from tests.organizations.factories import OrganizationFactory


def full_dataset() -> Dataset:
    organization = OrganizationFactory(
        website="https://verein.example.org/", email="info@verein.example.org"
    )
    dataset = PublishedDatasetFactory(
        organization=organization,
        title_de="Radwege in Leipzig",
        title_en="Cycle paths in Leipzig",
        description_de="Alle Radwege der Stadt.",
        description_en="All cycle paths of the city.",
        keywords=["Radverkehr", "Mobilität"],
        temporal_start=datetime.date(2020, 1, 1),
        temporal_end=datetime.date(2024, 12, 31),
        spatial="Leipzig",
        spatial_uri="http://dcat-ap.de/def/politicalGeocoding/municipalityKey/147130000000",
        contact_name="Datenteam",
        contact_email="daten@verein.example.org",
        update_frequency=FREQUENCY_BASE + "ANNUAL",
        language="de",
    )
    for code in ("TRAN", "REGI"):
        DatasetTheme.objects.create(dataset=dataset, theme=THEME_BASE + code)
    add_table(dataset, UserFactory(is_staff=True))
    Resource.objects.create(
        dataset=dataset,
        kind=Resource.Kind.LINK,
        title_de="Karte",
        title_en="Map",
        description_de="Die Karte beim Amt.",
        url="https://stadt.example.org/radwege.csv",
        format="csv",
        licence=LICENCE_BASE + "dl-by-de/2.0",
        position=1,
    )
    return dataset


def minimal_dataset() -> Dataset:
    return PublishedDatasetFactory(title_de="Nur ein Titel")
