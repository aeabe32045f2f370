"""Whatever a client sends, the answer is CKAN's envelope and never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from allmende.ckan.actions import ACTIONS
from tests.accounts.factories import StaffFactory
from tests.catalog.factories import PublishedDatasetFactory, add_table
from tests.ckan.conftest import Api, token_for

pytestmark = pytest.mark.django_db

ODD_PARAMS: list[dict[str, Any]] = [
    {},
    {"id": ["a", "b"], "name": {"x": 1}, "package_id": 5, "resource_id": None},
    {"id": "1", "q": 5, "fq": "tags:(a OR b)", "rows": "-1", "start": "x",
     "sort": ["name"], "facet.field": {"a": 1}, "include_private": "vielleicht"},
    {"id": "1", "resource_id": "1", "filters": "Stadt=Köln", "fields": 5,
     "sort": {"a": 1}, "limit": "1.5", "records_format": ["csv"], "q": ["x"]},
    {"sql": 5, "name": "x" * 500, "title_translated": "Titel", "tags": 5,
     "groups": "envi", "extras": {"a": 1}, "resources": "keine", "private": "ja",
     "state": "deleted", "owner_org": ["a"], "license_id": {"id": 1}},
    {"id": "1", "sql": 'SELECT * FROM "1" "1"', "upload": "not a file",
     "extras": [{"key": "temporal_start", "value": "gestern"},
                {"key": "temporal_end", "value": "2000-01-01"}],
     "url": "ftp://", "package_id": "1", "title": "T", "license_id": "cc-zero"},
]  # fmt: skip


@pytest.mark.parametrize("params", ODD_PARAMS)
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_odd_parameters_never_cause_a_server_error(
    name: str, params: dict[str, Any]
) -> None:
    staff = StaffFactory()
    add_table(PublishedDatasetFactory(pk=1, slug="eins"), staff)
    response = Api().client.post(
        f"/api/3/action/{name}",
        params,
        content_type="application/json",
        headers={"Authorization": token_for(staff)},
    )
    assert response.status_code in (200, 400, 403, 404, 409), response.content
    body = response.json()
    assert body["success"] is (response.status_code == 200)
    if not body["success"]:
        assert body["error"]["__type"]
