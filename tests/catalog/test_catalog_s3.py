"""Originals in S3: under a private prefix, reached only through a signed address
that the download view hands out after its permission check. Runs against a
real S3 server (moto's)."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.catalog.conftest import BUCKET
from tests.catalog.factories import (
    GERMAN_CSV,
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310
            return (
                answer.status,
                answer.read(),
                {name.lower(): value for name, value in answer.headers.items()},
            )
    except urllib.error.HTTPError as error:
        return error.code, error.read(), {}


def test_original_in_s3_is_handed_out_by_a_signed_address_only_to_permitted_users(
    s3: str, organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    version = resource.versions.get()
    url = f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.original"

    assert Client().get(url).status_code == 404
    answer = client_for(org_member).get(url)

    assert answer.status_code == 302
    address = urlsplit(answer["Location"])
    assert f"{address.scheme}://{address.netloc}" == s3
    assert address.path == f"/{BUCKET}/private/{version.original.name}"
    query = parse_qs(address.query)
    assert query["Signature"]
    assert 110 < int(query["Expires"][0]) - time.time() <= 120
    status, body, headers = _get(answer["Location"])
    assert status == 200
    assert body == GERMAN_CSV
    assert headers["content-disposition"].startswith("attachment;")
    assert headers["content-type"] == "text/csv"
    # Nothing of it lies where public files are.
    assert not Path(version.original.name).is_absolute()
    status, _, _ = _get(f"{s3}/{BUCKET}/{version.original.name}")
    assert status == 404


def test_original_of_a_published_dataset_in_s3_is_signed_for_anyone(
    s3: str, organization: Organization, org_member: User
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    url = f"/datasets/{dataset.slug}/resources/{resource.pk}/v1/download.original"

    answer = Client().get(url)

    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer["Location"]).query)["Signature"]
    assert _get(answer["Location"])[1] == GERMAN_CSV
