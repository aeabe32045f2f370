"""The envelope, addresses, parameters, tokens and status codes of the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory
from tests.ckan.conftest import Api, token_for

pytestmark = pytest.mark.django_db


def test_status_show_answers_in_ckans_envelope(api: Api) -> None:
    body = api.get("status_show")
    assert body["success"] is True
    assert body["help"] == "http://testserver/api/3/action/help_show?name=status_show"
    assert body["result"]["ckan_version"].startswith("2.")
    assert "datastore" in body["result"]["extensions"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/3/action/package_list",
        "/api/3/action/package_list/",
        "/api/action/package_list",
        "/api/action/package_list/",
    ],
)
def test_both_addresses_answer_with_and_without_slash(path: str) -> None:
    dataset = PublishedDatasetFactory()
    response = Client().get(path)
    assert response.status_code == 200
    assert response.json()["result"] == [dataset.slug]


def test_unknown_action_is_a_bad_request(api: Api) -> None:
    body = api.post("package_frobnicate", status=400)
    assert body["success"] is False
    assert body["error"]["message"] == (
        "Bad request - Action name not known: package_frobnicate"
    )


def test_bad_json_is_a_bad_request() -> None:
    response = Client().post(
        "/api/3/action/package_search", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"]["message"].startswith("Bad request - JSON Error: ")


def test_json_that_is_not_an_object_is_a_bad_request() -> None:
    response = Client().post(
        "/api/3/action/package_search", "[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    assert "needs to be a dictionary" in response.json()["error"]["message"]


def test_write_action_refuses_get(api: Api, org_member: User) -> None:
    body = api.get(
        "package_create", {"name": "x"}, token=token_for(org_member), status=400
    )
    assert "POST" in body["error"]["message"]


def test_get_takes_json_encoded_lists(api: Api) -> None:
    PublishedDatasetFactory(keywords=["wasser"])
    body = api.get(
        "package_search", {"facet.field": json.dumps(["tags", "organization"])}
    )
    assert body["result"]["facets"]["tags"] == {"wasser": 1}
    assert set(body["result"]["search_facets"]) == {"tags", "organization"}


def test_missing_dataset_is_not_found_error(api: Api) -> None:
    body = api.get("package_show", {"id": "gibt-es-nicht"}, status=404)
    assert body["error"]["__type"] == "Not Found Error"
    assert body["error"]["message"].startswith("Not found: ")


def test_missing_parameter_is_validation_error(api: Api) -> None:
    body = api.get("package_show", status=409)
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["id"] == ["Missing value"]


def test_bad_fq_is_search_query_error(api: Api) -> None:
    body = api.get("package_search", {"fq": "colour:blue"}, status=409)
    assert body["error"]["__type"] == "Search Query Error"
    assert "colour" in body["error"]["message"]


def test_bad_sort_is_search_query_error(api: Api) -> None:
    body = api.get("package_search", {"sort": "weight desc"}, status=409)
    assert body["error"]["__type"] == "Search Query Error"


def test_unknown_token_is_authorization_error(api: Api) -> None:
    body = api.get("package_list", token="alm_falsch", status=403)
    assert body["error"]["__type"] == "Authorization Error"


def test_write_without_token_is_authorization_error(
    api: Api, organization: Organization
) -> None:
    body = api.post(
        "package_create",
        {"name": "neu", "title": "Neu", "owner_org": organization.slug},
        status=403,
    )
    assert body["error"]["__type"] == "Authorization Error"


def test_session_cookie_cannot_write(
    org_member: User, organization: Organization
) -> None:
    """A logged-in browser is not enough: another site could send the POST."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org_member)
    api = Api(client)
    body = api.post(
        "package_create",
        {
            "name": "neu",
            "title": "Neu",
            "owner_org": organization.slug,
            "license_id": "cc-by/4.0",
        },
        status=403,
    )
    assert body["error"]["__type"] == "Authorization Error"
    assert not organization.datasets.exists()


@pytest.mark.parametrize(
    "headers",
    [
        lambda t: {"Authorization": t},
        lambda t: {"Authorization": f"Bearer {t}"},
        lambda t: {"X-CKAN-API-Key": t},
    ],
    ids=["raw", "bearer", "x-ckan-api-key"],
)
def test_token_is_taken_in_all_three_forms(
    api: Api, org_member: User, organization: Organization, headers: object
) -> None:
    token = token_for(org_member)
    body = api.post(
        "package_create",
        {
            "name": "neu",
            "title": "Neu",
            "owner_org": organization.slug,
            "license_id": "cc-by/4.0",
        },
        headers=headers(token),  # type: ignore[operator]
    )
    assert body["result"]["name"] == "neu"


def test_help_show_returns_the_actions_description(api: Api) -> None:
    body = api.get("help_show", {"name": "package_search"})
    assert "fq" in body["result"]
    assert api.get("help_show", {"name": "nope"}, status=404)["success"] is False


def test_other_methods_are_refused_in_the_envelope() -> None:
    response = Client().put("/api/3/action/package_list")
    assert response.status_code == 405
    assert response.json()["success"] is False


def test_get_and_post_give_the_same_answer(api: Api) -> None:
    PublishedDatasetFactory(slug="gleich")
    by_get = api.get("package_show", {"id": "gleich"})
    by_post = api.post("package_show", {"id": "gleich"})
    assert by_get == by_post


def test_bad_boolean_is_a_validation_error(api: Api) -> None:
    body = api.get("package_search", {"include_private": "vielleicht"}, status=409)
    assert body["error"]["include_private"] == ["Must be true or false."]
