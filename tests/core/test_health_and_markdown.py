from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client

from allmende.core.markdown import render_markdown


@pytest.mark.django_db
def test_health_reports_each_dependency_ok(client: Client) -> None:
    response = client.get("/-/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok"},
    }


@pytest.mark.django_db
def test_health_answers_503_and_names_the_failing_dependency(client: Client) -> None:
    with mock.patch(
        "allmende.core.views.default_storage.save", side_effect=OSError("disk full")
    ):
        response = client.get("/-/health")
    assert response.status_code == 503
    body: dict[str, Any] = response.json()
    assert body["status"] == "error"
    assert body["checks"]["storage"] == "error: OSError"
    assert body["checks"]["database"] == "ok"


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
