"""Backup and restore: an installation with every module's demo data goes into
one archive and comes back whole in a fresh data folder and database.

The source installation is the test database (with the demo loaded); the
restore runs in another process with its own data folder and database (on
PostgreSQL a database of its own on the same server), as an operator would
run it on a new machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

import allmende
from allmende.core import backup
from tests.catalog.factories import DatasetFactory, add_table

REPO = Path(__file__).resolve().parents[2]
SRC = Path(allmende.__file__).resolve().parent.parent


def _source_url() -> str:
    """``DATABASE_URL`` of the test database (the source installation)."""
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor == "postgresql":
        return _postgres_url(name)
    return f"sqlite:///{name}"


STATE = (
    "import django, json; django.setup(); "
    "from tests.core.test_backup import installation_state; "
    "print(json.dumps(installation_state()))"
)


def installation_state() -> dict[str, Any]:
    """Rows per model, checksums of every file and table, and for every loaded
    table its row count and first page, as the catalog's pages query it."""
    from allmende.accounts.models import User
    from allmende.catalog import engine, selectors, tables
    from allmende.catalog import storage as catalog_storage
    from allmende.catalog.models import Resource

    checksums: dict[str, str] = {}
    for alias, name in backup.stored_files():
        with storages[alias].open(name, "rb") as source:
            checksums[f"files/{alias}/{name}"] = hashlib.file_digest(
                source, "sha256"
            ).hexdigest()
    for key, build in catalog_storage.current_builds():
        for path in backup.build_files(build):
            with path.open("rb") as source:
                checksums[f"tables/{key}/{path.relative_to(build).as_posix()}"] = (
                    hashlib.file_digest(source, "sha256").hexdigest()
                )
    queries: dict[str, Any] = {}
    resources = Resource.objects.filter(current_version__isnull=False).order_by("pk")
    # Staff see every dataset, published or not.
    viewer = User.objects.filter(is_staff=True).order_by("pk").first()
    assert viewer is not None
    for resource in resources:
        try:
            table = selectors.table_for_viewer(viewer=viewer, resource_id=resource.pk)
        except engine.errors.ResourceNotReadyError:
            queries[str(resource.pk)] = None
            continue
        result = engine.query(table, limit=tables.PREVIEW_ROWS, count=True)
        queries[str(resource.pk)] = {
            "rows": table.row_count,
            "count": result.get("count"),
            "page": json.loads(json.dumps(result["rows"], default=str)),
        }
    return {"rows": backup.row_counts(), "files": checksums, "queries": queries}


def _postgres_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = db.get("HOST") or ""
    if host.startswith("/"):
        return (
            f"postgres://{auth}@/{name}?host={host}"
            if auth
            else (f"postgres:///{name}?host={host}")
        )
    port = f":{db['PORT']}" if db.get("PORT") else ""
    at = f"{auth}@" if auth else ""
    return f"postgres://{at}{host}{port}/{name}"


@pytest.fixture
def target_database() -> Iterator[str | None]:
    """``DATABASE_URL`` of a new, empty database for the restore (PostgreSQL),
    or ``None`` for SQLite (a file in the new data folder)."""
    if connection.vendor != "postgresql":
        yield None
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"test_allmende_restore_{os.getpid()}"
    params = {
        key: value
        for key, value in {
            "user": db.get("USER"),
            "password": db.get("PASSWORD"),
            "host": db.get("HOST"),
            "port": db.get("PORT"),
        }.items()
        if value
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _postgres_url(name)
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(
    data_dir: Path,
    database_url: str | None,
    *args: str,
    expect_failure: bool = False,
    extra_env: dict[str, str] | None = None,
) -> str:
    """Run Python in a process of the installation in ``data_dir``; its output
    (standard error when ``expect_failure``)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALLMENDE_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
            "PYTHONPATH": os.pathsep.join([str(SRC), str(REPO)]),
            "ALLMENDE_DATA_DIR": str(data_dir),
            "ALLMENDE_SECRET_KEY": settings.SECRET_KEY,
            "ALLMENDE_TASK_MODE": "sync",
            "ALLMENDE_SCHEDULER_THREAD": "false",
        }
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=data_dir.parent,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if expect_failure:
        assert done.returncode != 0, done.stdout[-3000:]
        return done.stderr
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_backup_restores_every_module_demo_into_fresh_installation(
    tmp_path: Path, settings: Any, target_database: str | None
) -> None:
    source_dir = tmp_path / "source"
    settings.DATA_DIR = source_dir
    settings.MEDIA_ROOT = source_dir / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(source_dir / "private"), "base_url": None},
        },
    }
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    before = installation_state()
    # Every module's demo is in the installation, with files and tables.
    for label in (
        "organizations.organization",
        "events.event",
        "programmes.call",
        "programmes.application",
        "catalog.dataset",
        "knowledge.tool",
        "campaigns.campaign",
    ):
        assert before["rows"][label] > 0, label
    assert any(name.startswith("files/private/") for name in before["files"])
    assert any(name.startswith("tables/") for name in before["files"])
    assert before["queries"] and all(before["queries"].values())

    # The operator's command, in its own process, while this one stays connected.
    archive = tmp_path / "backup.tar.gz"
    out = _run(
        source_dir, _source_url(), "-m", "allmende", "backup", "--output", str(archive)
    )
    assert f"Wrote {archive}" in out
    with tarfile.open(archive) as opened:
        manifest = backup.read_manifest(opened)
    assert manifest["rows"] == before["rows"]
    assert {n: c for n, c in manifest["files"].items() if "/" in n} == before["files"]

    restored_dir = tmp_path / "restored"
    out = _run(restored_dir, target_database, "-m", "allmende", "restore", str(archive))
    assert "counts and checksums match the manifest" in out
    after = json.loads(_run(restored_dir, target_database, "-c", STATE))
    assert after["rows"] == before["rows"]
    assert after["files"] == before["files"]
    assert after["queries"] == before["queries"]

    # A second restore into the now full installation is refused.
    refused = _run(
        restored_dir,
        target_database,
        "-m",
        "allmende",
        "restore",
        str(archive),
        expect_failure=True,
    )
    assert "Restore needs an empty installation" in refused


def _s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "ALLMENDE_S3_BUCKET": bucket,
        "ALLMENDE_S3_ENDPOINT_URL": endpoint,
        "ALLMENDE_S3_ACCESS_KEY": "testing",
        "ALLMENDE_S3_SECRET_KEY": "testing",
        "ALLMENDE_S3_REGION": "us-east-1",
    }


@pytest.mark.django_db(transaction=True)
def test_backup_reads_and_restore_writes_files_through_s3(
    tmp_path: Path,
    settings: Any,
    s3_endpoint: str,
    target_database: str | None,
    staff: Any,
) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    source_bucket, target_bucket = f"source-{os.getpid()}", f"target-{os.getpid()}"
    for bucket in (source_bucket, target_bucket):
        client.create_bucket(Bucket=bucket)
    options = {
        "bucket_name": source_bucket,
        "endpoint_url": s3_endpoint,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
        "default_acl": None,
        "file_overwrite": False,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "private"},
        },
    }
    source_dir = tmp_path / "source"
    settings.DATA_DIR = source_dir
    add_table(DatasetFactory(), staff)
    storages["default"].save("organizations/logos/logo.png", ContentFile(b"\x89PNG"))
    before = installation_state()
    assert "files/default/organizations/logos/logo.png" in before["files"]
    assert any(name.startswith("files/private/") for name in before["files"])
    # The private prefix of the same bucket is not read twice.
    assert not any(n.startswith("files/default/private/") for n in before["files"])
    assert any(name.startswith("tables/") for name in before["files"])
    assert before["queries"] and all(before["queries"].values())

    archive = tmp_path / "backup.tar"
    source_env = _s3_env(s3_endpoint, source_bucket)
    _run(
        source_dir,
        _source_url(),
        *("-m", "allmende", "backup", "--output", str(archive)),
        extra_env=source_env,
    )
    restored_dir = tmp_path / "restored"
    target_env = _s3_env(s3_endpoint, target_bucket)
    _run(
        restored_dir,
        target_database,
        *("-m", "allmende", "restore", str(archive)),
        extra_env=target_env,
    )
    after = json.loads(
        _run(restored_dir, target_database, "-c", STATE, extra_env=target_env)
    )
    assert after == before
    stored = client.list_objects_v2(Bucket=target_bucket)["Contents"]
    # The tables went back into the table store, beside the files.
    tables = f"{settings.ALLMENDE_S3_TABLES_PREFIX}/"
    assert any(o["Key"].startswith(tables) for o in stored)
    assert sorted(
        o["Key"] for o in stored if not o["Key"].startswith(tables)
    ) == sorted(
        name.removeprefix("files/default/").replace("files/private/", "private/")
        for name in before["files"]
        if name.startswith("files/")
    )
