from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from allmende.accounts.models import User
from allmende.catalog import engine, services, tablestore
from allmende.catalog.models import Resource, ResourceVersion
from allmende.organizations.models import Organization
from tests.catalog.factories import DatasetFactory, add_table, csv_upload, jobs

pytestmark = pytest.mark.django_db


def test_member_changes_and_removes_a_link(
    org_member: User, user: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    link = services.resource_create(
        actor=org_member, dataset=dataset, title_de="Karte", url="https://a.example.org"
    )
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=user, resource=link, title_de="Fremd")
    with pytest.raises(PermissionDenied):
        services.resource_delete(actor=user, resource=link)

    services.resource_update(
        actor=org_member, resource=link, title_de="Stadtplan", format="html"
    )
    link.refresh_from_db()
    assert (link.title_de, link.format) == ("Stadtplan", "html")
    with pytest.raises(ValidationError):
        services.resource_update(actor=org_member, resource=link, url="")

    services.resource_delete(actor=org_member, resource=link)
    assert not Resource.objects.filter(pk=link.pk).exists()
    actions = list(dataset_actions(dataset.pk))
    assert actions[:3] == ["resource.deleted", "resource.updated", "resource.created"]


def test_upload_keeps_its_address_and_format(
    org_member: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    table = add_table(dataset, org_member)
    services.resource_update(
        actor=org_member,
        resource=table,
        title_de="Neu",
        url="https://elsewhere.example.org",
        format="pdf",
    )
    table.refresh_from_db()
    assert (table.title_de, table.url, table.format) == ("Neu", "", "csv")


def dataset_actions(dataset_id: int) -> list[str]:
    from allmende.catalog.models import Dataset
    from allmende.catalog.selectors import dataset_history

    dataset = Dataset.objects.get(pk=dataset_id)
    return [entry.action for entry in dataset_history(dataset=dataset)]


def test_resource_deleted_while_its_file_loads_leaves_no_table_behind(
    org_admin: User,
    organization: Organization,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    dataset = DatasetFactory(organization=organization)
    real_ingest = engine.ingest
    deleted: list[int] = []

    def ingest_while_someone_deletes(source: Path, *args: Any, **kwargs: Any) -> Any:
        # Another request deletes the resource while its file is being loaded:
        # the row goes and the files that exist so far are removed (as the
        # deletion does once it commits); then the load writes its table.
        copy = tmp_path / "read-already.csv"
        shutil.copy(source, copy)
        resource = Resource.objects.get()
        deleted.append(resource.pk)
        Resource.objects.filter(pk=resource.pk).update(current_version=None)
        Resource.objects.filter(pk=resource.pk).delete()
        tablestore.delete_resource(resource.pk)
        return real_ingest(copy, *args, **kwargs)

    monkeypatch.setattr(engine, "ingest", ingest_while_someone_deletes)
    with jobs():
        services.resource_create(
            actor=org_admin, dataset=dataset, upload=csv_upload(), title_de="Kurz"
        )
    assert deleted
    assert not Resource.objects.exists()
    assert not ResourceVersion.objects.exists()
    assert not (tablestore.local_root() / f"resource-{deleted[0]}").exists()


@pytest.mark.parametrize(
    ("visibility", "anonymous_sees", "member_sees"),
    [
        (User.Visibility.PUBLIC, True, True),
        (User.Visibility.REGISTERED, False, True),
        (User.Visibility.HIDDEN, False, False),
    ],
)
def test_history_and_versions_name_a_person_only_as_their_profile_allows(
    org_member: User,
    user: User,
    organization: Organization,
    visibility: str,
    anonymous_sees: bool,
    member_sees: bool,
) -> None:
    from django.test import Client

    from tests.catalog.factories import PublishedDatasetFactory
    from tests.conftest import client_for

    org_member.display_name = "Heimliche Hanna"
    org_member.profile_visibility = visibility
    org_member.save()
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    for path in (f"/datasets/{dataset.slug}/history/", resource.get_absolute_url()):
        anonymous = Client().get(path).content.decode()
        assert ("Heimliche Hanna" in anonymous) is anonymous_sees
        assert (org_member.username in anonymous) is False
        assert ("Heimliche Hanna" in client_for(user).get(path).content.decode()) is (
            member_sees
        )
        assert "Heimliche Hanna" in client_for(org_member).get(path).content.decode()
