"""Two web nodes with their own data folders, sharing only PostgreSQL and the
object store (moto's S3 server): a table loaded through node A is queried and
downloaded through node B, and deleting it through A leaves nothing anywhere.

The nodes are gunicorn processes; the test database is theirs (PostgreSQL
only: SQLite's test database is not shared between processes).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.db import connection

from allmende.catalog import tablestore
from allmende.organizations.models import Organization
from tests.catalog.conftest import BUCKET
from tests.catalog.factories import GERMAN_CSV, PublishedDatasetFactory
from tests.ckan.conftest import token_for
from tests.organizations.factories import MembershipFactory
from tests.s3_server import _free_port

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="the nodes share a PostgreSQL database",
    ),
]


def _database_url() -> str:
    config = connection.settings_dict
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    at = f"{user}{password}@" if user else ""
    host = config.get("HOST") or ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{at}{host}{port}/{config['NAME']}"


def _wait(condition: Any, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Waited in vain for {what}")
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def nodes(
    s3: str, settings: Any, tmp_path: Path
) -> Iterator[dict[str, tuple[str, Path]]]:
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "ALLMENDE_S3_BUCKET": BUCKET,
        "ALLMENDE_S3_ENDPOINT_URL": s3,
        "ALLMENDE_S3_ACCESS_KEY": "testing",
        "ALLMENDE_S3_SECRET_KEY": "testing",
        "ALLMENDE_S3_REGION": "us-east-1",
        "ALLMENDE_S3_TABLES_PREFIX": settings.ALLMENDE_S3_TABLES_PREFIX,
        "ALLMENDE_TABLE_CACHE_SWEEP_SECONDS": "1",
        "ALLMENDE_TASK_MODE": "sync",
        "ALLMENDE_DEBUG": "0",
        "ALLMENDE_ALLOWED_HOSTS": "127.0.0.1",
        "ALLMENDE_SCHEDULER_THREAD": "0",
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    started: dict[str, tuple[str, Path]] = {}
    processes = []
    try:
        for name in ("a", "b"):
            folder = tmp_path / f"node-{name}"
            port = _free_port()
            processes.append(
                subprocess.Popen(  # noqa: S603 - fixed program and arguments
                    [
                        str(gunicorn),
                        "--workers",
                        "2",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "allmende.config.wsgi",
                    ],  # fmt: skip
                    env={**environment, "ALLMENDE_DATA_DIR": str(folder)},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            started[name] = (f"http://127.0.0.1:{port}", folder / "table-cache")
        for base, _ in started.values():
            _wait(lambda base=base: _answers(f"{base}/-/health"), f"{base}")
        yield started
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _files_of(cache: Path, resource_id: int) -> list[Path]:
    return [p for p in cache.rglob("*") if f"resource-{resource_id}" in str(p)]


def test_a_table_loaded_on_node_a_is_served_by_node_b_and_deleted_everywhere(
    nodes: dict[str, tuple[str, Path]], organization: Organization, settings: Any
) -> None:
    (node_a, cache_a), (node_b, cache_b) = nodes["a"], nodes["b"]
    member = MembershipFactory(organization=organization).user
    dataset = PublishedDatasetFactory(organization=organization)
    token = {"Authorization": token_for(member)}

    created = httpx.post(
        f"{node_a}/api/3/action/resource_create",
        data={"package_id": dataset.slug, "name": "Städte"},
        files={"upload": ("staedte.csv", GERMAN_CSV, "text/csv")},
        headers=token,
        timeout=120,
    )
    assert created.status_code == 200, created.text
    resource_id = int(created.json()["result"]["id"])
    assert _files_of(cache_a, resource_id)
    assert not _files_of(cache_b, resource_id)

    rows = httpx.get(f"{node_b}/api/catalog/resources/{resource_id}/rows", timeout=60)
    assert rows.status_code == 200, rows.text
    assert [r["Stadt"] for r in rows.json()["rows"]][:2] == ["Köln", "Leipzig"]
    search = httpx.post(
        f"{node_b}/api/3/action/datastore_search",
        json={"resource_id": str(resource_id), "limit": 1},
        timeout=60,
    )
    assert search.json()["result"]["records"][0]["Stadt"] == "Köln"
    downloads = f"{node_b}/datasets/{dataset.slug}/resources/{resource_id}/v1/download"
    parquet = httpx.get(f"{downloads}.parquet", timeout=60)
    assert parquet.status_code == 302
    store = settings.STORAGES["private"]["OPTIONS"]["endpoint_url"]
    assert parquet.headers["location"].startswith(store)
    with urllib.request.urlopen(parquet.headers["location"], timeout=10) as file:  # noqa: S310
        assert file.read(4) == b"PAR1"
    csv = httpx.get(f"{downloads}.csv", timeout=60)
    assert csv.status_code == 200
    assert csv.text.startswith("Stadt")
    assert _files_of(cache_b, resource_id)

    deleted = httpx.post(
        f"{node_a}/api/3/action/resource_delete",
        json={"id": str(resource_id)},
        headers=token,
        timeout=60,
    )
    assert deleted.status_code == 200, deleted.text
    assert tablestore.stored_names(f"resource-{resource_id}/") == []
    assert _files_of(cache_a, resource_id) == []
    _wait(lambda: not _files_of(cache_b, resource_id), "node B's sweep")
    gone = httpx.get(f"{node_b}/api/catalog/resources/{resource_id}/rows", timeout=60)
    assert gone.status_code == 404
