"""Each role against each catalog view that changes something or shows a
private dataset. A refused request must change nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog.models import Dataset, Resource
from allmende.organizations.models import Membership, Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.catalog.factories import (
    DatasetFactory,
    add_table,
    csv_upload,
    jobs,
)
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "registered", "member", "admin", "other_org_member", "staff"]
EDITORS = {"member", "admin", "staff"}


@dataclass
class World:
    organization: Organization
    admin: User
    member: User
    dataset: Dataset  # a private draft
    resource: Resource

    def actor(self, role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "registered":
            return UserFactory()
        if role == "member":
            return self.member
        if role == "admin":
            return self.admin
        if role == "other_org_member":
            return MembershipFactory(role=Membership.Role.ADMIN).user
        if role == "staff":
            return StaffFactory()
        raise ValueError(role)


@pytest.fixture
def world() -> World:
    organization = OrganizationFactory()
    admin = MembershipFactory(organization=organization, role="admin").user
    member = MembershipFactory(organization=organization).user
    dataset = DatasetFactory(organization=organization, is_private=True)
    resource = add_table(dataset, member)
    return World(organization, admin, member, dataset, resource)


@dataclass(frozen=True)
class Action:
    name: str
    allowed: set[str]
    request: Callable[[Client, World], int]
    happened: Callable[[World], bool]


def _base(w: World) -> str:
    return f"/datasets/{w.dataset.slug}"


def _create(client: Client, w: World) -> int:
    return client.post(
        "/datasets/new/",
        {
            "organization": w.organization.pk,
            "title_de": "Neu",
            "licence": w.dataset.licence,
            "language": "de",
            "submission_key": "6d1b1c8e-22a4-4f0c-a3bb-6a3f0a4c1f11",
        },
    ).status_code


def _edit(client: Client, w: World) -> int:
    return client.post(
        f"{_base(w)}/edit/",
        {"title_de": "Geändert", "licence": w.dataset.licence, "language": "de",
         "is_private": "on"},
    ).status_code  # fmt: skip


def _publish(client: Client, w: World) -> int:
    return client.post(f"{_base(w)}/publish/", {"published": "1"}).status_code


def _delete(client: Client, w: World) -> int:
    return client.post(f"{_base(w)}/delete/").status_code


def _add_resource(client: Client, w: World) -> int:
    with jobs():
        return client.post(
            f"{_base(w)}/resources/new/",
            {
                "title_de": "Zweite",
                "file": csv_upload(),
                "submission_key": "b2c3d4e5-0000-4000-8000-000000000001",
            },
        ).status_code


def _upload_version(client: Client, w: World) -> int:
    with jobs():
        return client.post(
            f"{_base(w)}/resources/{w.resource.pk}/upload/",
            {
                "file": csv_upload(),
                "submission_key": "b2c3d4e5-0000-4000-8000-000000000002",
            },
        ).status_code


def _schema(client: Client, w: World) -> int:
    data = {}
    for index in range(len(w.resource.current_version.columns)):  # type: ignore[union-attr]
        data[f"c{index}_type"] = "text"
    with jobs():
        return client.post(
            f"{_base(w)}/resources/{w.resource.pk}/schema/", data
        ).status_code


def _delete_resource(client: Client, w: World) -> int:
    return client.post(f"{_base(w)}/resources/{w.resource.pk}/delete/").status_code


ACTIONS = [
    Action(
        "create",
        EDITORS,
        _create,
        lambda w: Dataset.objects.filter(title_de="Neu").exists(),
    ),
    Action(
        "edit",
        EDITORS,
        _edit,
        lambda w: Dataset.objects.filter(title_de="Geändert").exists(),
    ),
    Action(
        "publish",
        EDITORS,
        _publish,
        lambda w: Dataset.objects.get(pk=w.dataset.pk).is_published,
    ),
    Action(
        "delete",
        {"admin", "staff"},
        _delete,
        lambda w: not Dataset.objects.filter(pk=w.dataset.pk).exists(),
    ),
    Action(
        "add_resource",
        EDITORS,
        _add_resource,
        lambda w: w.dataset.resources.count() == 2,
    ),
    Action(
        "upload_version",
        EDITORS,
        _upload_version,
        lambda w: w.resource.versions.count() == 2,
    ),
    Action(
        "delete_resource",
        EDITORS,
        _delete_resource,
        lambda w: not Resource.objects.filter(pk=w.resource.pk).exists(),
    ),
    Action(
        "change_schema",
        EDITORS,
        _schema,
        lambda w: all(
            c["type"] == "text" for c in w.resource.versions.get(number=1).columns
        ),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_only_allowed_roles_change_the_catalog(
    world: World, role: str, action: Action
) -> None:
    actor = world.actor(role)
    status = action.request(client_for(actor), world)
    if role in action.allowed:
        assert status in (200, 302), status
        assert action.happened(world), f"{role} could not {action.name}"
    else:
        # Creating for another organization is refused by the form (200, with
        # the organization not among the choices).
        refused = (302, 403, 404, 200) if action.name == "create" else (302, 403, 404)
        assert status in refused, status
        if status == 302:
            assert role == "anonymous"
        assert not action.happened(world), f"{role} could {action.name}"


def _read_urls(w: World) -> list[str]:
    base = f"{_base(w)}/resources/{w.resource.pk}"
    return [
        f"{_base(w)}/",
        f"{_base(w)}/history/",
        f"{base}/",
        f"{base}/status/",
        f"{base}/v1/download.csv",
        f"{base}/v1/download.original",
        f"{base}/v1/download.parquet",
        f"/api/catalog/resources/{w.resource.pk}/rows",
        f"/api/catalog/resources/{w.resource.pk}/sql?sql=SELECT+1",
        f"/api/catalog/datasets/{w.dataset.slug}",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_private_dataset_is_visible_only_to_its_organization_and_staff(
    world: World, role: str
) -> None:
    client = client_for(world.actor(role))
    allowed = role in EDITORS
    for url in _read_urls(world):
        status = client.get(url).status_code
        assert (status == 200) == allowed, (url, status)
        if not allowed:
            assert status == 404, (url, status)
    listed = client.get("/datasets/").content.decode()
    assert (world.dataset.title_de in listed) == allowed
