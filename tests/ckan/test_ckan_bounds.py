"""Numbers and ids out of range are CKAN's Validation or Not Found errors.

And a hidden resource or dataset answers exactly like a missing one.
"""

# The SQL in these tests is what a client sends; building it is the point.
# ruff: noqa: S608

from __future__ import annotations

import pytest

from allmende.accounts.models import User
from allmende.catalog.models import Resource
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory, add_table
from tests.ckan.conftest import Api

pytestmark = pytest.mark.django_db

HUGE = 10**20  # beyond 64 bits


@pytest.fixture
def table(organization: Organization, org_member: User) -> Resource:
    return add_table(PublishedDatasetFactory(organization=organization), org_member)


@pytest.fixture
def hidden(organization: Organization, org_member: User) -> Resource:
    dataset = PublishedDatasetFactory(organization=organization, is_private=True)
    return add_table(dataset, org_member)


@pytest.mark.parametrize(
    "params",
    [{"limit": HUGE}, {"offset": HUGE}, {"limit": 2**31}, {"offset": str(2**63)}],
)
def test_package_list_refuses_a_huge_limit_or_offset(
    api: Api, table: Resource, params: dict[str, int]
) -> None:
    for call in (api.get, api.post):
        body = call("package_list", params, status=409)
        assert body["success"] is False
        assert body["error"]["__type"] == "Validation Error"
        assert body["error"][next(iter(params))] == ["Must be 2147483647 or less."]


def test_package_list_takes_the_largest_limit_and_offset(
    api: Api, table: Resource
) -> None:
    names = api.get("package_list", {"limit": 2**31 - 1})["result"]
    assert names == [table.dataset.slug]
    assert api.get("package_list", {"offset": 2**31 - 1})["result"] == []


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"filters": {"Einwohner": HUGE}}, "query"),
        ({"filters": {"Einwohner": [1, -HUGE]}}, "query"),
        ({"filters": {"_id": HUGE}}, "query"),
        ({"offset": HUGE}, "offset"),
        ({"offset": 2**31}, "offset"),
        ({"limit": HUGE}, "limit"),
    ],
)
def test_datastore_search_refuses_huge_values_and_offsets(
    api: Api, table: Resource, params: dict[str, object], key: str
) -> None:
    body = api.post(
        "datastore_search", {"resource_id": str(table.pk), **params}, status=409
    )
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"][key]


def test_datastore_search_takes_the_largest_offset(api: Api, table: Resource) -> None:
    result = api.post(
        "datastore_search", {"resource_id": str(table.pk), "offset": 2**31 - 1}
    )["result"]
    assert result["records"] == []
    assert result["total"] == 4


@pytest.mark.parametrize("ref", [str(HUGE), str(2**63), "²", "9" * 5000])
def test_huge_or_odd_ids_are_not_found(api: Api, table: Resource, ref: str) -> None:
    for name, key in (
        ("package_show", "id"),
        ("resource_show", "id"),
        ("datastore_search", "resource_id"),
        ("organization_show", "id"),
    ):
        body = api.post(name, {key: ref}, status=404)
        assert body["error"]["__type"] == "Not Found Error"


@pytest.mark.parametrize("fq", [f"id:{HUGE}", f"owner_org:{HUGE}", "id:²"])
def test_package_search_with_a_huge_id_finds_nothing(
    api: Api, table: Resource, fq: str
) -> None:
    assert api.post("package_search", {"fq": fq})["result"]["count"] == 0


def test_search_sql_answers_a_hidden_and_a_missing_table_alike(
    api: Api, hidden: Resource
) -> None:
    missing = hidden.pk + 1000
    answers = [
        api.post("datastore_search_sql", {"sql": f'SELECT * FROM "{pk}"'}, status=404)
        for pk in (hidden.pk, missing)
    ]
    assert answers[0]["error"] == answers[1]["error"]
    assert answers[0]["error"] == {
        "__type": "Not Found Error",
        "message": "Not found: Resource was not found.",
    }


def test_search_sql_still_reads_a_table_named_beside_a_number_column(
    api: Api, table: Resource
) -> None:
    sql = f'SELECT count(*) AS "{HUGE}" FROM "{table.pk}"'
    result = api.post("datastore_search_sql", {"sql": sql})["result"]
    assert result["records"] == [{str(HUGE): 4}]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("package_show", {"id": "eins\x00"}),
        ("package_search", {"q": "Köln\x00"}),
        ("datastore_search", {"resource_id": "1", "filters": {"Stadt\x00": "x"}}),
        ("organization_list", {"organizations": ["a\x00"]}),
    ],
)
def test_nul_characters_are_a_validation_error(
    api: Api, table: Resource, name: str, params: dict[str, object]
) -> None:
    body = api.post(name, params, status=409)
    assert body["error"]["__type"] == "Validation Error"
    assert "Must not contain NUL characters." in str(body["error"])
