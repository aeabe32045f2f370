"""The notifications JSON API: a person's own notifications, by token only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy

from allmende.accounts.models import User
from allmende.accounts.services import api_token_create
from allmende.config.api import api
from allmende.core.site import site_url
from allmende.notifications import registry
from allmende.notifications.models import Notification
from allmende.notifications.registry import NotificationType, register
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.conftest import client_for
from tests.notifications.helpers import make_notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("test_types")]

LIST = "/api/notifications/"
READ = "/api/notifications/read"


def _client(user: User, **headers: str) -> Client:
    _token, secret = api_token_create(actor=user, name="phone")
    return Client(headers={"authorization": f"Bearer {secret}", **headers})


def _post(client: Client, body: Any) -> Any:
    return client.post(READ, json.dumps(body), content_type="application/json")


def _unread(*notifications: Notification) -> list[bool]:
    return [Notification.objects.get(pk=n.pk).read_at is None for n in notifications]


def test_without_a_valid_token_the_api_answers_401(user: User) -> None:
    make_notification(user)
    session = client_for(user)
    assert session.get(LIST).status_code == 401
    assert _post(session, {"all": True}).status_code == 401
    stranger = Client(headers={"authorization": "Bearer alm_nonsense"})
    assert stranger.get(LIST).status_code == 401
    assert _post(stranger, {"all": True}).status_code == 401
    assert _unread(*Notification.objects.all()) == [True]


def test_list_answers_the_owners_notifications_newest_first(
    user: User, organization: Organization
) -> None:
    older = make_notification(user, obj=organization, read=True)
    newer = make_notification(user, organization="Newer")
    make_notification(UserFactory())
    answer = _client(user).get(LIST).json()
    assert [item["id"] for item in answer["items"]] == [newer.pk, older.pk]
    assert answer["next_before"] is None
    first = answer["items"][1]
    assert first["type"] == "tests.something_happened"
    assert first["message"] == "Acme changed"
    assert first["url"] == f"{site_url()}{organization.get_absolute_url()}"
    assert first["url"].startswith("http")
    assert first["object_label"] == str(organization)
    assert first["object_available"] is True
    assert first["read_at"] is not None
    assert answer["items"][0]["url"] is None
    unread = _client(user).get(LIST, {"unread": "true"}).json()
    assert [item["id"] for item in unread["items"]] == [newer.pk]


def test_list_pages_by_keyset(user: User) -> None:
    made = [make_notification(user) for _ in range(5)]
    client = _client(user)
    first = client.get(LIST, {"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == [made[4].pk, made[3].pk]
    second = client.get(LIST, {"limit": 2, "before": first["next_before"]}).json()
    assert [i["id"] for i in second["items"]] == [made[2].pk, made[1].pk]
    last = client.get(LIST, {"limit": 2, "before": made[1].pk}).json()
    assert [i["id"] for i in last["items"]] == [made[0].pk]
    assert last["next_before"] is None


def test_messages_follow_accept_language(user: User) -> None:
    kind = register(
        NotificationType(
            key="tests.translated",
            module="Tests",
            label="Translated",
            description="A message from the German catalogue.",
            message=gettext_lazy("Unread"),
        )
    )
    try:
        make_notification(user).__class__.objects.update(type=kind.key)
        de = _client(user, accept_language="de").get(LIST).json()
        en = _client(user, accept_language="en").get(LIST).json()
    finally:
        registry._registry.pop(kind.key, None)
    assert de["items"][0]["message"] == "Ungelesen"
    assert en["items"][0]["message"] == "Unread"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "x"},
        {"before": "0"},
        {"before": str(2**64)},
        {"unread": "maybe"},
    ],
)
def test_malformed_parameters_answer_422(user: User, params: dict[str, str]) -> None:
    assert _client(user).get(LIST, params).status_code == 422


def test_read_marks_only_the_owners_ids(user: User) -> None:
    mine = make_notification(user)
    kept = make_notification(user)
    theirs = make_notification(UserFactory())
    response = _post(_client(user), {"ids": [mine.pk, theirs.pk, 2**63 - 1]})
    assert response.status_code == 200
    assert response.json() == {"marked": 1}
    assert _unread(mine, kept, theirs) == [False, True, True]


def test_read_all_stops_at_up_to(user: User) -> None:
    seen = make_notification(user)
    arrived_later = make_notification(user)
    theirs = make_notification(UserFactory())
    response = _post(_client(user), {"all": True, "up_to": seen.pk})
    assert response.json() == {"marked": 1}
    assert _unread(seen, arrived_later, theirs) == [False, True, True]
    assert _post(_client(user), {"all": True}).json() == {"marked": 1}
    assert _unread(arrived_later, theirs) == [False, True]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": [1], "all": True},
        {"ids": [], "all": False},
        {"ids": ["x"]},
        {"ids": [0]},
        {"ids": [2**64]},
        {"ids": [1], "up_to": 1},
        {"all": True, "up_to": -1},
        {"ids": list(range(1, 1002))},
        [1, 2],
    ],
)
def test_malformed_bodies_answer_422(user: User, body: Any) -> None:
    make_notification(user)
    assert _post(_client(user), body).status_code == 422
    assert _unread(*Notification.objects.all()) == [True]


def test_a_body_that_is_not_json_answers_400(user: User) -> None:
    response = _client(user).post(READ, "{", content_type="application/json")
    assert response.status_code == 400


def test_both_operations_are_documented() -> None:
    paths = api.get_openapi_schema()["paths"]
    assert "get" in paths["/api/notifications/"]
    assert "post" in paths["/api/notifications/read"]
    limit = next(
        p
        for p in paths["/api/notifications/"]["get"]["parameters"]
        if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 100
