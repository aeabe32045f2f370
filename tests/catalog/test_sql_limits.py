"""The SQL sandbox's limits hold against queries that defeat DuckDB's own.

Each query runs through the real worker pool with small limits; the tests
measure the wall time of the request and the web process's memory while it
runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client, override_settings

from allmende.accounts.models import User
from allmende.catalog import sql as user_sql
from allmende.catalog.engine import sandbox
from allmende.catalog.models import Resource
from allmende.organizations.models import Organization
from tests.catalog.factories import PublishedDatasetFactory, add_table

pytestmark = pytest.mark.django_db

TIMEOUT = 2.0
MEMORY = 256 * 1024 * 1024
LEVENSHTEIN = "SELECT levenshtein(repeat('ab', 50000), repeat('ba', 50000))"
LIMITS = override_settings(
    ALLMENDE_SQL_TIMEOUT_SECONDS=TIMEOUT,
    ALLMENDE_SQL_MEMORY_BYTES=MEMORY,
    ALLMENDE_SQL_MAX_RESULT_BYTES=1_000_000,
    ALLMENDE_SQL_WORKERS=1,
    ALLMENDE_SQL_PER_CLIENT=2,
)


@pytest.fixture(autouse=True)
def _limits() -> Iterator[None]:
    with LIMITS:
        yield
    sandbox.close_pools()


@pytest.fixture
def public_resource(org_member: User, organization: Organization) -> Resource:
    dataset = PublishedDatasetFactory(organization=organization)
    return add_table(dataset, org_member)


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class PeakMemory:
    """The largest resident size of this process while the block runs."""

    def __init__(self) -> None:
        self.before = self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())

    @property
    def growth(self) -> int:
        return self.peak - self.before


def _sql(resource: Resource, sql: str, method: str = "get") -> tuple[int, dict]:
    url = f"/api/catalog/resources/{resource.pk}/sql"
    client = Client()
    if method == "get":
        response = client.get(url, {"sql": sql})
    else:
        response = client.post(url, {"sql": sql}, content_type="application/json")
    return response.status_code, response.json()


def test_a_simple_query_runs_in_the_worker(public_resource: Resource) -> None:
    status, body = _sql(public_resource, "SELECT count(*) AS n FROM data")
    assert status == 200
    assert body["columns"] == ["n"]
    assert body["rows"][0][0] > 0


@pytest.mark.parametrize(
    ("sql", "code", "method"),
    [
        (
            LEVENSHTEIN,
            "sql_timeout",
            "get",
        ),
        ("SELECT length(repeat('x', 300000000))", "sql_memory", "post"),
        # Builds an 800 MB list step by step: on a busy machine the deadline
        # may come before the memory limit; either stops it.
        ("SELECT list_sort(range(100000000))[1]", "sql_memory sql_timeout", "get"),
        ("SELECT repeat('x', 100000) FROM range(1000)", "sql_result_too_large", "post"),
    ],
)
def test_queries_beyond_duckdbs_own_limits_are_stopped(
    public_resource: Resource, sql: str, code: str, method: str
) -> None:
    _sql(public_resource, "SELECT 1")  # the worker is started and warm
    with PeakMemory() as memory:
        started = time.monotonic()
        status, body = _sql(public_resource, sql, method)
        elapsed = time.monotonic() - started
    assert status == 400, body
    assert body["error"]["code"] in code.split()
    assert elapsed < TIMEOUT + 3
    assert memory.growth < 64 * 1024 * 1024, memory.growth
    # The pool answers the next query right away.
    status, body = _sql(public_resource, "SELECT 41 + 1")
    assert (status, body["rows"]) == (200, [[42]])


def test_refusals_name_the_limit(public_resource: Resource) -> None:
    _, body = _sql(public_resource, "SELECT length(repeat('x', 300000000))")
    assert "256 MB" in body["error"]["message"]
    _, body = _sql(public_resource, "SELECT repeat('x', 100000) FROM range(1000)")
    assert "1000000 bytes" in body["error"]["message"]
    _, body = _sql(public_resource, LEVENSHTEIN)
    assert "2.0 seconds" in body["error"]["message"]


def test_a_client_runs_a_limited_number_of_queries_at_once(
    public_resource: Resource,
) -> None:
    key = "address:127.0.0.1"
    with user_sql.client_slot(key), user_sql.client_slot(key):
        status, body = _sql(public_resource, "SELECT 1")
    assert status == 429
    assert body["error"]["code"] == "sql_client_busy"
    assert "2 queries" in body["error"]["message"]
    status, _ = _sql(public_resource, "SELECT 1")
    assert status == 200


def test_a_query_waits_briefly_for_a_worker_then_is_refused(
    public_resource: Resource,
) -> None:
    pool = sandbox.pool(workers=1, memory_bytes=MEMORY)
    worker = pool._acquire()
    try:
        started = time.monotonic()
        status, body = _sql(public_resource, "SELECT 1")
        assert time.monotonic() - started < sandbox.WAIT_FOR_WORKER_SECONDS + 2
    finally:
        pool._release(worker, healthy=True)
    assert status == 503
    assert body["error"]["code"] == "sql_busy"
    assert _sql(public_resource, "SELECT 1")[0] == 200


def test_ckan_search_sql_answers_the_limits_in_its_own_format(
    public_resource: Resource,
) -> None:
    rid = public_resource.pk
    slow = LEVENSHTEIN.replace("50000))", f'50000)) FROM "{rid}" LIMIT 1')
    response = Client().post(
        "/api/3/action/datastore_search_sql",
        {"sql": slow},
        content_type="application/json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert "2.0 seconds" in error["query"][0]
    with (
        user_sql.client_slot("address:127.0.0.1"),
        user_sql.client_slot("address:127.0.0.1"),
    ):
        busy = Client().post(
            "/api/3/action/datastore_search_sql",
            {"sql": f'SELECT * FROM "{rid}"'},  # noqa: S608
            content_type="application/json",
        )
    assert busy.status_code == 429
    assert busy.json()["success"] is False


def test_the_resource_page_shows_the_limit(public_resource: Resource) -> None:
    started = time.monotonic()
    response = Client().get(
        public_resource.get_absolute_url(),
        {"sql": "SELECT length(repeat('x', 300000000))"},
    )
    assert time.monotonic() - started < TIMEOUT + 3
    assert response.status_code == 200
    assert "needed more than 256 MB of memory" in response.content.decode()


def test_the_api_docs_state_the_limits() -> None:
    document = Client().get("/api/openapi.json").json()
    operation = document["paths"]["/api/catalog/resources/{pk}/sql"]["get"]
    assert {"400", "429", "503"} <= set(operation["responses"])
    for name in (
        "ALLMENDE_SQL_TIMEOUT_SECONDS",
        "ALLMENDE_SQL_MEMORY_BYTES",
        "ALLMENDE_SQL_MAX_RESULT_BYTES",
        "ALLMENDE_SQL_PER_CLIENT",
        "sql_timeout",
        "sql_memory",
        "sql_result_too_large",
    ):
        assert name in operation["description"]


def test_a_failed_query_shows_a_short_translated_message_with_the_detail_folded(
    public_resource: Resource,
) -> None:
    html = (
        Client()
        .get(
            public_resource.get_absolute_url(),
            {"sql": "SELECT nonsense FROM data"},
            HTTP_ACCEPT_LANGUAGE="de",
        )
        .content.decode()
    )
    assert 'role="alert">Die Abfrage ist fehlgeschlagen.</p>' in html
    before, _, rest = html.partition('<details class="sql-error-detail">')
    details = rest.split("</details>", 1)[0]
    assert "Details der Datenbank" in details
    assert "nonsense" in details
    assert "Binder Error" not in before


def test_the_api_keeps_the_engine_detail_apart_from_the_message(
    public_resource: Resource,
) -> None:
    status, body = _sql(public_resource, "SELEKT 1")
    assert status == 400
    assert body["error"]["code"] == "sql_syntax"
    assert body["error"]["message"] == "The SQL query could not be understood."
    assert "SELEKT" in body["error"]["detail"]
