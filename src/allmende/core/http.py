"""The one way Allmende reads from other servers (linked files, harvesting).

An address comes from a person or from another site, so it is not trusted:
only http and https, only addresses on the public internet (unless the
operator allows private ones with ``ALLMENDE_FETCH_PRIVATE_ADDRESSES``), each
redirect checked again, a size limit enforced before (announced length) and
while reading, and time limits for every read and for the whole piece of work.

The address is checked before each request, for a clear message, and again
when the connection is made: the connection goes to the very address that was
checked, so a name that resolves to a public address for the check and to a
private one a moment later (DNS rebinding) cannot reach the private one.  When
the environment configures a proxy, the proxy resolves the name and only the
check before each request applies.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_noop

MAX_REDIRECTS = 5
CHUNK = 64 * 1024


class FetchError(Exception):
    """An address that could not be read, with a message for the person."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template.format(**params))
        self.template = template
        self.params = params


@dataclass(frozen=True)
class Answer:
    url: str  # after redirects
    content_type: str  # without parameters, lower case
    body: bytes


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
    """``None`` (httpx's own transport, which honours the proxy settings of
    the environment) when private addresses are allowed or a proxy is
    configured, else one that connects only to checked addresses. Through a
    proxy, the proxy resolves the name; the check before each request still
    applies."""
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


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


class Client:
    """An HTTP client under one policy: which addresses it may reach, how long
    one request may take (``timeout``) and how long all its requests together
    may take (``total_seconds``, from the moment it is made)."""

    def __init__(
        self,
        *,
        allow_private: bool,
        timeout: float,
        total_seconds: float,
        user_agent: str,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.deadline = time.monotonic() + total_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": user_agent, "Accept": "*/*"},
            transport=_transport(allow_private),
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise FetchError(gettext_noop("Reading from other servers took too long."))

    def _request_timeout(self) -> httpx.Timeout:
        remaining = max(self.deadline - time.monotonic(), 0.001)
        seconds = min(self.timeout, remaining)
        return httpx.Timeout(seconds, connect=min(seconds, 10.0))

    @contextmanager
    def stream(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Iterator[httpx.Response]:
        """GET ``url``, following redirects and checking every hop; the
        response's ``url`` is the address that answered. Every failure is a
        :class:`FetchError`."""
        current = str(httpx.URL(url, params=params)) if params else url
        redirects = 0
        while True:
            check_address(current, allow_private=self.allow_private)
            self.check_time()
            try:
                with self._client.stream(
                    "GET", current, headers=headers, timeout=self._request_timeout()
                ) as response:
                    if response.is_redirect and "location" in response.headers:
                        redirects += 1
                        if redirects > MAX_REDIRECTS:
                            raise FetchError(
                                gettext_noop("The address redirects too often.")
                            )
                        current = urljoin(current, response.headers["location"])
                        continue
                    yield response
                    return
            except httpx.TimeoutException as exc:
                raise FetchError(
                    gettext_noop("The server at {host} did not answer in time."),
                    host=_host(current),
                ) from exc
            except httpx.HTTPError as exc:
                raise FetchError(
                    gettext_noop("The server at {host} could not be reached."),
                    host=_host(current),
                ) from exc

    def iter_bytes(self, response: httpx.Response, chunk: int) -> Iterator[bytes]:
        """The body in pieces, stopping at the client's deadline."""
        for piece in response.iter_bytes(chunk):
            self.check_time()
            yield piece

    def get(
        self,
        url: str,
        *,
        accept: str,
        max_bytes: int,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """The whole answer of ``url``, at most ``max_bytes`` long; an error
        status is a :class:`FetchError`. ``headers`` are sent besides
        ``Accept`` (for example an API's token)."""
        sent = {**(headers or {}), "Accept": accept}
        with self.stream(url, headers=sent, params=params) as response:
            final = str(response.url)
            if response.status_code >= 400:
                raise FetchError(
                    gettext_noop("{url} answered with HTTP status {status}."),
                    url=final,
                    status=response.status_code,
                )
            declared = response.headers.get("content-length", "")
            too_large = FetchError(
                gettext_noop(
                    "The answer from {url} is larger than {limit}; it was not read."
                ),
                url=final,
                limit=filesizeformat(max_bytes),
            )
            if declared.isdigit() and int(declared) > max_bytes:
                raise too_large
            body = bytearray()
            for piece in self.iter_bytes(response, CHUNK):
                body.extend(piece)
                if len(body) > max_bytes:
                    raise too_large
            content_type = (
                response.headers.get("content-type", "").split(";")[0].strip().lower()
            )
            return Answer(url=final, content_type=content_type, body=bytes(body))


def post(
    client: Client,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    max_bytes: int,
) -> tuple[int, bytes]:
    """POST ``content`` to ``url`` under ``client``'s policy, without following
    redirects (a webhook that moved is a failure); the status and at most
    ``max_bytes`` of the answer. Every failure to reach it is a
    :class:`FetchError`."""
    check_address(url, allow_private=client.allow_private)
    client.check_time()
    try:
        with client._client.stream(
            "POST",
            url,
            content=content,
            headers=headers,
            timeout=client._request_timeout(),
        ) as response:
            body = bytearray()
            for piece in client.iter_bytes(response, CHUNK):
                body.extend(piece)
                if len(body) > max_bytes:
                    break
            return response.status_code, bytes(body[:max_bytes])
    except httpx.TimeoutException as exc:
        raise FetchError(
            gettext_noop("The server at {host} did not answer in time."),
            host=_host(url),
        ) from exc
    except httpx.HTTPError as exc:
        raise FetchError(
            gettext_noop("The server at {host} could not be reached."),
            host=_host(url),
        ) from exc
