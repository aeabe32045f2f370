"""With DEBUG on (``make run``), visitors still see the platform's error pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client
from django.urls import path

from allmende.config.urls import urlpatterns as site_urlpatterns


def _fail(request: Any) -> Any:
    raise RuntimeError("boom")


def _bad(request: Any) -> Any:
    raise BadRequest("broken")


def _forbidden(request: Any) -> Any:
    raise PermissionDenied


urlpatterns = [
    *site_urlpatterns,
    path("-/test-fail", _fail),
    path("-/test-bad", _bad),
    path("-/test-forbidden", _forbidden),
]

# Each error page: its address, status, and a sentence in German and English.
ERROR_PAGES = [
    ("/no-such-page/", 404, "Seite nicht gefunden", "Page not found"),
    ("/-/test-forbidden", 403, "Nicht erlaubt", "Not allowed"),
    ("/-/test-bad", 400, "Fehlerhafte Anfrage", "Bad request"),
    ("/-/test-fail", 500, "Ein Fehler ist aufgetreten", "Something went wrong"),
]


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
    response = Client(
        raise_request_exception=False, headers={"accept-language": "de"}
    ).get("/-/test-fail")
    assert response.status_code == 500
    assert b"Traceback" not in response.content
    assert "Ein Fehler ist aufgetreten" in response.content.decode()


@pytest.mark.django_db
def test_technical_pages_when_asked_for(debug: Any) -> None:
    debug.ALLMENDE_DEBUG_TECHNICAL_PAGES = True
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert b"URLconf" in response.content


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("debug_on", [False, True])
@pytest.mark.parametrize(("url", "status", "german", "english"), ERROR_PAGES)
@pytest.mark.parametrize("language", ["de", "en"])
def test_error_pages_are_designed_in_the_readers_language(
    settings: Any,
    debug_on: bool,
    url: str,
    status: int,
    german: str,
    english: str,
    language: str,
) -> None:
    settings.DEBUG = debug_on
    client = Client(
        raise_request_exception=False, headers={"accept-language": language}
    )
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert (german if language == "de" else english) in html
    assert (english if language == "de" else german) not in html
    # The site's stylesheet and the error page's layout.
    assert "allmende/css/main.css" in html
    assert 'class="error-page"' in html
    assert "Traceback" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "en"])
def test_refused_form_is_the_designed_page(language: str) -> None:
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    response = client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    expected = {
        "de": "Das Formular konnte nicht gesendet werden",
        "en": "The form could not be sent",
    }[language]
    assert expected in html
    assert 'class="error-page"' in html
    assert "CSRF verification failed" not in html


@pytest.mark.django_db
def test_refused_form_shows_the_reason_with_technical_pages(settings: Any) -> None:
    settings.DEBUG = True
    settings.ALLMENDE_DEBUG_TECHNICAL_PAGES = True
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    assert b"CSRF verification failed" in response.content
