"""Parameters out of range answer a documented 4xx, never a server error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog.models import Resource
from allmende.config.api import api
from allmende.organizations.models import Organization
from tests.catalog.conftest import _catalog_files  # noqa: F401 - autouse fixture
from tests.catalog.factories import PublishedDatasetFactory, add_table
from tests.events.factories import EventFactory

HUGE = 10**20  # beyond 64 bits
INT64_MAX = 2**63 - 1


@pytest.fixture
def table(org_member: User, organization: Organization) -> Resource:
    dataset = PublishedDatasetFactory(organization=organization)
    return add_table(dataset, org_member)


def get(url: str, **params: Any) -> tuple[int, Any]:
    response = Client(raise_request_exception=False).get(url, params)
    assert response["Content-Type"].startswith("application/json"), response.content[
        :300
    ]
    return response.status_code, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/events/", "/api/organizations/", "/api/catalog/datasets"]
)
def test_lists_refuse_a_huge_offset_or_limit_with_422(url: str) -> None:
    EventFactory()
    PublishedDatasetFactory()
    for params in (
        {"offset": HUGE},
        {"offset": INT64_MAX},
        {"offset": 2**31},
        {"limit": HUGE},
        {"limit": 1001},
        {"limit": 0},
        {"offset": -1},
    ):
        status, body = get(url, **params)
        assert status == 422, params
        assert body["detail"][0]["loc"] == ["query", next(iter(params))]
    status, body = get(url, offset=2**31 - 1, limit=1000)
    assert status == 200
    assert body == {"items": [], "count": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/events/", {"q": "a\x00b"}),
        ("/api/organizations/", {"region": "a\x00b"}),
        ("/api/catalog/datasets", {"q": "a\x00b"}),
        ("/api/events/a%00b", {}),
        ("/api/organizations/a%00b", {}),
        ("/api/catalog/datasets/a%00b", {}),
        ("/api/catalog/resources/1/sql", {"sql": "SELECT 1\x00"}),
    ],
)
def test_nul_characters_are_refused_with_422(url: str, params: dict[str, str]) -> None:
    status, body = get(url, **params)
    assert status == 422
    assert body["detail"][0]["type"] == "string_pattern_mismatch"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}, {"date_to": "0001-01-01"}],
)
def test_event_date_filters_at_the_ends_of_the_calendar_answer(
    params: dict[str, str],
) -> None:
    event = EventFactory()
    status, body = get("/api/events/", **params)
    assert status == 200
    expected = [] if params == {"date_to": "0001-01-01"} else [event.slug]
    assert [item["slug"] for item in body["items"]] == expected
    page = Client(raise_request_exception=False).get("/events/", params)
    assert page.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["rows", "sql"])
def test_huge_or_zero_resource_ids_answer_422_and_the_largest_404(path: str) -> None:
    for pk in (HUGE, INT64_MAX + 1, 0):
        status, body = get(f"/api/catalog/resources/{pk}/{path}", sql="SELECT 1")
        assert status == 422, pk
        assert body["detail"][0]["loc"] == ["path", "pk"]
    status, _body = get(f"/api/catalog/resources/{INT64_MAX}/{path}", sql="SELECT 1")
    assert status == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"Einwohner": str(HUGE)},
        {"Einwohner__gt": str(-HUGE)},
        {"Einwohner__in": f"1,{HUGE}"},
        {"Einwohner__lte": str(2**63)},
        {"Einwohner__ne": str(HUGE)},
    ],
)
def test_row_filters_beyond_64_bits_answer_400(
    table: Resource, params: dict[str, str]
) -> None:
    status, body = get(f"/api/catalog/resources/{table.pk}/rows", **params)
    assert status == 400
    assert body["error"]["code"] == "bad_filter"


@pytest.mark.django_db
def test_row_filters_at_64_bits_answer(table: Resource) -> None:
    status, body = get(
        f"/api/catalog/resources/{table.pk}/rows",
        Einwohner__lte=str(INT64_MAX),
        Einwohner__gte=str(-(2**63)),
        _count="1",
    )
    assert status == 200
    assert body["count"] == 4


@pytest.mark.django_db
def test_a_page_token_with_a_huge_row_answers_400(table: Resource) -> None:
    status, body = get(f"/api/catalog/resources/{table.pk}/rows", _size="1")
    assert status == 200
    token = json.loads(base64.urlsafe_b64decode(body["next"] + "=="))
    token["r"] = HUGE
    forged = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
    status, body = get(f"/api/catalog/resources/{table.pk}/rows", _next=forged)
    assert status == 400
    assert body["error"]["code"] == "bad_page_token"


@pytest.mark.django_db
@pytest.mark.parametrize("version", [str(HUGE), "²", "0"])
def test_an_odd_version_number_answers_with_the_documented_error(
    table: Resource, org_member: User, version: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(org_member)
    response = client.get(
        f"/api/catalog/resources/{table.pk}/rows", {"_version": version}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "bad_query"


@pytest.mark.django_db
def test_the_preview_shows_a_message_for_a_filter_beyond_64_bits(
    table: Resource,
) -> None:
    response = Client(raise_request_exception=False).get(
        table.get_absolute_url(), {"col": "Einwohner", "op": "eq", "val": str(HUGE)}
    )
    assert response.status_code == 200
    assert "is not a valid integer for column" in response.content.decode()


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = api.get_openapi_schema()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize(
    "operation", _operations(), ids=[f"{m} {p}" for m, p, _ in _operations()]
)
def test_every_parameter_of_the_api_is_bounded_and_its_errors_declared(
    operation: tuple[str, str, dict[str, Any]],
) -> None:
    """A new operation must bound its numbers, refuse NUL and declare its 422."""
    _method, _path, spec = operation
    assert 422 in spec["responses"]
    if "{" in _path:
        assert 404 in spec["responses"]
    for parameter in spec.get("parameters", []):
        if parameter["name"].startswith(("<", "_")):
            continue  # the rows API's free-form filters, checked by the engine
        schema = parameter["schema"]
        kinds = [schema, *schema.get("anyOf", [])]
        for kind in kinds:
            if kind.get("type") == "integer":
                assert "minimum" in kind and "maximum" in kind, parameter
            if kind.get("type") == "string" and "format" not in kind:
                assert "pattern" in kind or "enum" in kind, parameter
