"""Maintenance signals of a tool, read from other servers.

Whether a tool's addresses still answer, and when its last release or commit
was, according to the public API of the Git forge its source lives on
(GitHub, GitLab, Gitea/Forgejo such as Codeberg; see
``ALLMENDE_KNOWLEDGE_FORGE_HOSTS``) or an Atom feed of its releases. Every
request goes through :mod:`allmende.core.http` (only public addresses unless
configured, time and size limits); every failure becomes a message for
staff, never an exception for the caller.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext_noop

from allmende.core import http
from allmende.core.http import FetchError

ATOM = "{http://www.w3.org/2005/Atom}"
# The largest answer read from a forge's API or a feed; what these calls
# return is a few kilobytes.
MAX_SIGNAL_BYTES = 1024 * 1024
# Statuses that say an address is gone or its server broken. Others (401,
# 403, 429 …) come from servers that are there but keep robots out.
BROKEN_STATUSES = frozenset({404, 410})
USER_AGENT = "Allmende (tool directory check)"


@dataclass(frozen=True)
class Forge:
    kind: str  # "github", "gitlab" or "gitea"
    api: str  # the API's base address, without a trailing slash
    project: str  # "owner/name" (GitLab: the whole path of the project)


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    status: int | None = None
    error_template: str = ""
    error_params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Activity:
    at: datetime | None = None
    kind: str = ""  # "release" or "commit"
    error_template: str = ""
    error_params: dict[str, Any] = field(default_factory=dict)


def forge_for(source_url: str) -> Forge | None:
    """The forge of a source address, if it is one whose API is known."""
    if not source_url:
        return None
    parts = urlsplit(source_url)
    hosts = settings.ALLMENDE_KNOWLEDGE_FORGE_HOSTS
    known = hosts.get(parts.netloc.lower()) or hosts.get(parts.hostname or "")
    if known is None:
        return None
    kind, api = known
    path = parts.path.strip("/").removesuffix(".git")
    if kind == "gitlab":
        path = path.split("/-/")[0].strip("/")
        segments = path.split("/") if path else []
    else:
        segments = path.split("/")[:2] if path else []
    if len(segments) < 2 or not all(segments):
        return None
    return Forge(kind=kind, api=api.rstrip("/"), project="/".join(segments))


class HostLimiter:
    """One request at a time per host, however many checks run at once."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            yield


class PoliteClient:
    """A guarded :class:`http.Client` that holds its host's turn for every
    request (redirects to another host are followed within that turn)."""

    def __init__(self, client: http.Client, limiter: HostLimiter) -> None:
        self.client = client
        self.limiter = limiter

    @contextmanager
    def stream(self, url: str, *, headers: dict[str, str]) -> Iterator[httpx.Response]:
        with self.limiter.hold(url), self.client.stream(url, headers=headers) as r:
            yield r

    def get(
        self,
        url: str,
        *,
        accept: str,
        max_bytes: int,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> http.Answer:
        with self.limiter.hold(url):
            return self.client.get(
                url, accept=accept, max_bytes=max_bytes, params=params, headers=headers
            )


def _client() -> http.Client:
    timeout = settings.ALLMENDE_KNOWLEDGE_CHECK_TIMEOUT
    return http.Client(
        allow_private=settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES,
        timeout=timeout,
        # Five addresses and two API calls at most per tool.
        total_seconds=timeout * 8,
        user_agent=USER_AGENT,
    )


def probe(client: PoliteClient, url: str) -> LinkResult:
    """Whether ``url`` still answers; the body is not read."""
    try:
        with client.stream(
            url, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        ) as response:
            status = response.status_code
    except FetchError as exc:
        return LinkResult(False, None, exc.template, dict(exc.params))
    if status in BROKEN_STATUSES or status >= 500:
        return LinkResult(
            False,
            status,
            gettext_noop("The address answered with HTTP status {status}."),
            {"status": status},
        )
    return LinkResult(True, status)


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _json(
    client: PoliteClient,
    url: str,
    params: dict[str, str],
    headers: dict[str, str] | None = None,
) -> Any:
    answer = client.get(
        url,
        accept="application/json",
        max_bytes=MAX_SIGNAL_BYTES,
        params=params,
        headers=headers,
    )
    try:
        return json.loads(answer.body)
    except ValueError:
        raise FetchError(
            gettext_noop("The server at {host} did not answer with JSON."),
            host=_host(url),
        ) from None


def _date(value: Any, url: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise FetchError(
            gettext_noop("The answer from {host} holds no date that can be read."),
            host=_host(url),
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _dig(data: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def _status_of(exc: FetchError) -> int | None:
    status = exc.params.get("status")
    return status if isinstance(status, int) else None


def _github(client: PoliteClient, forge: Forge) -> Activity:
    base = f"{forge.api}/repos/{forge.project}"
    # Without a token GitHub answers 60 requests an hour per address; with
    # one, 5,000. The token goes to GitHub's API only.
    token = settings.ALLMENDE_KNOWLEDGE_GITHUB_TOKEN
    auth = {"Authorization": f"Bearer {token}"} if token else None
    try:
        release = _json(client, f"{base}/releases/latest", {}, auth)
    except FetchError as exc:
        if _status_of(exc) != 404:
            raise
        release = None  # no release yet: the last commit tells
    published = _dig(release, "published_at")
    if published:
        return Activity(_date(published, base), "release")
    commits = _json(client, f"{base}/commits", {"per_page": "1"}, auth)
    return Activity(
        _date(_dig(commits, 0, "commit", "committer", "date"), base), "commit"
    )


def _gitlab(client: PoliteClient, forge: Forge) -> Activity:
    base = f"{forge.api}/projects/{quote(forge.project, safe='')}"
    releases = _json(client, f"{base}/releases", {"per_page": "1"})
    released = _dig(releases, 0, "released_at")
    if released:
        return Activity(_date(released, base), "release")
    commits = _json(client, f"{base}/repository/commits", {"per_page": "1"})
    return Activity(_date(_dig(commits, 0, "committed_date"), base), "commit")


def _gitea(client: PoliteClient, forge: Forge) -> Activity:
    base = f"{forge.api}/repos/{forge.project}"
    releases = _json(client, f"{base}/releases", {"limit": "1", "draft": "false"})
    published = _dig(releases, 0, "published_at")
    if published:
        return Activity(_date(published, base), "release")
    commits = _json(
        client,
        f"{base}/commits",
        {"limit": "1", "stat": "false", "verification": "false", "files": "false"},
    )
    return Activity(
        _date(_dig(commits, 0, "commit", "committer", "date"), base), "commit"
    )


def _feed(client: PoliteClient, url: str) -> Activity:
    answer = client.get(
        url,
        accept="application/atom+xml,application/xml;q=0.9",
        max_bytes=MAX_SIGNAL_BYTES,
    )
    try:
        root = ElementTree.fromstring(answer.body)
    except Exception:  # defusedxml raises several kinds for refused input
        raise FetchError(
            gettext_noop("The feed at {host} is not an Atom feed that can be read."),
            host=_host(url),
        ) from None
    dates = [
        _date(
            entry.findtext(f"{ATOM}updated") or entry.findtext(f"{ATOM}published"), url
        )
        for entry in root.iter(f"{ATOM}entry")
    ]
    if root.tag != f"{ATOM}feed" or not dates:
        raise FetchError(
            gettext_noop("The feed at {host} lists no releases."), host=_host(url)
        )
    return Activity(max(dates), "release")


READERS = {"github": _github, "gitlab": _gitlab, "gitea": _gitea}


def activity(client: PoliteClient, *, source_url: str, feed_url: str) -> Activity:
    """The last release or commit; an :class:`Activity` without a date when
    there is nothing to ask, or with the error that came up."""
    forge = forge_for(source_url)
    try:
        if forge is not None:
            return READERS[forge.kind](client, forge)
        if feed_url:
            return _feed(client, feed_url)
    except FetchError as exc:
        return Activity(error_template=exc.template, error_params=dict(exc.params))
    return Activity()


@dataclass(frozen=True)
class CheckResult:
    links: dict[str, tuple[str, LinkResult]]  # kind -> (address, result)
    activity: Activity


def check(
    addresses: dict[str, str],
    *,
    source_url: str,
    feed_url: str,
    limiter: HostLimiter | None = None,
) -> CheckResult:
    """Check every address (kind -> address, empty ones left out) and read the
    last release or commit, one request after the other; ``limiter`` is
    shared by checks that run at the same time. Touches no database, so it
    may run in any thread."""
    with _client() as guarded:
        client = PoliteClient(guarded, limiter or HostLimiter())
        links = {
            kind: (url, probe(client, url)) for kind, url in addresses.items() if url
        }
        found = activity(client, source_url=source_url, feed_url=feed_url)
    return CheckResult(links=links, activity=found)
