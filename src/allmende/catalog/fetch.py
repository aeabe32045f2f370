"""Fetching a linked file, so that it can be loaded into a table like an upload.

A link comes from a person, so the address is not trusted; the rules for
reaching other servers are those of :mod:`allmende.core.http`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx
from django.utils.translation import gettext_noop

from allmende.catalog import formats
from allmende.core import http
from allmende.core.http import FetchError, check_address

__all__ = ["FetchError", "Fetched", "check_address", "fetch"]

CHUNK = 1024 * 1024


@dataclass
class Fetched:
    path: Path
    filename: str
    content_type: str
    size: int
    sha256: str


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
    extension = formats.extension_of_media_type(content_type)
    if not name.lower().endswith(formats.loadable_extensions()) and extension:
        name += extension
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
    with (
        http.Client(
            allow_private=allow_private,
            timeout=timeout,
            total_seconds=total_seconds,
            user_agent="Allmende (open data catalog)",
        ) as client,
        client.stream(url) as response,
    ):
        return _save(client, response, folder, max_bytes, progress)


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.1f}" if megabytes < 10 else f"{megabytes:.0f}"


def _save(
    client: http.Client,
    response: httpx.Response,
    folder: Path,
    max_bytes: int,
    progress: Callable[[float], None] | None,
) -> Fetched:
    url = str(response.url)
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
        for chunk in client.iter_bytes(response, CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    gettext_noop("The file is larger than {limit} MB, the limit."),
                    limit=_megabytes(max_bytes),
                )
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
