"""A real local HTTP server that plays other catalogs, serving ``testdata/``.

Routes besides the files themselves:

``/generic/<file>``   the file as ``application/octet-stream`` (format by extension)
``/ckan/api/3/action/package_search?rows=&start=``   ``ckan-page<n>.json`` by ``start``
``/slow/<file>``      answers after two seconds
``/missing``          404
``/error``            500

``other_instance`` is a second Allmende in its own process (see ``instance.py``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from allmende.accounts.models import User
from allmende.harvest import services
from allmende.harvest.models import HarvestRun, HarvestSource
from allmende.organizations.models import Organization
from tests.catalog.factories import jobs
from tests.harvest.instance import Instance, migrated_database

TESTDATA = Path(__file__).resolve().parent / "testdata"
CONTENT_TYPES = {
    ".ttl": "text/turtle; charset=utf-8",
    ".rdf": "application/rdf+xml",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


class Handler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the time-out test)

    def do_GET(self) -> None:
        Handler.requests.append(self.path)
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/missing":
            return self._send(404, b"Not found", "text/plain")
        if path == "/error":
            return self._send(500, b"Internal error", "text/plain")
        if path == "/ckan/api/3/action/package_search":
            query = parse_qs(parts.query)
            rows = int(query.get("rows", ["2"])[0])
            start = int(query.get("start", ["0"])[0])
            name = f"ckan-page{start // rows + 1}.json"
            if not (TESTDATA / name).exists():
                body = b'{"success": true, "result": {"count": 3, "results": []}}'
                return self._send(200, body, "application/json")
            return self._send(200, (TESTDATA / name).read_bytes(), "application/json")
        generic = path.startswith("/generic/")
        if path.startswith("/slow/"):
            time.sleep(2)
        name = path.rsplit("/", 1)[-1]
        file = TESTDATA / name
        if not name or not file.is_file():
            return self._send(404, b"Not found", "text/plain")
        content_type = (
            "application/octet-stream"
            if generic
            else CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        )
        return self._send(200, file.read_bytes(), content_type)


@pytest.fixture(scope="session")
def remote() -> Iterator[str]:
    """The base URL of the local server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _harvest_settings(settings: Any, tmp_path: Path) -> None:
    settings.ALLMENDE_HARVEST_CKAN_ROWS = 2
    settings.ALLMENDE_HARVEST_TIMEOUT = 10.0
    # The sources of these tests are served on this machine.
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path / "data"


def make_source(
    actor: User,
    organization: Organization,
    url: str,
    kind: str = HarvestSource.Kind.DCAT,
    name: str = "Beispielstadt",
    **fields: Any,
) -> HarvestSource:
    return services.source_create(
        actor=actor,
        name=name,
        kind=kind,
        url=url,
        organization=organization,
        **fields,
    )


def harvest(source: HarvestSource, actor: User) -> HarvestRun:
    """Start a run as ``actor`` and run its job (at once, as after a commit)."""
    with jobs():
        run = services.run_start(actor=actor, source=source)
    run.refresh_from_db()
    return run


@pytest.fixture(scope="session")
def remote_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_database(tmp_path_factory.mktemp("remote-template"))


@pytest.fixture
def other_instance(tmp_path: Path, remote_template: Path) -> Iterator[Instance]:
    instance = Instance(tmp_path, template=remote_template)
    instance.script("setup")
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()
