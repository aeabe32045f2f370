"""List pages run the same number of queries however many rows they show."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from allmende.accounts.models import User
from allmende.programmes import services
from allmende.programmes.models import Call
from tests.conftest import client_for
from tests.organizations.factories import MembershipFactory
from tests.programmes.factories import CallFactory, add_field

pytestmark = pytest.mark.django_db


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _calls(n: int) -> None:
    for _ in range(n):
        CallFactory()
        CallFactory(state="closed")


def _applications(call: Call, n: int) -> None:
    for _ in range(n):
        member = MembershipFactory().user
        organization = member.memberships.get().organization
        application = services.application_start(
            actor=member, call=call, organization=organization
        )
        services.application_submit(actor=member, application=application)


def _same(grow: Callable[[int], None], client: Client, url: str) -> None:
    grow(2)
    few = _count(client, url)
    grow(8)
    assert _count(client, url) == few


def test_call_list_runs_constant_queries(client: Client) -> None:
    _same(_calls, client, "/calls/")


def test_staff_application_list_runs_constant_queries(staff: User) -> None:
    call = CallFactory()
    add_field(call, "title")
    _same(
        lambda n: _applications(call, n),
        client_for(staff),
        f"/calls/{call.slug}/applications/",
    )
    _same(lambda n: _applications(call, n), client_for(staff), "/dashboard/")
