"""Originals in S3: under a private prefix, reached only through a signed address
that the download view hands out after its permission check. Runs against a
real S3 server (moto's)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.catalog.factories import (
    GERMAN_CSV,
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

BUCKET = "allmende-test"
MOTO = Path(sys.executable).with_name("moto_server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = str(MOTO) if MOTO.exists() else shutil.which("moto_server")
    if server is None:
        pytest.skip("moto_server is not installed (pip install -e .[dev])")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):  # noqa: S310
                    break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.05)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3(settings: Any, s3_endpoint: str) -> str:
    import boto3

    options = {
        "bucket_name": BUCKET,
        "endpoint_url": s3_endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "private", "querystring_expire": 120},
        },
    }
    return s3_endpoint


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
