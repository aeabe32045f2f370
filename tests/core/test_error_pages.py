"""With DEBUG on (``make run``), visitors still see the platform's error pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import path

from allmende.config.urls import urlpatterns as site_urlpatterns


def _fail(request: Any) -> Any:
    raise RuntimeError("boom")


urlpatterns = [*site_urlpatterns, path("-/test-fail", _fail)]


@pytest.fixture
def debug(settings: Any) -> Any:
    settings.DEBUG = True
    return settings


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/no-such-page/", "/datasets/no-such-dataset/"])
def test_missing_page_is_the_designed_page_under_debug(debug: Any, url: str) -> None:
    response = Client(headers={"accept-language": "de"}).get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Seite nicht gefunden" in html
    assert "URLconf" not in html and "technical" not in html.lower()
    assert 'lang="de"' in html


@pytest.mark.django_db
def test_missing_slash_still_redirects_under_debug(debug: Any) -> None:
    assert Client().get("/datasets").status_code == 301


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_error_is_the_designed_page_under_debug(debug: Any) -> None:
    response = Client(raise_request_exception=False).get("/-/test-fail")
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert b"Something went wrong" in response.content


@pytest.mark.django_db
def test_technical_pages_when_asked_for(debug: Any) -> None:
    debug.ALLMENDE_DEBUG_TECHNICAL_PAGES = True
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert b"URLconf" in response.content
