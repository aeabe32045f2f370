"""Read actions: datasets, search, organizations, resources and licences."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allmende.accounts.models import User
from allmende.catalog import services
from allmende.catalog.vocabularies import LICENCE_BASE, THEME_BASE
from allmende.organizations.models import Organization
from tests.accounts.factories import StaffFactory, UserFactory
from tests.catalog.factories import (
    DatasetFactory,
    PublishedDatasetFactory,
    add_table,
)
from tests.ckan.conftest import Api, token_for
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _names(body: dict) -> list[str]:
    return [p["name"] for p in body["result"]["results"]]


def test_package_show_gives_ckans_fields(
    api: Api, organization: Organization, org_member: User
) -> None:
    dataset = PublishedDatasetFactory(
        organization=organization,
        title_de="Bäume in Kiel",
        title_en="Trees in Kiel",
        description_de="Alle Straßenbäume.",
        licence=LICENCE_BASE + "dl-by-de/2.0",
        keywords=["bäume", "umwelt"],
        contact_name="Grünflächenamt",
        contact_email="gruen@example.org",
        temporal_start=dt.date(2020, 1, 1),
        temporal_end=dt.date(2024, 12, 31),
        spatial="Kiel",
        update_frequency="http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    )
    dataset.themes.create(theme=THEME_BASE + "ENVI")
    resource = add_table(dataset, org_member)

    package = api.get("package_show", {"id": dataset.slug})["result"]

    assert package["id"] == str(dataset.pk)
    assert package["name"] == dataset.slug
    assert package["title"] == "Trees in Kiel"  # the language of the request
    assert package["title_translated"] == {"de": "Bäume in Kiel", "en": "Trees in Kiel"}
    assert package["notes"] == "Alle Straßenbäume."
    assert package["owner_org"] == str(dataset.organization.pk)
    assert package["organization"]["name"] == dataset.organization.slug
    assert package["license_id"] == "dl-by-de/2.0"
    assert package["license_url"] == LICENCE_BASE + "dl-by-de/2.0"
    assert package["license_title"].startswith("Data licence Germany")
    assert package["tags"][0]["name"] == "bäume"
    assert package["num_tags"] == 2
    assert package["private"] is False
    assert package["state"] == "active"
    assert package["maintainer"] == "Grünflächenamt"
    assert package["maintainer_email"] == "gruen@example.org"
    assert package["groups"][0]["name"] == "envi"
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["temporal_start"] == "2020-01-01"
    assert extras["spatial_text"] == "Kiel"
    assert extras["frequency"].endswith("/ANNUAL")
    assert package["num_resources"] == 1
    res = package["resources"][0]
    assert res["id"] == str(resource.pk)
    assert res["package_id"] == str(dataset.pk)
    assert res["url_type"] == "upload"
    assert res["datastore_active"] is True
    assert res["format"] == "CSV"
    assert res["mimetype"] == "text/csv"
    assert res["size"] > 0
    assert res["hash"].startswith("sha256:")
    assert res["url"].endswith("/v1/download.original")
    # package_show also takes the id
    assert api.get("package_show", {"id": str(dataset.pk)})["result"]["name"] == (
        dataset.slug
    )
    metadata_modified = dt.datetime.fromisoformat(package["metadata_modified"])
    assert metadata_modified.tzinfo is None


ROLES = ["anonymous", "other_user", "member", "org_admin", "staff"]
SEES_PRIVATE = {"member", "org_admin", "staff"}


def _token(role: str, organization: Organization) -> str | None:
    if role == "anonymous":
        return None
    if role == "other_user":
        return token_for(UserFactory())
    if role == "member":
        return token_for(MembershipFactory(organization=organization).user)
    if role == "org_admin":
        return token_for(
            MembershipFactory(organization=organization, role="admin").user
        )
    return token_for(StaffFactory())


@pytest.mark.parametrize("role", ROLES)
def test_private_and_draft_datasets_only_for_members_and_staff(
    api: Api, role: str
) -> None:
    organization = OrganizationFactory()
    public = PublishedDatasetFactory(organization=organization)
    private = PublishedDatasetFactory(organization=organization, is_private=True)
    draft = DatasetFactory(organization=organization)
    resource = add_table(private, UserFactory(is_staff=True))
    token = _token(role, organization)
    allowed = role in SEES_PRIVATE

    for dataset in (private, draft):
        body = api.get(
            "package_show",
            {"id": dataset.slug},
            token=token,
            status=200 if allowed else 404,
        )
        assert body["success"] is allowed
    api.get(
        "resource_show",
        {"id": str(resource.pk)},
        token=token,
        status=200 if allowed else 404,
    )
    api.get(
        "datastore_search",
        {"resource_id": str(resource.pk)},
        token=token,
        status=200 if allowed else 404,
    )

    # Search shows private datasets and drafts only when asked for and allowed.
    assert _names(api.get("package_search", token=token)) == [public.slug]
    found = _names(
        api.get(
            "package_search",
            {"include_private": "true", "include_drafts": "true"},
            token=token,
        )
    )
    expected = {public.slug, private.slug, draft.slug} if allowed else {public.slug}
    assert set(found) == expected
    # package_list names public datasets only, whoever asks.
    assert api.get("package_list", token=token)["result"] == [public.slug]


def test_package_search_filters_sorts_pages_and_counts_facets(api: Api) -> None:
    kiel = OrganizationFactory(slug="kiel", name="Stadt Kiel")
    jena = OrganizationFactory(slug="jena", name="Stadt Jena")
    a = PublishedDatasetFactory(
        organization=kiel,
        slug="baeume",
        title_de="Bäume",
        keywords=["umwelt", "grün"],
        licence=LICENCE_BASE + "dl-by-de/2.0",
    )
    b = PublishedDatasetFactory(
        organization=kiel,
        slug="ampeln",
        title_de="Ampeln",
        keywords=["verkehr"],
        licence=LICENCE_BASE + "cc-by/4.0",
    )
    c = PublishedDatasetFactory(
        organization=jena, slug="parks", title_de="Parks", keywords=["umwelt"]
    )
    for dataset in (a, b, c):
        services.dataset_index(dataset)
    a.themes.create(theme=THEME_BASE + "ENVI")
    c.themes.create(theme=THEME_BASE + "ENVI")
    services.resource_create(
        actor=StaffFactory(), dataset=b, url="https://example.org/a.csv",
        title_de="Link", format="csv",
    )  # fmt: skip

    def search(**params: object) -> dict:
        return api.post("package_search", params)["result"]

    assert search(fq="organization:kiel", sort="name asc")["count"] == 2
    assert [p["name"] for p in search(fq="organization:kiel", sort="name asc")[
        "results"]] == ["ampeln", "baeume"]  # fmt: skip
    assert [p["name"] for p in search(fq="tags:umwelt", sort="title_string desc")[
        "results"]] == ["parks", "baeume"]  # fmt: skip
    assert [p["name"] for p in search(fq="res_format:CSV")["results"]] == ["ampeln"]
    assert [p["name"] for p in search(fq="license_id:dl-by-de/2.0")["results"]] == [
        "baeume"
    ]
    assert [p["name"] for p in search(fq="groups:envi organization:jena")[
        "results"]] == ["parks"]  # fmt: skip
    assert [p["name"] for p in search(fq='name:"ampeln"')["results"]] == ["ampeln"]
    assert {p["name"] for p in search(fq="-organization:kiel")["results"]} == {"parks"}
    assert [p["name"] for p in search(q="tags:verkehr")["results"]] == ["ampeln"]
    assert [p["name"] for p in search(q="Bäume")["results"]] == ["baeume"]
    page = search(sort="name asc", rows=1, start=1)
    assert page["count"] == 3
    assert [p["name"] for p in page["results"]] == ["baeume"]
    assert search(rows=0)["results"] == []

    facets = search(**{"facet.field": ["organization", "tags", "groups",
                                       "license_id", "res_format"]})  # fmt: skip
    assert facets["facets"]["organization"] == {"kiel": 2, "jena": 1}
    assert facets["facets"]["tags"]["umwelt"] == 2
    assert facets["facets"]["groups"] == {"envi": 2}
    assert facets["facets"]["res_format"] == {"CSV": 1}
    kiel_item = facets["search_facets"]["organization"]["items"][0]
    assert kiel_item == {"name": "kiel", "display_name": "Stadt Kiel", "count": 2}


def test_package_search_uses_a_fixed_number_of_queries(api: Api) -> None:
    staff = StaffFactory()
    for _ in range(3):
        add_table(PublishedDatasetFactory(), staff)
    with CaptureQueriesContext(connection) as few:
        api.get("package_search")
    for _ in range(5):
        add_table(PublishedDatasetFactory(), staff)
    with CaptureQueriesContext(connection) as more:
        body = api.get("package_search")
    assert body["result"]["count"] == 8
    assert len(more) == len(few)


def test_rows_are_capped_at_1000(api: Api) -> None:
    PublishedDatasetFactory()
    assert api.get("package_search", {"rows": "5000"})["result"]["count"] == 1
    body = api.get("package_search", {"rows": "viele"}, status=409)
    assert body["error"]["rows"] == ["Invalid integer"]


def test_organization_list_and_show(api: Api) -> None:
    kiel = OrganizationFactory(slug="kiel", name="Stadt Kiel")
    OrganizationFactory(slug="altona", name="Altona hilft")
    PublishedDatasetFactory(organization=kiel)
    PublishedDatasetFactory(organization=kiel, is_private=True)

    assert api.get("organization_list")["result"] == ["altona", "kiel"]
    full = api.get("organization_list", {"all_fields": "true", "limit": 1, "offset": 1})
    assert [o["name"] for o in full["result"]] == ["kiel"]
    assert full["result"][0]["package_count"] == 1
    assert full["result"][0]["title"] == "Stadt Kiel"
    by_count = api.get("organization_list", {"sort": "package_count desc"})
    assert by_count["result"][0] == "kiel"

    shown = api.get("organization_show", {"id": "kiel", "include_datasets": True})
    assert shown["result"]["id"] == str(kiel.pk)
    assert len(shown["result"]["packages"]) == 1
    assert api.get("organization_show", {"id": str(kiel.pk)})["result"]["name"] == (
        "kiel"
    )
    assert api.get("organization_show", {"id": "nirgends"}, status=404)[
        "error"]["__type"] == "Not Found Error"  # fmt: skip


def test_resource_show_and_license_list(
    api: Api, organization: Organization, org_member: User
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, org_member, title="Städte")
    shown = api.get("resource_show", {"id": str(resource.pk)})["result"]
    assert shown["name"] == "Städte"
    assert shown["datastore_active"] is True
    assert api.get("resource_show", {"id": "999999"}, status=404)["success"] is False
    assert api.get("resource_show", {"id": "abc"}, status=404)["success"] is False

    licences = {item["id"]: item for item in api.get("license_list")["result"]}
    assert licences["dl-by-de/2.0"]["url"] == LICENCE_BASE + "dl-by-de/2.0"
    assert licences["cc-by-nc/4.0"]["od_conformance"] == "not reviewed"
