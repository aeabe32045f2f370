from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from allmende.catalog.engine import Resource as EngineResource

TESTDATA = Path(__file__).resolve().parent / "testdata"
BUCKET = "allmende-test"


@pytest.fixture
def s3(settings: Any, s3_endpoint: str) -> str:
    """Originals and tables in a real S3 server (moto's), for one test."""
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
    # Each test's tables under a prefix of their own.
    settings.ALLMENDE_S3_TABLES_PREFIX = f"tables-{uuid.uuid4().hex[:12]}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "private", "querystring_expire": 120},
        },
    }
    return s3_endpoint


@pytest.fixture(autouse=True)
def _catalog_files(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Tables and uploaded originals of each test in its own folder."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    yield
    EngineResource.clear_cache()


@pytest.fixture
def testdata() -> Path:
    return TESTDATA
