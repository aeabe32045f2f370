"""Reads from a PostgreSQL read replica, with read-your-writes.

A second database on the same server, made as a copy of the test database and
then left behind by later writes, stands in for a lagging replica.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django.test import Client
from django.test.client import RequestFactory

from allmende.core import replicas
from tests.accounts.factories import UserFactory
from tests.organizations.factories import OrganizationFactory

ALIAS = "replica_test"


def _pg_environment() -> dict[str, str]:
    data = connection.settings_dict
    values = {
        "PGHOST": data.get("HOST"),
        "PGPORT": data.get("PORT"),
        "PGUSER": data.get("USER"),
        "PGPASSWORD": data.get("PASSWORD"),
    }
    return {**os.environ, **{k: str(v) for k, v in values.items() if v}}


def _admin(sql: str) -> None:
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql],
        env=_pg_environment(),
        check=True,
    )


def _copy_database(source: str, target: str) -> None:
    """A copy by dump and restore (other sessions of the test may still be
    connected to the source, which CREATE DATABASE ... TEMPLATE refuses)."""
    _admin(f'DROP DATABASE IF EXISTS "{target}"')
    _admin(f'CREATE DATABASE "{target}"')
    dump = subprocess.Popen(
        ["pg_dump", "--no-owner", "--no-privileges", "-d", source],
        env=_pg_environment(),
        stdout=subprocess.PIPE,
    )
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", target],
        env=_pg_environment(),
        stdin=dump.stdout,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    assert dump.wait() == 0


def _drop_database(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def replica(settings: Any) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("read replicas are a PostgreSQL feature")
    OrganizationFactory(name="Schon im Replikat")
    source = connection.settings_dict["NAME"]
    name = f"{source}_replica"
    _copy_database(source, name)
    # The alias mirrors the test database (tests/settings.py); here it reads
    # the copy instead.
    mirror = connections[ALIAS].settings_dict["NAME"]
    connections[ALIAS].close()
    connections[ALIAS].settings_dict["NAME"] = name
    settings.ALLMENDE_DATABASE_REPLICAS = [ALIAS]
    try:
        yield name
    finally:
        connections[ALIAS].close()
        connections[ALIAS].settings_dict["NAME"] = mirror
        _drop_database(name)


def _names(response: Any) -> set[str]:
    return {item["name"] for item in response.json()["items"]}


@pytest.mark.skipif(
    ALIAS not in django_settings.DATABASES,
    reason="read replicas are a PostgreSQL feature (tests/settings.py)",
)
@pytest.mark.django_db(transaction=True, databases=["default", ALIAS])
def test_anonymous_reads_go_to_the_replica_and_a_writer_reads_the_primary(
    replica: str,
) -> None:
    # Written after the copy: only the primary has it, as with a lagging replica.
    OrganizationFactory(name="Nur im Primärsystem")
    anonymous = Client()
    response = anonymous.get("/api/organizations/")
    assert response.status_code == 200
    assert _names(response) == {"Schon im Replikat"}
    page = anonymous.get("/organizations/").content.decode()
    assert "Schon im Replikat" in page
    assert "Nur im Primärsystem" not in page

    # A write (any POST) pins this client to the primary for a while.
    answer = anonymous.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert replicas.PIN_COOKIE in answer.cookies
    assert _names(anonymous.get("/api/organizations/")) == {
        "Schon im Replikat",
        "Nur im Primärsystem",
    }
    assert "Nur im Primärsystem" in anonymous.get("/organizations/").content.decode()

    # A signed-in person reads pages from the primary; the API from a replica.
    person = Client()
    person.force_login(UserFactory())
    assert "Nur im Primärsystem" in person.get("/organizations/").content.decode()
    assert _names(person.get("/api/organizations/")) == {"Schon im Replikat"}

    # The health check asks every replica too.
    assert anonymous.get("/-/health").json()["checks"]["database:replica_test"] == "ok"


def _request(method: str = "GET", path: str = "/", **cookies: str) -> Any:
    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies)
    return request


def test_router_reads_the_primary_after_a_write_and_outside_requests(
    settings: Any,
) -> None:
    settings.ALLMENDE_DATABASE_REPLICAS = ["replica1"]
    router = replicas.ReplicaRouter()
    assert router.db_for_read(object) == "default"  # a job or a command
    assert replicas.choose(_request()) == "replica1"
    assert replicas.choose(_request("POST")) is None
    assert replicas.choose(_request(**{replicas.PIN_COOKIE: "1"})) is None
    assert replicas.choose(_request(**{settings.SESSION_COOKIE_NAME: "x"})) is None
    api = _request(path="/api/organizations/", **{settings.SESSION_COOKIE_NAME: "x"})
    assert replicas.choose(api) == "replica1"

    token = replicas._read_from.set("replica1")
    try:
        assert router.db_for_read(object) == "replica1"
        assert router.db_for_write(object) == "default"
        assert router.db_for_read(object) == "default"  # reads its own write
    finally:
        replicas._read_from.reset(token)
    assert router.allow_migrate("replica1", "catalog") is False
    assert router.allow_migrate("default", "catalog") is None


def test_without_replicas_every_read_goes_to_the_primary(settings: Any) -> None:
    settings.ALLMENDE_DATABASE_REPLICAS = []
    assert replicas.choose(_request()) is None
