from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.test import Client

from allmende.accounts.models import ApiToken, User
from allmende.accounts.services import api_token_create
from allmende.catalog import selectors
from allmende.catalog.models import Dataset, Resource
from allmende.organizations.models import Organization
from tests.catalog.factories import DatasetFactory, PublishedDatasetFactory, add_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_resource(org_member: User, organization: Organization) -> Resource:
    dataset = PublishedDatasetFactory(organization=organization)
    return add_table(dataset, org_member)


@pytest.fixture
def private_resource(org_member: User, organization: Organization) -> Resource:
    dataset = PublishedDatasetFactory(organization=organization, is_private=True)
    return add_table(dataset, org_member)


def rows(resource: Resource, query: str = "", **headers: str) -> tuple[int, dict]:
    response = Client(headers=headers).get(
        f"/api/catalog/resources/{resource.pk}/rows{query}"
    )
    return response.status_code, response.json()


def test_rows_filter_sort_page_count_and_facet(public_resource: Resource) -> None:
    status, body = rows(
        public_resource, "?Einwohner__gt=100000&_sort=-Einwohner&_size=2&_count=1"
    )
    assert status == 200
    assert [r["Stadt"] for r in body["rows"]] == ["Köln", "Leipzig"]
    assert body["count"] == 3
    status, second = rows(
        public_resource,
        f"?Einwohner__gt=100000&_sort=-Einwohner&_size=2&_next={body['next']}",
    )
    assert [r["Stadt"] for r in second["rows"]] == ["Kiel"]
    assert second["next"] is None
    _, faceted = rows(public_resource, "?_facet=Stadt&_fields=Stadt&_q=Kiel")
    assert faceted["facets"]["Stadt"] == [{"value": "Kiel", "count": 1}]
    assert set(faceted["rows"][0]) == {"_row", "Stadt"}
    _, missing = rows(public_resource, "?Stadt__isnull=1&_count=1")
    assert missing["count"] == 0
    _, listed = rows(public_resource, "?Stadt__in=Kiel,Köln&_count=1")
    assert listed["count"] == 2


@pytest.mark.parametrize(
    "query",
    ["?Nope=1", "?Einwohner=viele", "?_next=garbage", "?_size=100000", "?_sort=Nope"],
)
def test_bad_row_queries_answer_400_with_a_message(
    public_resource: Resource, query: str
) -> None:
    status, body = rows(public_resource, query)
    assert status == 400
    assert body["error"]["message"]
    assert body["error"]["code"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY data TO '/tmp/x.csv'",
        "ATTACH '/tmp/evil.db' AS evil",
        "INSTALL httpfs",
        "SELECT 1; SELECT 2",
        "SELEC nonsense",
        "SELECT count(*) FROM range(1000000000) a, range(1000000000) b",
    ],
)
def test_sql_attacks_answer_400_with_a_message(
    public_resource: Resource, sql: str, settings: object
) -> None:
    response = Client().post(
        f"/api/catalog/resources/{public_resource.pk}/sql",
        json.dumps({"sql": sql}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["message"]


def test_sql_select_works_by_get(public_resource: Resource) -> None:
    response = Client().get(
        f"/api/catalog/resources/{public_resource.pk}/sql",
        {"sql": "SELECT Stadt FROM data WHERE Einwohner > 500000 ORDER BY 1"},
    )
    assert response.status_code == 200
    assert response.json()["rows"] == [["Köln"], ["Leipzig"]]


def test_private_dataset_needs_a_token_of_a_member(
    private_resource: Resource, org_member: User, user: User
) -> None:
    assert rows(private_resource)[0] == 404
    _, member_secret = api_token_create(actor=org_member, name="Skript")
    _, other_secret = api_token_create(actor=user, name="Skript")
    assert rows(private_resource, Authorization=f"Bearer {member_secret}")[0] == 200
    assert rows(private_resource, Authorization=f"Token {member_secret}")[0] == 200
    assert rows(private_resource, Authorization=f"Bearer {other_secret}")[0] == 404
    assert rows(private_resource, Authorization="Bearer wrong")[0] == 401
    token = ApiToken.objects.get(user=org_member)
    assert token.token_hash != member_secret and member_secret not in token.prefix * 2
    Client().force_login(org_member)
    client = Client()
    client.force_login(org_member)
    client.post(f"/me/tokens/{token.pk}/revoke/")
    assert rows(private_resource, Authorization=f"Bearer {member_secret}")[0] == 401


def test_dataset_list_hides_drafts_from_anonymous(
    public_resource: Resource, organization: Organization
) -> None:
    DatasetFactory(organization=organization, title_de="Geheimer Entwurf")
    body = Client().get("/api/catalog/datasets").json()
    assert [d["slug"] for d in body["items"]] == [public_resource.dataset.slug]
    detail = Client().get(f"/api/catalog/datasets/{public_resource.dataset.slug}")
    assert detail.json()["resources"][0]["row_count"] == 4


def test_openapi_documents_the_catalog_endpoints() -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/catalog/resources/{pk}/rows" in schema["paths"]
    assert "/api/catalog/resources/{pk}/sql" in schema["paths"]


def test_token_command_prints_a_working_token(
    public_resource: Resource, org_member: User, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("token", "create", org_member.username)
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("alm_")
    assert rows(public_resource, Authorization=f"Bearer {secret}")[0] == 200


def test_settings_page_shows_a_new_token_once(user: User) -> None:
    client = Client()
    client.force_login(user)
    html = client.post("/me/tokens/", {"name": "Notebook"}).content.decode()
    token = ApiToken.objects.get(user=user)
    assert "alm_" in html and token.prefix in html
    assert "token-once" not in client.get("/me/tokens/").content.decode()


def test_anonymous_rows_follow_publication_privacy_and_loading(
    public_resource: Resource,
) -> None:
    dataset = public_resource.dataset
    assert rows(public_resource, "?_count=1")[1]["count"] == 4
    assert rows(public_resource, "?_version=1&_count=1")[1]["count"] == 4
    for change in ({"is_private": True}, {"status": Dataset.Status.DRAFT}):
        Dataset.objects.filter(pk=dataset.pk).update(**change)
        assert rows(public_resource)[0] == 404
        assert selectors.public_table(pk=public_resource.pk) is None
        Dataset.objects.filter(pk=dataset.pk).update(
            is_private=False, status=Dataset.Status.PUBLISHED
        )
        assert rows(public_resource)[0] == 200
    Resource.objects.filter(pk=public_resource.pk).update(current_version=None)
    status, body = rows(public_resource)
    assert status == 409
    assert body["error"]["code"] == "resource_not_ready"
    missing = Client().get(f"/api/catalog/resources/{public_resource.pk + 99}/rows")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("status", "is_private"),
    [
        (Dataset.Status.PUBLISHED, False),
        (Dataset.Status.PUBLISHED, True),
        (Dataset.Status.DRAFT, False),
        (Dataset.Status.DRAFT, True),
    ],
)
def test_public_table_agrees_with_the_view_permission(
    public_resource: Resource, status: str, is_private: bool
) -> None:
    Dataset.objects.filter(pk=public_resource.dataset_id).update(
        status=status, is_private=is_private
    )
    dataset = Dataset.objects.get(pk=public_resource.dataset_id)
    visible = AnonymousUser().has_perm("catalog.view_dataset", dataset)
    found = selectors.public_table(pk=public_resource.pk)
    assert (found is not None) == visible
    if found is not None:
        version = public_resource.versions.get()
        assert found.version_number == version.number
        assert found.has_table
