"""Deleting one resource: the service, its files, and the owner's page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from allmende.accounts.models import User
from allmende.catalog import services, tablestore
from allmende.catalog.models import Resource, ResourceVersion
from allmende.core.files import private_storage
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.catalog.factories import DatasetFactory, add_table, csv_upload, jobs
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=False)


def test_resource_delete_removes_versions_files_and_moves_others_up(
    organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    first = add_table(dataset, org_member, title="Erste")
    with jobs():
        services.resource_upload_version(
            actor=org_member, resource=first, upload=csv_upload()
        )
    second = add_table(dataset, org_member, title="Zweite")
    originals = list(first.versions.values_list("original", flat=True))
    table_folder = tablestore.local_root() / f"resource-{first.pk}"
    assert table_folder.exists()
    assert all(private_storage().exists(name) for name in originals)

    with jobs():
        services.resource_delete(actor=org_member, resource=first)

    assert not Resource.objects.filter(pk=first.pk).exists()
    assert not ResourceVersion.objects.filter(resource_id=first.pk).exists()
    assert not table_folder.exists()
    assert not any(private_storage().exists(name) for name in originals)
    second.refresh_from_db()
    assert second.position == 0
    entry = AuditLogEntry.objects.filter(action="resource.deleted").get()
    assert entry.actor == org_member
    assert entry.data["resource"] == "Erste"
    assert entry.data["versions"] == 2


def test_resource_delete_is_refused_to_outsiders(
    organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = add_table(dataset, org_member)
    with pytest.raises(PermissionDenied):
        services.resource_delete(actor=UserFactory(), resource=resource)
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_owner_confirms_before_the_resource_is_deleted(
    organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = add_table(dataset, org_member, title="Tabelle")
    client = client_for(org_member)
    page = client.get(resource.get_absolute_url()).content.decode()
    delete_url = f"/datasets/{dataset.slug}/resources/{resource.pk}/delete/"
    assert delete_url in page

    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    assert "Tabelle" in confirm.content.decode()
    assert Resource.objects.filter(pk=resource.pk).exists()

    with jobs():
        response = client.post(delete_url)
    assert response.status_code == 302
    assert response["Location"] == dataset.get_absolute_url()
    assert not Resource.objects.filter(pk=resource.pk).exists()


def test_readers_see_no_delete_button(
    organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(
        organization=organization, status="published", issued_at="2025-01-01T00:00Z"
    )
    resource = add_table(dataset, org_member)
    page = client_for(UserFactory()).get(resource.get_absolute_url()).content.decode()
    assert "/delete/" not in page
    assert (
        client_for(UserFactory())
        .get(f"/datasets/{dataset.slug}/resources/{resource.pk}/delete/")
        .status_code
        == 403
    )


def test_resource_update_changes_the_description_and_logs_it(
    organization: Organization, org_member: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = add_table(dataset, org_member, title="Alt")
    services.resource_update(
        actor=org_member, resource=resource, title_de="Neu", description_en="New"
    )
    resource.refresh_from_db()
    assert (resource.title_de, resource.description_en) == ("Neu", "New")
    entry = AuditLogEntry.objects.filter(action="resource.updated").get()
    assert entry.data["fields"] == ["description_en", "title_de"]
    with pytest.raises(PermissionDenied):
        services.resource_update(actor=UserFactory(), resource=resource, title_de="X")
