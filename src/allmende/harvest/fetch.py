"""Reading from other sites: only http(s), with a time limit and a size limit."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_noop

from allmende.core.site import site_url
from allmende.harvest.records import HarvestError

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    url: str  # after redirects
    content_type: str  # without parameters, lower case
    body: bytes


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HarvestError(
            gettext_noop("Only http and https addresses can be harvested: {url}"),
            url=url,
        )


def new_client() -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(settings.ALLMENDE_HARVEST_TIMEOUT),
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": f"Allmende-Harvester (+{site_url()})"},
    )


def _too_large(url: str, limit: int) -> HarvestError:
    return HarvestError(
        gettext_noop("The answer from {url} is larger than {limit}; it was not read."),
        url=url,
        limit=filesizeformat(limit),
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    accept: str,
    params: dict[str, str] | None = None,
) -> Answer:
    """GET ``url``; every way this can go wrong becomes a :class:`HarvestError`."""
    check_url(url)
    limit = settings.ALLMENDE_HARVEST_MAX_BYTES
    try:
        with client.stream(
            "GET", url, params=params, headers={"Accept": accept}
        ) as response:
            final = str(response.url)
            check_url(final)
            if response.status_code >= 400:
                raise HarvestError(
                    gettext_noop("{url} answered with HTTP status {status}."),
                    url=final,
                    status=response.status_code,
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_large(final, limit)
            body = bytearray()
            for chunk in response.iter_bytes(CHUNK):
                body.extend(chunk)
                if len(body) > limit:
                    raise _too_large(final, limit)
            content_type = (
                response.headers.get("content-type", "").split(";")[0].strip().lower()
            )
            return Answer(url=final, content_type=content_type, body=bytes(body))
    except httpx.TimeoutException as exc:
        raise HarvestError(
            gettext_noop("{url} did not answer within {seconds} seconds."),
            url=url,
            seconds=f"{settings.ALLMENDE_HARVEST_TIMEOUT:g}",
        ) from exc
    except httpx.TooManyRedirects as exc:
        raise HarvestError(gettext_noop("{url} redirects too often."), url=url) from exc
    except httpx.UnsupportedProtocol as exc:
        raise HarvestError(
            gettext_noop("Only http and https addresses can be harvested: {url}"),
            url=url,
        ) from exc
    except httpx.HTTPError as exc:
        raise HarvestError(
            gettext_noop("{url} could not be reached: {error}"),
            url=url,
            error=str(exc) or type(exc).__name__,
        ) from exc
