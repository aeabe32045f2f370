"""The unchanged ``ckanapi`` client against a running Allmende.

pytest-django's ``live_server`` is a real HTTP server in a thread; the client
talks to it over the network like any script would.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ckanapi
import pytest

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PublishedDatasetFactory
from tests.ckan.conftest import token_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

TESTDATA = Path(__file__).resolve().parents[1] / "catalog" / "testdata"


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory(slug="kiel-offen", name="Kiel offen e.V.")


@pytest.fixture
def member(organization: Organization) -> User:
    return MembershipFactory(organization=organization).user


@pytest.fixture
def ckan(live_server: Any, member: User) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(live_server.url, apikey=token_for(member)) as remote:
        yield remote


@pytest.fixture
def anonymous(live_server: Any) -> Iterator[ckanapi.RemoteCKAN]:
    with ckanapi.RemoteCKAN(live_server.url) as remote:
        yield remote


def _wait_for_table(ckan: ckanapi.RemoteCKAN, resource_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        resource: dict[str, Any] = ckan.action.resource_show(id=resource_id)
        if resource["datastore_active"] or time.monotonic() > deadline:
            return resource
        time.sleep(0.2)


def test_ckanapi_creates_uploads_and_reads_rows_back(
    ckan: ckanapi.RemoteCKAN, anonymous: ckanapi.RemoteCKAN, organization: Organization
) -> None:
    assert ckan.action.status_show()["ckan_version"]
    created = ckan.action.package_create(
        name="postleitzahlen",
        title="Postleitzahlen",
        notes="Postleitzahlen und Orte.",
        owner_org=organization.slug,
        license_id="dl-by-de/2.0",
        tags=[{"name": "geodaten"}],
    )
    assert created["name"] == "postleitzahlen"
    assert created["organization"]["name"] == "kiel-offen"

    with (TESTDATA / "postal_codes.csv").open("rb") as upload:
        resource = ckan.action.resource_create(
            package_id=created["id"], name="PLZ", upload=upload
        )
    assert resource["url_type"] == "upload"
    resource = _wait_for_table(ckan, resource["id"])
    assert resource["datastore_active"] is True

    rows = anonymous.action.datastore_search(resource_id=resource["id"], limit=2)
    assert [f["id"] for f in rows["fields"]] == [
        "_id", "PLZ", "Ort", "Kennziffer", "Anzahl"
    ]  # fmt: skip
    assert [r["PLZ"] for r in rows["records"]] == ["01067", "04109"]
    assert rows["total"] == 3
    filtered = anonymous.action.datastore_search(
        resource_id=resource["id"], filters={"Ort": "München"}, offset=0
    )
    assert [r["PLZ"] for r in filtered["records"]] == ["80331"]

    sql = f'SELECT count(*) AS n FROM "{resource["id"]}"'  # noqa: S608
    counted = anonymous.action.datastore_search_sql(sql=sql)
    assert counted["records"] == [{"n": rows["total"]}]

    found = anonymous.action.package_search(
        q="Postleitzahlen", fq="tags:geodaten", **{"facet.field": ["organization"]}
    )
    assert [p["name"] for p in found["results"]] == ["postleitzahlen"]
    assert found["search_facets"]["organization"]["items"][0]["name"] == "kiel-offen"
    shown = anonymous.action.package_show(id="postleitzahlen")
    assert shown["resources"][0]["datastore_active"] is True
    assert anonymous.action.organization_list(all_fields=True)[0]["name"] == (
        "kiel-offen"
    )

    # A file from memory, as (name, file) like requests takes it.
    upload = ("kurz.csv", io.BytesIO(b"a,b\n1,2\n"))
    again = ckan.action.resource_update(id=resource["id"], upload=upload)
    assert again["id"] == resource["id"]

    ckan.action.resource_delete(id=resource["id"])
    with pytest.raises(ckanapi.NotFound):
        anonymous.action.resource_show(id=resource["id"])
    updated = ckan.action.package_patch(id="postleitzahlen", notes="Neu")
    assert updated["notes"] == "Neu"


def test_ckanapi_raises_each_error_type(
    live_server: Any,
    ckan: ckanapi.RemoteCKAN,
    anonymous: ckanapi.RemoteCKAN,
    organization: Organization,
) -> None:
    PublishedDatasetFactory(organization=organization, slug="vorhanden")

    with pytest.raises(ckanapi.NotFound):
        anonymous.action.package_show(id="gibt-es-nicht")

    with pytest.raises(ckanapi.NotAuthorized):
        anonymous.action.package_create(name="x", owner_org=organization.slug)
    stranger = ckanapi.RemoteCKAN(live_server.url, apikey=token_for(UserFactory()))
    with stranger, pytest.raises(ckanapi.NotAuthorized):
        stranger.action.package_delete(id="vorhanden")
    with pytest.raises(ckanapi.NotAuthorized):
        ckanapi.RemoteCKAN(live_server.url, apikey="alm_falsch").action.package_list()

    with pytest.raises(ckanapi.ValidationError) as invalid:
        ckan.action.package_create(
            name="vorhanden",
            title="Doppelt",
            owner_org=organization.slug,
            license_id="cc-by/4.0",
        )
    assert invalid.value.error_dict["name"] == ["That URL is already in use."]

    with pytest.raises(ckanapi.SearchQueryError):
        anonymous.action.package_search(fq="farbe:blau")

    with pytest.raises(ckanapi.CKANAPIError) as unknown:
        anonymous.action.package_frobnicate()
    assert type(unknown.value) is ckanapi.CKANAPIError
    assert "Action name not known" in str(unknown.value)
