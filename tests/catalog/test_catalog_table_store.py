"""Dataset tables in object storage: the bucket keeps every build, the
database names the served one, and each node reads through a bounded cache.
Runs against a real S3 server (moto's)."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog import engine, services, tablestore
from allmende.catalog.engine import storage as layout
from allmende.catalog.models import Resource, ResourceVersion
from allmende.core.files import private_storage
from allmende.organizations.models import Organization
from tests.catalog.factories import (
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
    csv_upload,
    jobs,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

STORED = {layout.DATABASE, layout.PARQUET, layout.META}


def _rows(resource_id: int) -> dict[str, Any]:
    response = Client().get(f"/api/catalog/resources/{resource_id}/rows?_count=1")
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


def _new_node(settings: Any, tmp_path: Path, name: str) -> Path:
    """Act as another node: an empty cache and no open tables."""
    folder = tmp_path / name
    settings.ALLMENDE_TABLE_CACHE_DIR = str(folder)
    engine.Resource.clear_cache()
    return folder


def _files_under(folder: Path, resource_id: int) -> list[Path]:
    return [p for p in folder.rglob("*") if f"resource-{resource_id}" in str(p)]


def test_a_load_keeps_its_build_in_the_bucket_and_the_database_names_it(
    s3: str, organization: Organization, org_member: User
) -> None:
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    version = resource.versions.get()
    assert version.table_build.startswith("v-")
    names = tablestore.stored_names(f"resource-{resource.pk}/")
    prefix = f"resource-{resource.pk}/v1/{version.table_build}/"
    assert {n.removeprefix(prefix) for n in names} == STORED
    meta = json.loads(
        (
            tablestore.local_build(tablestore.BuildKey.of(version)) / layout.META
        ).read_text(encoding="utf-8")
    )
    assert meta["row_count"] == version.row_count
    # No link on any disk says which build is served.
    root = tablestore.local_root()
    assert not [p for p in root.rglob("*") if p.is_symlink()]


def test_a_node_that_never_saw_a_dataset_fetches_it_on_first_use(
    s3: str,
    organization: Organization,
    org_member: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    first = _rows(resource.pk)
    node_b = _new_node(settings, tmp_path, "node-b")
    assert not node_b.exists()

    assert _rows(resource.pk) == first
    build = resource.versions.get().table_build
    assert (node_b / f"resource-{resource.pk}" / "v1" / build / layout.META).exists()
    # Nothing left half-written.
    assert not list(node_b.glob("resource-*/v1/.*"))


def test_concurrent_first_reads_on_one_node_fetch_one_whole_copy(
    s3: str,
    organization: Organization,
    org_member: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    key = tablestore.BuildKey.of(resource.versions.get())
    _new_node(settings, tmp_path, "node-c")
    found: list[Path] = []
    failures: list[BaseException] = []

    def read() -> None:
        try:
            found.append(tablestore.local_build(key))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(set(found)) == 1
    assert {p.name for p in found[0].iterdir()} >= set(tablestore.FETCHED_FILES)
    assert len(list(found[0].parent.iterdir())) == 1


def test_the_cache_pushes_out_the_least_recently_used_build(
    s3: str,
    organization: Organization,
    org_member: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    first = add_table(dataset, org_member, title="Erste")
    second = add_table(dataset, org_member, title="Zweite")
    _new_node(settings, tmp_path, "node-d")
    _rows(first.pk)
    one_build = sum(
        b.size
        for b in tablestore.cached_builds()
        if f"resource-{first.pk}/" in b.relative
    )
    settings.ALLMENDE_TABLE_CACHE_BYTES = one_build + one_build // 2
    _rows(second.pk)
    cached = {b.relative.split("/")[0] for b in tablestore.cached_builds()}
    assert cached == {f"resource-{second.pk}"}
    # Pushed out is not lost: the next read fetches it again.
    assert _rows(first.pk)["rows"]
    cached = {b.relative.split("/")[0] for b in tablestore.cached_builds()}
    assert cached == {f"resource-{first.pk}"}


def test_a_new_load_of_a_version_replaces_its_build_in_the_bucket(
    s3: str, organization: Organization, org_member: User
) -> None:
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    version = resource.versions.get()
    old = version.table_build
    with jobs():
        services.version_reload(
            actor=org_member, version=version, overrides={"Einwohner": {"type": "text"}}
        )
    version.refresh_from_db()
    assert version.table_build != old
    builds = {
        n.split("/")[2] for n in tablestore.stored_names(f"resource-{resource.pk}/")
    }
    assert builds == {version.table_build}
    assert _rows(resource.pk)["rows"]


def test_deleting_a_resource_leaves_no_file_in_the_bucket_or_any_cache(
    s3: str,
    organization: Organization,
    org_member: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    with jobs():
        services.resource_upload_version(
            actor=org_member, resource=resource, upload=csv_upload()
        )
    kept = add_table(dataset, org_member, title="Bleibt")
    originals = list(resource.versions.values_list("original", flat=True))
    node_a = tablestore.local_root()
    _rows(resource.pk)
    # Node B has read the table too.
    node_b = _new_node(settings, tmp_path, "node-b")
    _rows(resource.pk)
    _rows(kept.pk)
    assert _files_under(node_b, resource.pk)

    # Deleted through node A.
    settings.ALLMENDE_TABLE_CACHE_DIR = str(node_a)
    with jobs():
        services.resource_delete(actor=org_member, resource=resource)

    assert tablestore.stored_names(f"resource-{resource.pk}/") == []
    assert not any(private_storage().exists(name) for name in originals)
    assert _files_under(node_a, resource.pk) == []
    # Node B drops its copy at its next sweep, and keeps what is still served.
    settings.ALLMENDE_TABLE_CACHE_DIR = str(node_b)
    assert services.table_cache_sweep() == 1
    assert _files_under(node_b, resource.pk) == []
    assert _files_under(node_b, kept.pk)
    assert tablestore.stored_names(f"resource-{kept.pk}/")
    assert Client().get(f"/api/catalog/resources/{resource.pk}/rows").status_code == 404


def test_deleting_a_dataset_removes_every_table_from_the_bucket(
    s3: str, organization: Organization, org_admin: User
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resources = [add_table(dataset, org_admin, title=t) for t in ("A", "B")]
    with jobs():
        services.dataset_delete(actor=org_admin, dataset=dataset)
    for resource in resources:
        assert tablestore.stored_names(f"resource-{resource.pk}/") == []
        assert _files_under(tablestore.local_root(), resource.pk) == []
    assert not ResourceVersion.objects.exists()


def test_a_build_missing_from_the_bucket_answers_not_ready(
    s3: str,
    organization: Organization,
    org_member: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    shutil.rmtree(tablestore.local_root())
    tablestore.delete_resource(resource.pk)
    _new_node(settings, tmp_path, "node-e")
    response = Client().get(f"/api/catalog/resources/{resource.pk}/rows")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "resource_not_ready"


def test_parquet_download_is_a_short_lived_signed_address_of_the_bucket(
    s3: str,
    organization: Organization,
    org_member: User,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.S3_SIGNED_SECONDS = 120
    public = add_table(PublishedDatasetFactory(organization=organization), org_member)
    hidden = add_table(DatasetFactory(organization=organization), org_member)
    node = _new_node(settings, tmp_path, "node-f")

    answer = Client().get(_download(public, "parquet"))
    assert answer.status_code == 302
    address = urlsplit(answer["Location"])
    assert f"{address.scheme}://{address.netloc}" == s3
    assert 110 < int(parse_qs(address.query)["Expires"][0]) - time.time() <= 120
    with urllib.request.urlopen(answer["Location"], timeout=10) as found:  # noqa: S310
        body = found.read()
        assert found.headers["Content-Disposition"].startswith("attachment;")
        assert found.headers["Content-Type"] == "application/vnd.apache.parquet"
    assert body[:4] == b"PAR1"
    # Handed out without reading the table on this node.
    assert not node.exists()

    assert Client().get(_download(hidden, "parquet")).status_code == 404
    assert client_for(org_member).get(_download(hidden, "parquet")).status_code == 302
    # Exports written while they are sent still stream from the node.
    csv = Client().get(_download(public, "csv"))
    assert csv.status_code == 200
    assert b"".join(csv.streaming_content).startswith(b"Stadt")  # type: ignore[attr-defined]


def _download(resource: Resource, fmt: str) -> str:
    return (
        f"/datasets/{resource.dataset.slug}/resources/{resource.pk}/v1/download.{fmt}"
    )


def test_health_reads_the_table_store(s3: str, settings: Any, tmp_path: Path) -> None:
    _new_node(settings, tmp_path, "node-health")
    tablestore.check()
    # The known object is there now, and read back by the next check.
    assert tablestore.stored_names(tablestore.HEALTH_OBJECT) == [
        tablestore.HEALTH_OBJECT
    ]
    tablestore.check()
    response = Client().get("/-/health")
    assert response.status_code == 200, response.content
    assert "tables" not in response.json().get("failed", [])


def test_health_fails_when_the_table_store_is_unreachable(
    s3: str, settings: Any
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {
                **settings.STORAGES["private"]["OPTIONS"],
                "bucket_name": "no-such-bucket",
            },
        },
    }
    with pytest.raises(Exception, match="NoSuchBucket|does not exist"):
        tablestore.check()
    response = Client().get("/-/health")
    assert response.status_code == 503
    assert "tables" in response.json()["failed"]
