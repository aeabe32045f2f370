from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.accounts.services import api_token_create
from tests.catalog.conftest import _catalog_files  # noqa: F401 - autouse fixture


def token_for(user: User) -> str:
    return api_token_create(actor=user, name="CKAN-Skript")[1]


class Api:
    """Calls ``/api/3/action/<name>`` like a CKAN client and returns the body."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()

    def post(
        self,
        name: str,
        data: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        extra = dict(headers or {})
        if token is not None:
            extra.setdefault("Authorization", token)
        response = self.client.post(
            f"/api/3/action/{name}",
            json.dumps(data or {}),
            content_type="application/json",
            headers=extra,
        )
        assert response.status_code == status, response.content
        return response.json()  # type: ignore[no-any-return]

    def get(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        status: int = 200,
    ) -> dict[str, Any]:
        headers = {"Authorization": token} if token else {}
        response = self.client.get(
            f"/api/3/action/{name}", params or {}, headers=headers
        )
        assert response.status_code == status, response.content
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def api() -> Api:
    return Api()
