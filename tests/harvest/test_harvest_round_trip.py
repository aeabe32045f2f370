"""Harvest between two Allmende instances.

The second instance runs as a separate process (gunicorn, its own SQLite
database and data folder); its DCAT-AP.de catalog is paged with two datasets
per page. This instance harvests it, then harvests again after changes on
both sides.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.catalog import services as catalog
from allmende.catalog.models import Dataset
from allmende.catalog.vocabularies import LICENCE_BASE, THEME_BASE
from allmende.harvest.models import HarvestLogEntry, HarvestRun
from allmende.organizations.models import Organization
from tests.harvest.conftest import harvest, make_source

pytestmark = pytest.mark.django_db
HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    def __init__(self, tmp_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data = tmp_path / "remote"
        data.mkdir()
        (data / "static").mkdir()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ALLMENDE_", "DATABASE_", "REDIS_", "CELERY_"))
        }
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
                "DATABASE_URL": f"sqlite:///{data / 'remote.sqlite3'}",
                "ALLMENDE_DATA_DIR": str(data),
                "ALLMENDE_SECRET_KEY": "remote-instance-test-key",
                "ALLMENDE_SITE_URL": self.url,
                "ALLMENDE_ALLOWED_HOSTS": "127.0.0.1",
                "ALLMENDE_DCAT_PAGE_SIZE": "2",
                "ALLMENDE_TASK_MODE": "sync",
                "ALLMENDE_SCHEDULER_THREAD": "0",
                "ALLMENDE_DEBUG": "0",
            }
        )
        self.server: subprocess.Popen[bytes] | None = None

    def script(self, step: str) -> None:
        subprocess.run(
            [sys.executable, str(HERE / "remote_instance.py"), step],
            env=self.env,
            check=True,
            timeout=300,
        )

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.server = subprocess.Popen(
            [
                str(gunicorn),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
                "allmende.config.wsgi",
            ],
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/-/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.server.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError("The second instance did not start.")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()


@pytest.fixture
def other_instance(tmp_path: Path) -> Iterator[Instance]:
    instance = Instance(tmp_path)
    instance.script("setup")
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()


def test_harvest_round_trip_between_two_instances(
    other_instance: Instance, staff: User, organization: Organization
) -> None:
    source = make_source(
        staff, organization, f"{other_instance.url}/catalog.ttl", name="Fernverein"
    )

    first = harvest(source, staff)
    assert first.status == HarvestRun.Status.SUCCEEDED, first.error_text
    assert (first.pages, first.created, first.failed) == (2, 3, 0)

    playgrounds = Dataset.objects.get(title_de="Spielplätze")
    assert playgrounds.organization == organization
    assert playgrounds.status == Dataset.Status.PUBLISHED
    assert playgrounds.title_en == "Playgrounds"
    assert playgrounds.licence == LICENCE_BASE + "dl-by-de/2.0"
    assert sorted(playgrounds.keywords) == ["Freizeit", "Kinder"]
    assert list(playgrounds.themes.values_list("theme", flat=True)) == [
        THEME_BASE + "SOCI"
    ]
    assert playgrounds.spatial == "Görlitz"
    assert playgrounds.contact_email == "daten@fernverein.example.org"
    links = sorted(playgrounds.resources.values_list("kind", "format", "url"))
    assert links[0][0] == links[1][0] == "link"
    urls = [url for _kind, _format, url in links]
    assert "https://karten.example.org/spielplatze" in urls
    # The uploaded table is linked where it lies, not copied.
    original = next(url for url in urls if "download.original" in url)
    assert original.startswith(other_instance.url)
    assert httpx.get(original, timeout=10).text.startswith("Name;Geräte")
    record = playgrounds.harvest_record
    assert record.remote_url == f"{other_instance.url}/datasets/spielplatze/"
    html = Client().get(playgrounds.get_absolute_url()).content.decode()
    assert "Harvested from Fernverein" in html
    assert f'href="{record.remote_url}"' in html

    second = harvest(source, staff)
    assert (second.unchanged, second.created, second.updated) == (3, 0, 0)

    # Here someone improves one dataset; there two change and one is withdrawn.
    fountains = Dataset.objects.get(title_de="Trinkbrunnen")
    catalog.dataset_update(
        actor=staff, dataset=fountains, description_de="Von uns ergänzt."
    )
    other_instance.script("change")

    third = harvest(source, staff)
    assert third.status == HarvestRun.Status.SUCCEEDED, third.error_text
    assert (third.updated, third.skipped, third.withdrawn, third.unchanged) == (
        1,
        1,
        1,
        0,
    )
    playgrounds.refresh_from_db()
    assert playgrounds.title_de == "Spielplätze 2025"
    assert sorted(playgrounds.keywords) == ["Freizeit", "Kinder", "Sport"]
    fountains.refresh_from_db()
    assert fountains.description_de == "Von uns ergänzt."
    skipped = third.entries.get(action=HarvestLogEntry.Action.SKIPPED)
    assert skipped.dataset == fountains
    assert staff.username in skipped.reason_texts[0]
    withdrawn = third.entries.get(action=HarvestLogEntry.Action.WITHDRAWN)
    assert withdrawn.title == "Bänke im Park"
    assert Dataset.objects.filter(title_de="Bänke im Park").exists()

    fourth = harvest(source, staff)
    assert (fourth.unchanged, fourth.skipped, fourth.withdrawn) == (1, 1, 0)
