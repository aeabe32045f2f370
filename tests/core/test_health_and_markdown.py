from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from allmende.core import heartbeats
from allmende.core.markdown import render_markdown
from tests.core.processes import require_redis


@pytest.mark.django_db
def test_health_reports_each_dependency_ok(client: Client) -> None:
    response = client.get("/-/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "tables": "ok"},
    }


@pytest.mark.django_db
def test_health_answers_503_and_names_the_failing_dependency(client: Client) -> None:
    with mock.patch(
        "allmende.core.health.default_storage.save", side_effect=OSError("disk full")
    ):
        response = client.get("/-/health")
    assert response.status_code == 503
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert body["checks"]["storage"] == "error: OSError"
    assert body["checks"]["database"] == "ok"
    assert body["failed"] == ["storage"]


@pytest.mark.django_db
def test_health_is_not_ok_when_the_tables_cannot_be_written(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    (tmp_path / "tables").write_text("a file where the tables folder should be")
    response = client.get("/-/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failed"] == ["tables"]


@pytest.mark.django_db
def test_health_is_not_ok_when_the_broker_does_not_answer(
    client: Client, settings: Any
) -> None:
    settings.ALLMENDE_TASK_MODE = "celery"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/-/health")
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]


@pytest.mark.redis
@pytest.mark.django_db
def test_health_reports_late_worker_and_scheduler_heartbeats(
    client: Client, settings: Any
) -> None:
    settings.ALLMENDE_TASK_MODE = "celery"
    settings.CELERY_BROKER_URL = require_redis()
    body = client.get("/-/health").json()
    # Serving still works: degraded, not an error, and 200.
    assert body["status"] == "degraded"
    assert body["checks"]["broker"] == "ok"
    assert body["late"] == ["worker:celery", "worker:mail", "worker:loads", "scheduler"]
    assert body["checks"]["scheduler"] == "late: never seen"
    for name in body["late"]:
        heartbeats.record(name)
    cache.set(heartbeats.PREFIX + "scheduler", time.time() - 600)
    response = client.get("/-/health")
    assert response.status_code == 200
    body = response.json()
    assert body["late"] == ["scheduler"]
    assert body["checks"]["scheduler"].startswith("late: last seen 6")
    heartbeats.record("scheduler")
    assert client.get("/-/health").json()["status"] == "ok"


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[klick](javascript:alert(1))", "javascript:"),
        ('<img src=x onerror="alert(1)">', "onerror"),
        ("<style>body{display:none}</style>", "<style"),
        ('<a href="https://x.org" onclick="evil()">x</a>', "onclick"),
        ("<iframe src='https://evil.example'></iframe>", "<iframe"),
    ],
)
def test_markdown_strips_anything_that_could_run_or_restyle(
    text: str, forbidden: str
) -> None:
    assert forbidden not in render_markdown(text)


def test_markdown_keeps_formatting_and_marks_links_nofollow() -> None:
    html = render_markdown("**fett** und [Link](https://example.org)\n\n- eins")
    assert "<strong>fett</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="nofollow noopener"' in html
    assert "<li>eins</li>" in html


@pytest.mark.django_db
def test_pages_send_a_content_security_policy_without_other_hosts(
    client: Client,
) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "http" not in policy
