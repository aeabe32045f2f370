"""The JSON API against its own OpenAPI document, with generated requests.

schemathesis reads the document served at ``/api/openapi.json`` and sends
requests built from it, valid and invalid, to a live test server: no request
may make the server fail (5xx), and every answer's status must be declared in
the document. A fixed seed and a bounded number of examples keep the run short
and the same on every run; a new operation is fuzzed as soon as it is added.
"""

from __future__ import annotations

import json
from urllib.request import urlopen

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pytest_django.live_server_helper import LiveServer
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from allmende.accounts.models import User
from allmende.accounts.services import api_token_create
from allmende.catalog.models import Resource
from allmende.config.api import api
from allmende.events.models import Event
from allmende.organizations.models import Organization
from tests.campaigns.factories import CampaignFactory
from tests.catalog.conftest import _catalog_files  # noqa: F401 - autouse fixture
from tests.catalog.factories import PublishedDatasetFactory, add_table
from tests.events.factories import EventFactory

SEED = 20261203
EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance]


@pytest.fixture
def demo(
    transactional_db: None, org_member: User, organization: Organization
) -> dict[str, str]:
    """A public dataset with a loaded table, an event, a campaign, an
    organization and a member's API token."""
    dataset = PublishedDatasetFactory(organization=organization)
    resource: Resource = add_table(dataset, org_member)
    event: Event = EventFactory()
    campaign = CampaignFactory()
    _token, secret = api_token_create(actor=org_member, name="fuzz")
    return {
        "token": secret,
        "pk": str(resource.pk),
        "dataset": dataset.slug,
        "event": event.slug,
        "organization": organization.slug,
        "campaign": campaign.slug,
    }


# The document the live server serves at /api/openapi.json (the first test
# checks that they are the same), read when the tests are collected: the
# operations become one test each.
schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(),
    config=schemathesis.Config.from_dict(
        {"seed": SEED, "generation": {"max-examples": EXAMPLES}}
    ),
)


def test_the_live_server_serves_the_fuzzed_document(live_server: LiveServer) -> None:
    with urlopen(f"{live_server.url}/api/openapi.json") as response:  # noqa: S310
        served = json.load(response)
    assert served == json.loads(json.dumps(api.get_openapi_schema()))
    assert len(list(schema.get_all_operations())) == sum(
        len(item) for item in served["paths"].values()
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_only_declared_statuses_and_never_fails(
    case: schemathesis.Case, live_server: LiveServer, demo: dict[str, str]
) -> None:
    base_url = live_server.url
    case.call_and_validate(base_url=base_url, checks=CHECKS)
    # The same request once more on the demo data, so query parameters reach
    # a real table, dataset, event, organization and campaign.
    known = {"pk": demo["pk"]}
    if "slug" in case.path_parameters:
        first = case.operation.path.split("/")[2]
        known["slug"] = {
            "catalog": demo["dataset"],
            "events": demo["event"],
            "organizations": demo["organization"],
            "campaigns": demo["campaign"],
        }.get(first, case.path_parameters["slug"])
    if case.path_parameters:
        case.path_parameters = {
            name: known.get(name, value) for name, value in case.path_parameters.items()
        }
        case.call_and_validate(base_url=base_url, checks=CHECKS)
    # The notifications answer only a token's owner: once more with a token.
    if case.operation.path.startswith("/api/notifications"):
        case.headers = {
            **(case.headers or {}),
            "Authorization": f"Bearer {demo['token']}",
        }
        case.call_and_validate(base_url=base_url, checks=CHECKS)
