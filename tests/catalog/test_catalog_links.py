"""Linked files: fetched from a real HTTP server and loaded like uploads."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog import fetch, services
from allmende.catalog.models import Dataset, Resource, ResourceVersion
from allmende.core import http
from allmende.organizations.models import Organization
from tests.catalog.conftest import TESTDATA
from tests.catalog.factories import DatasetFactory, jobs
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

CSV = (TESTDATA / "semicolon_decimal_comma.csv").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    """A small file server whose paths stand for what servers out there do."""

    requests: list[str] = []  # noqa: RUF012 - shared on purpose, reset per test
    hosts: list[str] = []  # noqa: RUF012 - the Host header of each request

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        type(self).hosts.append(self.headers.get("Host", ""))
        if self.path == "/data/mitglieder.csv":
            self._send(200, CSV, Content_Type="text/csv; charset=utf-8")
        elif self.path == "/api/export?format=csv":
            self._send(
                200,
                CSV,
                Content_Type="text/csv",
                Content_Disposition='attachment; filename="export 2024.csv"',
            )
        elif self.path == "/moved":
            self._send(302, b"", Location="/data/mitglieder.csv")
        elif self.path == "/loop":
            self._send(302, b"", Location="/loop")
        elif self.path == "/page":
            self._send(
                200, b"<!doctype html><title>x</title>", Content_Type="text/html"
            )
        elif self.path == "/disguised.csv":
            self._send(
                200, b"<svg><script>alert(1)</script></svg>", Content_Type="text/csv"
            )
        elif self.path == "/huge.csv":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(10 * 1024 * 1024 * 1024))
            self.end_headers()
        elif self.path == "/unannounced.csv":
            # No length announced: the limit must hold while reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            line = b"a;b\n" + b"1;2\n" * 100_000
            self.wfile.write(line)
        else:
            self._send(404, b"not here", Content_Type="text/plain")


@pytest.fixture
def file_server(settings: Any) -> Iterator[str]:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    _Handler.requests = []
    _Handler.hosts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _link(owner: User, dataset: Dataset, url: str) -> Resource:
    with jobs():
        return services.resource_create(
            actor=owner, dataset=dataset, title_de="Mitglieder", url=url, load=True
        )


def test_linked_csv_is_fetched_and_loaded_into_a_table(
    file_server: str, org_admin: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}/data/mitglieder.csv")

    version = resource.versions.get()
    assert version.status == ResourceVersion.Status.READY, version.error_template
    assert version.filename == "mitglieder.csv"
    assert version.byte_size == len(CSV)
    assert version.original.read() == CSV
    assert len(version.checksum_sha256) == 64
    resource.refresh_from_db()
    assert resource.kind == Resource.Kind.LINK
    assert resource.current_version == version
    assert version.row_count and version.row_count > 0

    page = client_for(org_admin).get(resource.get_absolute_url()).content.decode()
    assert "Open the linked data" in page
    assert "Fetch the linked file again" in page
    assert 'id="preview"' in page


def test_fetching_again_makes_a_new_version_and_keeps_the_old_one(
    file_server: str, org_admin: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}/api/export?format=csv")
    with jobs():
        response = client_for(org_admin).post(
            f"/datasets/{dataset.slug}/resources/{resource.pk}/fetch/"
        )
    assert response.status_code == 302
    numbers = list(resource.versions.values_list("number", "status", "filename"))
    assert numbers == [(2, "ready", "export 2024.csv"), (1, "ready", "export 2024.csv")]
    resource.refresh_from_db()
    assert resource.current_version is not None
    assert resource.current_version.number == 2


def test_redirect_is_followed(
    file_server: str, org_admin: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}/moved")
    version = resource.versions.get()
    assert version.status == ResourceVersion.Status.READY
    assert _Handler.requests == ["/moved", "/data/mitglieder.csv"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.csv", "The server answered with error 404 for this address."),
        ("/loop", "The address redirects too often."),
        ("/page", "The address leads to a web page, not to a data file."),
        ("/huge.csv", "The file is 10240 MB, but files can be at most 1.0 MB."),
        ("/unannounced.csv", "The file is larger than 0.1 MB, the limit."),
    ],
)
def test_a_link_that_cannot_be_fetched_fails_with_a_clear_message(
    file_server: str,
    org_admin: User,
    organization: Organization,
    settings: Any,
    path: str,
    message: str,
) -> None:
    settings.ALLMENDE_MAX_UPLOAD_BYTES = (
        1024 * 1024 if path == "/huge.csv" else 100 * 1024
    )
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}{path}")
    version = resource.versions.get()
    assert version.status == ResourceVersion.Status.FAILED
    assert not version.original
    assert services.error_text(version.error_template, version.error_params).startswith(
        message
    )
    page = client_for(org_admin).get(resource.get_absolute_url()).content.decode()
    assert "could not be loaded" in page


def test_failed_fetch_keeps_the_previous_table(
    file_server: str, org_admin: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}/data/mitglieder.csv")
    Resource.objects.filter(pk=resource.pk).update(url=f"{file_server}/gone.csv")
    resource.refresh_from_db()
    with jobs():
        services.resource_fetch_again(actor=org_admin, resource=resource)
    resource.refresh_from_db()
    assert resource.current_version is not None
    assert resource.current_version.number == 1
    assert resource.versions.get(number=2).status == ResourceVersion.Status.FAILED


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/data.csv",
        "http://localhost/data.csv",
        "http://10.1.2.3/data.csv",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/data.csv",
        "ftp://example.org/data.csv",
        "file:///etc/passwd",
    ],
)
def test_private_and_non_web_addresses_are_refused(url: str) -> None:
    with pytest.raises(fetch.FetchError) as caught:
        fetch.check_address(url, allow_private=False)
    assert caught.value.template in (
        "The address {host} is not on the public internet, so it is not loaded.",
        "Only addresses starting with http:// or https:// can be loaded.",
    )


def test_a_name_that_turns_private_after_the_check_is_not_reached(
    file_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name resolves to a public address when it is
    checked and to a private one when the connection is made."""
    port = int(file_server.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = iter(["93.184.215.14", "127.0.0.1", "127.0.0.1"])

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "files.example":
            address = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://files.example:{port}/data/mitglieder.csv"
    with pytest.raises(fetch.FetchError) as caught:
        fetch.fetch(url, tmp_path, max_bytes=10**6, allow_private=False)
    assert "not on the public internet" in caught.value.template
    assert _Handler.requests == []


def test_the_connection_goes_to_the_checked_address(
    file_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = int(file_server.rsplit(":", 1)[1])
    checked: list[str] = []

    def vetted(host: str, port: int) -> list[str]:
        checked.append(host)
        return ["127.0.0.1"]  # stands for the public address that was checked

    monkeypatch.setattr(http, "public_addresses", vetted)
    url = f"http://files.example:{port}/data/mitglieder.csv"
    fetched = fetch.fetch(url, tmp_path, max_bytes=10**6, allow_private=False)
    assert fetched.path.read_bytes() == CSV
    # Checked before the request and again when connecting, and the request
    # still names the host it was meant for.
    assert checked == ["files.example", "files.example"]
    assert _Handler.hosts == [f"files.example:{port}"]


def test_the_next_checked_address_is_tried_when_one_refuses(
    file_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = int(file_server.rsplit(":", 1)[1])
    # Nothing listens on 127.0.0.2; the server does on 127.0.0.1.
    monkeypatch.setattr(
        http, "public_addresses", lambda h, p: ["127.0.0.2", "127.0.0.1"]
    )
    url = f"http://files.example:{port}/data/mitglieder.csv"
    fetched = fetch.fetch(url, tmp_path, max_bytes=10**6, allow_private=False)
    assert fetched.path.read_bytes() == CSV


def test_with_a_proxy_the_environment_decides_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "localhost")
    assert http._transport(allow_private=False) is not None
    assert http._transport(allow_private=True) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    # The proxy resolves names; httpx's own transport uses it.
    assert http._transport(allow_private=False) is None


def test_private_address_refused_by_the_job_by_default(
    file_server: str, org_admin: User, organization: Organization, settings: Any
) -> None:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = False
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}/data/mitglieder.csv")
    version = resource.versions.get()
    assert version.status == ResourceVersion.Status.FAILED
    assert _Handler.requests == []


def test_link_without_loading_stays_a_plain_link(
    org_admin: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = services.resource_create(
        actor=org_admin,
        dataset=dataset,
        title_de="Portal",
        url="https://example.org/portal",
        format="API",
    )
    assert not resource.versions.exists()


def test_only_editors_may_fetch_again(
    file_server: str, org_admin: User, organization: Organization, user: User
) -> None:
    dataset = DatasetFactory(organization=organization)
    resource = _link(org_admin, dataset, f"{file_server}/data/mitglieder.csv")
    response = client_for(user).post(
        f"/datasets/{dataset.slug}/resources/{resource.pk}/fetch/"
    )
    assert response.status_code in (403, 404)
    assert resource.versions.count() == 1


def test_web_form_creates_a_loaded_link(
    file_server: str, org_admin: User, organization: Organization
) -> None:
    dataset = DatasetFactory(organization=organization)
    with jobs():
        response = client_for(org_admin).post(
            f"/datasets/{dataset.slug}/resources/new/",
            {
                "title_de": "Mitglieder",
                "url": f"{file_server}/data/mitglieder.csv",
                "load": "on",
                "submission_key": "3b0c9d1e-2f4a-4c8b-9e7d-6a5f4e3d2c1b",
            },
        )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.versions.get().status == ResourceVersion.Status.READY
