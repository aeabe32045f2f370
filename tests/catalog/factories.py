from __future__ import annotations

from pathlib import Path
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from allmende.accounts.models import User
from allmende.catalog import services
from allmende.catalog.models import Dataset, Resource
from allmende.catalog.vocabularies import LICENCE_BASE
from tests.organizations.factories import OrganizationFactory

GERMAN_CSV = (
    "Stadt;Einwohner;Fläche;Gegründet\n"
    "Köln;1.084.831;405,02;0050\n"
    "Leipzig;619.879;297,8;1165\n"
    "Görlitz;56.324;67,52;1071\n"
    "Kiel;246.243;118,65;1242\n"
).encode()


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    organization = factory.SubFactory(OrganizationFactory)
    slug = factory.Sequence(lambda n: f"datensatz-{n}")
    title_de = factory.Sequence(lambda n: f"Datensatz {n}")
    licence = LICENCE_BASE + "cc-by/4.0"


class PublishedDatasetFactory(DatasetFactory):
    status = Dataset.Status.PUBLISHED
    issued_at = factory.Faker("date_time", tzinfo=__import__("datetime").UTC)


def jobs() -> Any:
    """Run the jobs queued inside the block when it ends, as after a commit."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def csv_upload(
    content: bytes = GERMAN_CSV, name: str = "staedte.csv"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def file_upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def add_table(
    dataset: Dataset,
    actor: User,
    upload: SimpleUploadedFile | None = None,
    title: str = "Städte",
) -> Resource:
    """Add an uploaded resource; jobs run at once in tests, so it is loaded."""
    with jobs():
        resource = services.resource_create(
            actor=actor, dataset=dataset, upload=upload or csv_upload(), title_de=title
        )
    resource.refresh_from_db()
    return resource
