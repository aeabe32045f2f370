"""One way to open a table: ``table_for_viewer`` with the visibility rule, and
the engine's bounded cache of open tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from allmende.accounts.models import User
from allmende.catalog import engine, selectors, services
from allmende.catalog.models import ResourceVersion
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.catalog.factories import (
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
    csv_upload,
    jobs,
)

pytestmark = pytest.mark.django_db


def test_visitor_reads_the_current_table_of_a_public_dataset(
    org_member: User, organization: Organization
) -> None:
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    table = selectors.table_for_viewer(viewer=AnonymousUser(), resource_id=resource.pk)
    assert table.row_count == resource.current_version.row_count  # type: ignore[union-attr]
    assert "Stadt" in table.by_name


def test_hidden_dataset_answers_like_a_missing_resource(
    org_member: User, organization: Organization
) -> None:
    resource = add_table(DatasetFactory(organization=organization), org_member)
    for viewer in (AnonymousUser(), UserFactory()):
        with pytest.raises(Http404):
            selectors.table_for_viewer(viewer=viewer, resource_id=resource.pk)
        with pytest.raises(Http404):
            selectors.table_for_viewer(
                viewer=viewer, resource_id=resource.pk, version=1
            )
    with pytest.raises(Http404):
        selectors.table_for_viewer(viewer=AnonymousUser(), resource_id=10**9)
    table = selectors.table_for_viewer(viewer=org_member, resource_id=resource.pk)
    assert table.row_count > 0


def test_an_earlier_version_is_opened_by_number_and_a_missing_one_is_404(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    with jobs():
        services.resource_upload_version(
            actor=org_member,
            resource=resource,
            upload=csv_upload(b"Stadt,Zahl\nKiel,1\nUlm,2\nBonn,3\n", "neu.csv"),
        )
    first = selectors.table_for_viewer(
        viewer=org_member, resource_id=resource.pk, version=1
    )
    current = selectors.table_for_viewer(
        viewer=AnonymousUser(), resource_id=resource.pk
    )
    assert current.row_count == 3
    assert first.row_count != 3
    with pytest.raises(Http404):
        selectors.table_for_viewer(
            viewer=org_member, resource_id=resource.pk, version=9
        )


def test_a_version_without_a_table_is_not_ready(
    org_member: User, organization: Organization
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = services.resource_create(
        actor=org_member, dataset=dataset, upload=csv_upload(), title_de="Wartet"
    )
    assert ResourceVersion.objects.get(resource=resource).status == "queued"
    for viewer in (AnonymousUser(), org_member):
        with pytest.raises(engine.errors.ResourceNotReadyError):
            selectors.table_for_viewer(viewer=viewer, resource_id=resource.pk)


def test_the_engine_keeps_a_bounded_number_of_tables_open_and_closes_the_rest(
    org_member: User, organization: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine.Resource, "max_open", 2)
    dataset = PublishedDatasetFactory(organization=organization)
    resources = [add_table(dataset, org_member, title=f"T{i}") for i in range(3)]
    opened = [
        selectors.table_for_viewer(viewer=AnonymousUser(), resource_id=r.pk)
        for r in resources
    ]
    assert engine.Resource.open_count() == 2
    assert opened[0]._closed
    assert not opened[1]._closed and not opened[2]._closed
    again = selectors.table_for_viewer(
        viewer=AnonymousUser(), resource_id=resources[0].pk
    )
    assert again is not opened[0]
    assert engine.query(again, limit=1)["rows"]


def test_tables_loaded_before_builds_were_recorded_are_found_by_their_link(
    org_member: User, organization: Organization, settings: Any
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "allmende.catalog.migrations.0006_version_table_build"
    )
    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    version = resource.versions.get()
    build = version.table_build
    # The layout before: a ``current`` link beside the builds.
    folder = Path(settings.DATA_DIR) / "tables" / f"resource-{resource.pk}" / "v1"
    (folder / "current").symlink_to(build)
    ResourceVersion.objects.filter(pk=version.pk).update(table_build="before")
    gone = add_table(PublishedDatasetFactory(organization=organization), org_member)
    ResourceVersion.objects.filter(resource=gone).update(table_build="before")

    migration.record_builds(apps, None)

    assert ResourceVersion.objects.get(pk=version.pk).table_build == build
    assert ResourceVersion.objects.get(resource=gone).table_build == "missing"
    with pytest.raises(engine.errors.ResourceNotReadyError):
        selectors.table_for_viewer(viewer=AnonymousUser(), resource_id=gone.pk)


def test_the_sweep_of_the_data_folder_removes_leftovers_and_never_a_build(
    org_member: User, organization: Organization
) -> None:
    import os
    import time

    from allmende.catalog import tablestore

    resource = add_table(PublishedDatasetFactory(organization=organization), org_member)
    served = tablestore.local_build(tablestore.BuildKey.of(resource.versions.get()))
    # The folder of a load that died two hours ago, and one still being written.
    dead = served.parent / ".tmp-dead"
    dead.mkdir()
    (dead / "data.duckdb").write_bytes(b"half")
    old = time.time() - 7200
    os.utime(dead, (old, old))
    running = served.parent / ".tmp-running"
    running.mkdir()
    # A build the database does not name (the data folder is the store).
    unnamed = tablestore.local_root() / "resource-999999" / "v1" / "v-2020-x"
    unnamed.mkdir(parents=True)
    (unnamed / "meta.json").write_text("{}", encoding="utf-8")

    assert services.table_cache_sweep() == 0

    assert not dead.exists()
    assert running.exists()
    assert unnamed.exists()
    assert (served / "meta.json").exists()
    assert selectors.table_for_viewer(viewer=AnonymousUser(), resource_id=resource.pk)
