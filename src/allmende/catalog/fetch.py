"""Fetching a linked file, so that it can be loaded into a table like an upload.

A link comes from a person, so the address is not trusted: only http and https,
only addresses on the public internet (unless the operator allows private ones
with ``ALLMENDE_FETCH_PRIVATE_ADDRESSES``), each redirect checked again, the
size limit enforced before (announced length) and while reading, and time
limits for every read and for the whole transfer.

The address is checked before each request, for a clear message, and again
when the connection is made: the connection goes to the very address that was
checked, so a name that resolves to a public address for the check and to a
private one a moment later (DNS rebinding) cannot reach the private one.  When
the environment configures a proxy, the proxy resolves the name and only the
check before each request applies.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpcore
import httpx
from django.utils.translation import gettext_noop

MAX_REDIRECTS = 5
CHUNK = 1024 * 1024
# File name extensions the engine loads, by the media types servers announce.
EXTENSIONS = {
    "text/csv": ".csv",
    "application/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/json": ".json",
    "application/x-ndjson": ".ndjson",
    "application/geo+json": ".geojson",
    "application/vnd.geo+json": ".geojson",
}
LOADABLE = (".csv", ".tsv", ".txt", ".xlsx", ".json", ".ndjson", ".jsonl", ".geojson")


class FetchError(Exception):
    """A link that could not be fetched, with a message for the person."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params


@dataclass
class Fetched:
    path: Path
    filename: str
    content_type: str
    size: int
    sha256: str
    redirects: list[str] = field(default_factory=list)


def check_address(url: str, *, allow_private: bool) -> None:
    """Refuse what is not http(s) or leads to a private or local address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(
            gettext_noop(
                "Only addresses starting with http:// or https:// can be loaded."
            )
        )
    if not allow_private:
        public_addresses(parts.hostname, parts.port or 443)


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for ``host``, in the resolver's order,
    provided that every address the name resolves to is on the public
    internet."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            gettext_noop("The server {host} could not be found."), host=host
        ) from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_global:
            raise FetchError(
                gettext_noop(
                    "The address {host} is not on the public internet, so it is "
                    "not loaded."
                ),
                host=host,
            )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _PublicOnly(httpcore.SyncBackend):
    """Connects to a host only at an address checked at that moment."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        # TLS still verifies the certificate for ``host``: httpcore takes the
        # server name from the request, not from this address.
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in public_addresses(host, port):
            try:
                return super().connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the next address, as the resolver allows
        raise failure or httpcore.ConnectError(host)


def _transport(allow_private: bool) -> httpx.HTTPTransport | None:
    """The transport for a download: ``None`` (httpx's own, which honours the
    proxy settings of the environment) when private addresses are allowed or
    a proxy is configured, else one that connects only to checked addresses.
    Through a proxy, the proxy resolves the name; the check before each
    request still applies."""
    proxies = urllib.request.getproxies()
    proxies.pop("no", None)  # ``no_proxy`` names hosts, it configures no proxy
    if allow_private or any(proxies.values()):
        return None
    transport = httpx.HTTPTransport()
    # httpx has no public way to choose httpcore's network backend; the
    # versions of both are pinned.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_PublicOnly()
    )
    return transport


def _filename(url: str, response: httpx.Response) -> str:
    disposition = response.headers.get("content-disposition", "")
    name = ""
    if disposition:
        message = Message()
        message["content-disposition"] = disposition
        name = message.get_filename() or ""
    if not name:
        name = unquote(PurePosixPath(urlsplit(url).path).name)
    name = Path(name.replace("\\", "/")).name.strip() or "download"
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if not name.lower().endswith(LOADABLE) and content_type in EXTENSIONS:
        name += EXTENSIONS[content_type]
    return name[:200]


def fetch(
    url: str,
    folder: Path,
    *,
    max_bytes: int,
    allow_private: bool = False,
    timeout: float = 30.0,
    total_seconds: float = 600.0,
    progress: Callable[[float], None] | None = None,
) -> Fetched:
    """Download ``url`` into ``folder``; raises :class:`FetchError` on any failure."""
    deadline = time.monotonic() + total_seconds
    redirects: list[str] = []
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    headers = {"User-Agent": "Allmende (open data catalog)", "Accept": "*/*"}
    with httpx.Client(
        timeout=limits,
        follow_redirects=False,
        headers=headers,
        transport=_transport(allow_private),
    ) as client:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            check_address(current, allow_private=allow_private)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        redirects.append(current)
                        current = urljoin(current, response.headers["location"])
                        continue
                    fetched = _save(
                        current, response, folder, max_bytes, deadline, progress
                    )
                    fetched.redirects = redirects
                    return fetched
            except httpx.TimeoutException as exc:
                raise FetchError(
                    gettext_noop("The server at {host} did not answer in time."),
                    host=urlsplit(current).hostname or current,
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    gettext_noop("The server at {host} could not be reached."),
                    host=urlsplit(current).hostname or current,
                ) from exc
        raise FetchError(gettext_noop("The address redirects too often."))


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.1f}" if megabytes < 10 else f"{megabytes:.0f}"


def _save(
    url: str,
    response: httpx.Response,
    folder: Path,
    max_bytes: int,
    deadline: float,
    progress: Callable[[float], None] | None,
) -> Fetched:
    if response.status_code >= 400:
        raise FetchError(
            gettext_noop("The server answered with error {status} for this address."),
            status=response.status_code,
        )
    content_type = response.headers.get("content-type", "").split(";")[0].strip()
    if content_type in ("text/html", "application/xhtml+xml"):
        raise FetchError(
            gettext_noop(
                "The address leads to a web page, not to a data file. Please link "
                "the file itself (for example its download address)."
            )
        )
    announced = response.headers.get("content-length", "")
    expected = int(announced) if announced.isdigit() else 0
    if expected > max_bytes:
        raise FetchError(
            gettext_noop("The file is {size} MB, but files can be at most {limit} MB."),
            size=_megabytes(expected),
            limit=_megabytes(max_bytes),
        )
    filename = _filename(url, response)
    target = folder / "download"
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        for chunk in response.iter_bytes(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    gettext_noop("The file is larger than {limit} MB, the limit."),
                    limit=_megabytes(max_bytes),
                )
            if time.monotonic() > deadline:
                raise FetchError(gettext_noop("Downloading the file took too long."))
            digest.update(chunk)
            out.write(chunk)
            if progress is not None and expected:
                progress(size / expected)
    return Fetched(
        path=target,
        filename=filename,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
    )
