"""datastore_search and datastore_search_sql on the dataset engine."""

# The SQL in these tests is what a client sends; building it is the point.
# ruff: noqa: S608

from __future__ import annotations

import json

import pytest

from allmende.accounts.models import User
from allmende.catalog.models import Resource
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory, add_table, csv_upload
from tests.ckan.conftest import Api

pytestmark = pytest.mark.django_db

ROWS = "Stadt,Einwohner,Land,Gegründet\n" + "".join(
    f"Stadt {i:03d},{1000 + i},{'SH' if i % 2 else 'BY'},{1000 + i}-01-0{1 + i % 9}\n"
    for i in range(250)
)


@pytest.fixture
def resource(organization: Organization, org_member: User) -> Resource:
    dataset = PublishedDatasetFactory(organization=organization)
    return add_table(dataset, org_member, upload=csv_upload(ROWS.encode(), "s.csv"))


def test_search_gives_fields_records_total_and_links(
    api: Api, resource: Resource
) -> None:
    result = api.get("datastore_search", {"resource_id": str(resource.pk)})["result"]
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "Stadt", "type": "text"},
        {"id": "Einwohner", "type": "int"},
        {"id": "Land", "type": "text"},
        {"id": "Gegründet", "type": "date"},
    ]
    assert result["total"] == 250
    assert result["limit"] == 100
    assert len(result["records"]) == 100
    assert result["records"][0]["Stadt"] == "Stadt 000"
    assert result["records"][0]["Gegründet"] == "1000-01-01"
    assert "offset=100" in result["_links"]["next"]
    assert result["_links"]["start"].startswith("/api/3/action/datastore_search?")


def test_csv_and_tsv_records_neutralise_formulas_but_keep_numbers(
    api: Api, organization: Organization, org_member: User
) -> None:
    dataset = PublishedDatasetFactory(organization=organization)
    upload = csv_upload(b"Name,Betrag\n=cmd|' /C calc'!A0,-5\n@SUM(A1),3\n", "f.csv")
    resource = add_table(dataset, org_member, upload=upload)
    for records_format, delimiter in (("csv", ","), ("tsv", "\t")):
        result = api.post(
            "datastore_search",
            {"resource_id": str(resource.pk), "records_format": records_format},
        )["result"]
        lines = result["records"].splitlines()
        assert lines[0].split(delimiter)[1].strip('"').startswith("'=cmd")
        assert lines[0].endswith(f"{delimiter}-5")
        assert lines[1].endswith(f"{delimiter}'@SUM(A1){delimiter}3")


def test_filters_sort_fields_offset_and_formats(api: Api, resource: Resource) -> None:
    rid = str(resource.pk)
    result = api.post(
        "datastore_search",
        {
            "resource_id": rid,
            "filters": {"Land": "SH"},
            "sort": "Einwohner desc",
            "fields": ["Stadt", "Einwohner"],
            "limit": 2,
            "offset": 1,
        },
    )["result"]
    assert result["records"] == [
        {"Stadt": "Stadt 247", "Einwohner": 1247},
        {"Stadt": "Stadt 245", "Einwohner": 1245},
    ]
    assert result["total"] == 125
    assert [f["id"] for f in result["fields"]] == ["Stadt", "Einwohner"]

    listed = api.post(
        "datastore_search",
        {
            "resource_id": rid,
            "filters": {"Stadt": ["Stadt 001", "Stadt 002"]},
            "fields": "Stadt,Land",
            "records_format": "lists",
        },  # fmt: skip
    )["result"]
    assert listed["records"] == [["Stadt 001", "SH"], ["Stadt 002", "BY"]]
    csv = api.post(
        "datastore_search",
        {
            "resource_id": rid,
            "q": "Stadt 003",
            "fields": ["Stadt", "Land"],
            "records_format": "csv",
            "include_total": False,
        },  # fmt: skip
    )["result"]
    assert csv["records"] == "Stadt 003,SH\n"
    assert "total" not in csv
    tsv = api.get(
        "datastore_search",
        {
            "resource_id": rid,
            "filters": json.dumps({"Stadt": "Stadt 004"}),
            "fields": "Stadt,Einwohner",
            "records_format": "tsv",
        },  # fmt: skip
    )["result"]
    assert tsv["records"] == "Stadt 004\t1004\n"
    by_field = api.post(
        "datastore_search", {"resource_id": rid, "q": {"Stadt": "24"}, "limit": 0}
    )["result"]
    assert by_field["records"] == []
    assert by_field["total"] == 13  # 024, 124, 224 and 240..249


def test_bad_datastore_parameters_are_validation_errors(
    api: Api, resource: Resource
) -> None:
    rid = str(resource.pk)
    for params, key in (
        ({"filters": {"Farbe": "rot"}}, "filters"),
        ({"sort": "Farbe desc"}, "sort"),
        ({"fields": ["Farbe"]}, "fields"),
        ({"filters": {"Einwohner": "viele"}}, "query"),
        ({"records_format": "xml"}, "records_format"),
        ({"limit": "-1"}, "limit"),
    ):
        body = api.post("datastore_search", {"resource_id": rid, **params}, status=409)
        assert body["error"]["__type"] == "Validation Error"
        assert key in body["error"], params
    assert api.post("datastore_search", {"resource_id": "0"}, status=404)
    body = api.post("datastore_search", {}, status=409)
    assert body["error"]["resource_id"] == ["Missing value"]


def test_search_sql_reads_the_table_named_by_its_id(
    api: Api, resource: Resource
) -> None:
    sql = (
        f'SELECT "Land", count(*) AS n FROM "{resource.pk}" '
        'WHERE "Stadt" <> \'say "1"\' GROUP BY "Land" ORDER BY "Land"'
    )
    result = api.get("datastore_search_sql", {"sql": sql})["result"]
    assert result["records"] == [{"Land": "BY", "n": 125}, {"Land": "SH", "n": 125}]
    assert result["fields"] == [
        {"id": "Land", "type": "text"},
        {"id": "n", "type": "int"},
    ]
    assert result["sql"] == sql


def test_search_sql_errors_are_validation_errors_from_the_sandbox(
    api: Api, resource: Resource
) -> None:
    rid = resource.pk
    for sql in (
        f'DELETE FROM "{rid}"',
        f'SELECT * FROM "{rid}"; SELECT 1',
        f"SELECT * FROM read_csv('/etc/passwd'), \"{rid}\"",
        f'SELECT nonsense FROM "{rid}"',
        "SELECT 1",
    ):
        body = api.post("datastore_search_sql", {"sql": sql}, status=409)
        assert body["error"]["__type"] == "Validation Error", sql
        assert body["error"]["query"], sql


def test_search_sql_on_a_private_table_is_not_found_for_others(
    api: Api, organization: Organization, org_member: User
) -> None:
    dataset = PublishedDatasetFactory(organization=organization, is_private=True)
    resource = add_table(dataset, org_member)
    body = api.post(
        "datastore_search_sql", {"sql": f'SELECT * FROM "{resource.pk}"'}, status=404
    )
    assert body["error"]["__type"] == "Not Found Error"
