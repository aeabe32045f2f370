"""The maintenance check against a real local HTTP server that plays the
forges (GitHub, GitLab, Gitea), an Atom feed and broken or odd servers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from allmende.core import scheduler
from allmende.knowledge import services
from allmende.knowledge.maintenance import forge_for
from allmende.knowledge.models import Tool, ToolLink
from allmende.notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import editor, make_tool

pytestmark = pytest.mark.django_db

RECENT = (timezone.now() - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
OLD = "2021-03-01T10:00:00Z"
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Releases</title>
<entry><title>1.0</title><updated>2022-01-01T00:00:00Z</updated></entry>
<entry><title>1.1</title><updated>{RECENT}</updated></entry>
</feed>""".encode()


class _Forge(BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - shared on purpose, reset per test
    # Requests being answered at this moment, by Host header, and the most
    # seen at once (per host and in all).
    lock = threading.Lock()
    busy: dict[str, int] = {}  # noqa: RUF012
    most: dict[str, int] = {}  # noqa: RUF012
    authorization: dict[str, str] = {}  # noqa: RUF012 - by path

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def do_GET(self) -> None:  # noqa: C901 - one branch per thing servers do
        type(self).requests.append(self.path)
        type(self).authorization[self.path.split("?")[0]] = self.headers.get(
            "Authorization", ""
        )
        path = self.path.split("?")[0]
        if path in ("/", "/home", "/privacy", "/jitsi/jitsi-meet"):
            self._send(200, b"<!doctype html><title>ok</title>", "text/html")
        elif path == "/slow-page":
            host = self.headers.get("Host", "").split(":")[0]
            with _Forge.lock:
                _Forge.busy[host] = _Forge.busy.get(host, 0) + 1
                _Forge.most[host] = max(_Forge.most.get(host, 0), _Forge.busy[host])
                everyone = sum(_Forge.busy.values())
                _Forge.most["*"] = max(_Forge.most.get("*", 0), everyone)
            time.sleep(0.2)
            with _Forge.lock:
                _Forge.busy[host] -= 1
            self._send(200, b"<!doctype html><title>ok</title>", "text/html")
        elif path == "/gone":
            self._send(404, b"not here", "text/plain")
        elif path == "/api/gh/repos/jitsi/jitsi-meet/releases/latest":
            self._json({"tag_name": "2.0", "published_at": RECENT})
        elif path == "/api/gh/repos/old/project/releases/latest":
            self._json({"message": "Not Found"}, 404)
        elif path == "/api/gh/repos/old/project/commits":
            self._json([{"commit": {"committer": {"date": OLD}}}])
        elif path == "/api/gl/projects/group%2Fsub%2Fpad/releases":
            self._json([{"released_at": RECENT}])
        elif path == "/api/gt/repos/verein/cloud/releases":
            self._json([])
        elif path == "/api/gt/repos/verein/cloud/commits":
            self._json([{"commit": {"committer": {"date": RECENT}}}])
        elif path == "/api/gh/repos/html/answer/releases/latest":
            self._send(200, b"<!doctype html><p>Sign in</p>", "text/html")
        elif path == "/api/gh/repos/huge/answer/releases/latest":
            self._send(200, b"[" + b" " * (10 * 1024 * 1024) + b"]", "application/json")
        elif path == "/api/gh/repos/slow/answer/releases/latest":
            time.sleep(3)
            self._json({"published_at": RECENT})
        elif path == "/releases.atom":
            self._send(200, ATOM, "application/atom+xml")
        elif path == "/bomb.atom":
            bomb = (
                b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol2 "&lol;&lol;&lol;">]>'
                b'<feed xmlns="http://www.w3.org/2005/Atom">&lol2;</feed>'
            )
            self._send(200, bomb, "application/atom+xml")
        else:
            self._send(404, b"not here", "text/plain")


@pytest.fixture
def forge(settings: Any) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    settings.ALLMENDE_KNOWLEDGE_CHECK_TIMEOUT = 1.0
    host = f"127.0.0.1:{server.server_address[1]}"
    # One local server plays three forges, told apart by the first path part.
    settings.ALLMENDE_KNOWLEDGE_FORGE_HOSTS = {host: ("github", f"{base}/api/gh")}
    _Forge.requests = []
    _Forge.busy, _Forge.most, _Forge.authorization = {}, {}, {}
    yield base
    server.shutdown()
    server.server_close()


def _check(tool: Tool) -> Tool:
    assert services.tool_check(tool_id=tool.pk)
    tool.refresh_from_db()
    return tool


def test_github_release_date_and_working_links_are_stored(forge: str) -> None:
    tool = make_tool(
        homepage_url=f"{forge}/home",
        source_url=f"{forge}/jitsi/jitsi-meet",
        privacy_url=f"{forge}/privacy",
    )
    updated = tool.updated_at
    tool = _check(tool)
    assert tool.activity_kind == "release"
    assert tool.activity_at == datetime.fromisoformat(RECENT)
    assert tool.checked_at is not None and not tool.links_broken
    assert tool.updated_at == updated  # a check is not an editor's change
    assert set(ToolLink.objects.filter(tool=tool).values_list("kind", "ok")) == {
        ("homepage", True),
        ("source", True),
        ("privacy", True),
    }
    page = Client().get(tool.get_absolute_url())
    assert b"last release 3\xc2\xa0months ago" in page.content
    german = Client().get(tool.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    assert "letzte Veröffentlichung: 3\xa0Monate her".encode() in german.content


def test_without_a_release_the_last_commit_counts_and_an_old_one_is_flagged(
    forge: str,
) -> None:
    tool = _check(make_tool(source_url=f"{forge}/old/project"))
    assert tool.activity_kind == "commit"
    assert tool.activity_at == datetime(2021, 3, 1, 10, tzinfo=UTC)
    assert tool.looks_unmaintained
    staff = client_for(StaffFactory())
    assert b"Jitsi Meet" in staff.get("/tools/maintenance/").content
    assert b"Jitsi Meet" in staff.get("/dashboard/").content


def test_a_github_token_goes_to_the_api_only(forge: str, settings: Any) -> None:
    settings.ALLMENDE_KNOWLEDGE_GITHUB_TOKEN = "ghp_example"
    _check(make_tool(homepage_url=f"{forge}/home", source_url=f"{forge}/old/project"))
    assert _Forge.authorization["/api/gh/repos/old/project/releases/latest"] == (
        "Bearer ghp_example"
    )
    assert _Forge.authorization["/api/gh/repos/old/project/commits"] == (
        "Bearer ghp_example"
    )
    assert _Forge.authorization["/home"] == ""


def test_gitlab_and_gitea_are_read_through_their_apis(
    forge: str, settings: Any
) -> None:
    host = forge.removeprefix("http://")
    settings.ALLMENDE_KNOWLEDGE_FORGE_HOSTS = {host: ("gitlab", f"{forge}/api/gl")}
    pad = _check(make_tool(name="Etherpad", source_url=f"{forge}/group/sub/pad"))
    assert pad.activity_kind == "release"
    settings.ALLMENDE_KNOWLEDGE_FORGE_HOSTS = {host: ("gitea", f"{forge}/api/gt")}
    cloud = _check(make_tool(name="Cloud", source_url=f"{forge}/verein/cloud.git"))
    assert cloud.activity_kind == "commit"
    assert cloud.activity_at == datetime.fromisoformat(RECENT)


def test_an_atom_feed_gives_the_newest_release(forge: str) -> None:
    tool = _check(make_tool(source_url="", release_feed_url=f"{forge}/releases.atom"))
    assert tool.activity_kind == "release"
    assert tool.activity_at == datetime.fromisoformat(RECENT)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/html/answer", "did not answer with JSON"),
        ("/huge/answer", "larger than"),
        ("/slow/answer", "did not answer in time"),
    ],
)
def test_a_forge_that_answers_badly_leaves_a_message_and_the_last_known_date(
    forge: str, source: str, message: str
) -> None:
    tool = make_tool(source_url=f"{forge}{source}")
    known = timezone.now() - timedelta(days=10)
    Tool.objects.filter(pk=tool.pk).update(activity_at=known, activity_kind="release")
    tool = _check(tool)
    assert tool.activity_at == known
    assert tool.activity_error_template
    shown = client_for(StaffFactory()).get(tool.get_absolute_url()).content.decode()
    assert message in shown


def test_an_entity_bomb_feed_is_refused(forge: str) -> None:
    tool = _check(make_tool(source_url="", release_feed_url=f"{forge}/bomb.atom"))
    assert tool.activity_at is None
    assert "not an Atom feed" in tool.activity_error_template


def test_a_broken_link_is_shown_and_told_to_staff_and_editors_once(
    forge: str, django_capture_on_commit_callbacks: Any
) -> None:
    staff, trusted, other = StaffFactory(), editor(), UserFactory()
    tool = make_tool(homepage_url=f"{forge}/home", terms_url=f"{forge}/gone")
    with django_capture_on_commit_callbacks(execute=True):
        tool = _check(tool)
    assert tool.links_broken
    link = ToolLink.objects.get(tool=tool, kind="terms")
    assert not link.ok and link.status_code == 404 and link.broken_since
    told = Notification.objects.filter(type="knowledge.tool_links_broken")
    assert set(told.values_list("recipient_id", flat=True)) >= {staff.pk, trusted.pk}
    assert not told.filter(recipient=other).exists()
    count = told.count()
    Tool.objects.filter(pk=tool.pk).update(checked_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        _check(tool)
    assert told.count() == count  # still broken: nobody is told again
    assert ToolLink.objects.get(pk=link.pk).broken_since == link.broken_since
    page = Client().get(tool.get_absolute_url()).content.decode()
    assert "HTTP status 404" in page
    assert b"Broken link" in Client().get("/tools/").content


def test_a_private_address_is_not_fetched_unless_allowed(
    forge: str, settings: Any
) -> None:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = False
    tool = _check(make_tool(homepage_url=f"{forge}/home"))
    assert tool.links_broken
    assert _Forge.requests == []


def test_the_periodic_job_checks_due_tools_and_goes_on_after_a_failure(
    forge: str, settings: Any
) -> None:
    first = make_tool(name="Erstes", homepage_url=f"{forge}/gone")
    second = make_tool(name="Zweites", homepage_url=f"{forge}/home")
    fresh = make_tool(name="Frisch", homepage_url=f"{forge}/home")
    Tool.objects.filter(pk=fresh.pk).update(checked_at=timezone.now())
    assert "knowledge.start_checks" in scheduler.run_due(force=True)
    checked = dict(Tool.objects.values_list("name", "checked_at"))
    assert checked["Erstes"] and checked["Zweites"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.links_broken and not second.links_broken
    assert _Forge.requests.count("/home") == 1  # the fresh one waited


def test_checks_run_side_by_side_but_one_at_a_time_per_host(
    forge: str, settings: Any
) -> None:
    settings.ALLMENDE_KNOWLEDGE_CHECK_CONCURRENCY = 4
    port = forge.rsplit(":", 1)[1]
    for number in range(4):
        make_tool(name=f"Hier {number}", homepage_url=f"{forge}/slow-page")
        make_tool(
            name=f"Dort {number}", homepage_url=f"http://localhost:{port}/slow-page"
        )
    assert services.tools_check_due() == 8
    assert not Tool.objects.filter(links_broken=True).exists()
    assert _Forge.most["127.0.0.1"] == 1
    assert _Forge.most["localhost"] == 1
    assert _Forge.most["*"] == 2
    assert not Tool.objects.filter(check_started_at__isnull=False).exists()


def test_a_claimed_tool_is_not_checked_twice(forge: str) -> None:
    tool = make_tool(homepage_url=f"{forge}/home")
    Tool.objects.filter(pk=tool.pk).update(check_started_at=timezone.now())
    assert services.tool_check(tool_id=tool.pk) is False
    assert _Forge.requests == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/jitsi/jitsi-meet", ("github", "jitsi/jitsi-meet")),
        (
            "https://github.com/jitsi/jitsi-meet/tree/master",
            ("github", "jitsi/jitsi-meet"),
        ),
        ("https://gitlab.com/a/b/c/-/tree/main", ("gitlab", "a/b/c")),
        ("https://codeberg.org/forgejo/forgejo.git", ("gitea", "forgejo/forgejo")),
        ("https://github.com/jitsi", None),
        ("https://example.org/jitsi/jitsi-meet", None),
    ],
)
def test_forges_are_recognized_from_the_source_address(
    url: str, expected: tuple[str, str] | None
) -> None:
    forge = forge_for(url)
    assert (forge and (forge.kind, forge.project)) == expected
