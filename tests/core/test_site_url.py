"""Links that leave a page use the address the platform really runs on."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tests.catalog.factories import PublishedDatasetFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://127.0.0.1:8080"


@pytest.fixture
def from_request(settings: Any) -> None:
    settings.ALLMENDE_SITE_URL_FROM_REQUEST = True


def _client(user: Any = None) -> Client:
    client = client_for(user)
    client.defaults["HTTP_HOST"] = "127.0.0.1:8080"
    return client


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("from_request")
def test_mail_links_use_the_address_of_the_request() -> None:
    event = EventFactory(capacity=5)
    _client().post(
        f"/events/{event.slug}/register/", {"name": "Ada", "email": "ada@example.org"}
    )
    links = re.findall(r"https?://[^/\s]+/", mail.outbox[-1].body)
    assert links and set(links) == {f"{ORIGIN}/"}


@pytest.mark.django_db
@pytest.mark.usefixtures("from_request")
def test_feeds_and_catalog_use_the_address_of_the_request(user: Any) -> None:
    EventFactory()
    PublishedDatasetFactory()
    feed = _client().get("/events/feed.ics").content.decode()
    assert f"URL:{ORIGIN}/events/" in feed
    assert "8000" not in feed
    mine = _client(user).get("/events/my/").content.decode()
    assert f"{ORIGIN}/events/my/" in mine
    catalog = _client().get("/catalog.ttl").content.decode()
    assert f"<{ORIGIN}/datasets/" in catalog
    assert "127.0.0.1:8000" not in catalog


@pytest.mark.django_db
def test_configured_address_wins_over_the_request(settings: Any) -> None:
    settings.SITE_URL = "https://allmende.example.org"
    EventFactory()
    feed = _client().get("/events/feed.ics").content.decode()
    assert "URL:https://allmende.example.org/events/" in feed
    assert "8080" not in feed


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_its_port_to_the_site_address() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ALLMENDE_SITE_URL"}
    shown = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "--eval",
            "show-site-url: ; @echo $$ALLMENDE_SITE_URL",
            "show-site-url",
            "PORT=8080",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == ORIGIN
