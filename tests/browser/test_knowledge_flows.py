"""The handbook's review and a hosted-service request in a real browser at
phone width: axe-clean, no horizontal scrolling."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import expect

from allmende.knowledge.models import PageState, Provisioner
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory
from tests.browser.test_harvest import log_in_staff
from tests.knowledge.factories import (
    editor,
    make_chapter,
    make_page,
    make_service,
    reviewer,
)
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 360


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def test_an_editors_change_goes_through_review_while_readers_see_the_old_text(
    new_context: Callable[..., Any],
    login: Callable[[Any, Any], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    chapter = make_chapter()
    guide = make_page(
        chapter,
        title="Offene Daten",
        body="## Warum\n\nAlter Text.\n\n### Erste Schritte\n\nListe anlegen.",
        published=True,
    )
    writer = editor()
    checker = reviewer()
    address = guide.get_absolute_url()

    author = new_context(viewport={"width": WIDTH, "height": 800}).new_page()
    login(author, writer)
    author.goto(f"{address}edit/")
    author.fill("#id_body", "## Warum\n\nNeuer Text.\n\n### Erste Schritte\n\nListe.")
    author.fill("#id_message", "Text aktualisiert")
    author.get_by_role("button", name="Fassung speichern").click()
    expect(author.locator(".prose")).to_contain_text("Neuer Text.")
    author.get_by_role("button", name="In die Begutachtung geben").click()
    expect(
        author.get_by_text("Die Änderung wurde zur Prüfung geschickt.")
    ).to_be_visible()

    reader = new_context(viewport={"width": WIDTH, "height": 800}).new_page()
    reader.goto(address)
    expect(reader.locator(".prose")).to_contain_text("Alter Text.")
    expect(reader.get_by_role("link", name="Erste Schritte")).to_be_visible()
    assert_no_axe_violations(reader)
    _fits(reader)

    reviewing = new_context(viewport={"width": WIDTH, "height": 800}).new_page()
    login(reviewing, checker)
    reviewing.goto(f"{address}history/?a=1&b=2")
    expect(reviewing.locator(".diff-added").first).to_contain_text("Neuer Text.")
    assert_no_axe_violations(reviewing)
    _fits(reviewing)
    reviewing.goto(address)
    assert_no_axe_violations(reviewing)
    reviewing.get_by_role("button", name="Freigeben und veröffentlichen").click()
    expect(reviewing.locator(".prose")).to_contain_text("Neuer Text.")

    reader.reload()
    expect(reader.locator(".prose")).to_contain_text("Neuer Text.")
    guide.refresh_from_db()
    assert guide.state == PageState.PUBLISHED


@pytest.fixture
def receiver(settings: Any) -> Iterator[tuple[list[dict[str, Any]], str]]:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    settings.ALLMENDE_TASK_MODE = "sync"
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            answer = json.dumps({"access_details": "Raum: vorstand-42"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_an_organization_requests_a_service_and_sees_its_access_details(
    new_context: Callable[..., Any],
    login: Callable[[Any, Any], None],
    assert_no_axe_violations: Callable[[Any], None],
    receiver: tuple[list[dict[str, Any]], str],
    live_server: Any,
) -> None:
    received, url = receiver
    service = make_service(
        name="Videokonferenzen",
        provisioner=Provisioner.WEBHOOK,
        webhook_url=url,
        webhook_secret="s" * 32,
    )
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    staff = StaffFactory()

    asking = new_context(viewport={"width": WIDTH, "height": 800}).new_page()
    login(asking, admin.user)
    asking.goto(service.get_absolute_url())
    assert_no_axe_violations(asking)
    asking.get_by_role("link", name="Zugang anfragen").click()
    asking.fill("#id_purpose", "Vorstandssitzungen")
    asking.fill("#id_expected_users", "12")
    asking.check("#id_accept_code")
    assert_no_axe_violations(asking)
    _fits(asking)
    asking.get_by_role("button", name="Anfrage senden").click()
    expect(asking.locator("#access-state")).to_have_text("Angefragt")
    request_address = asking.url

    deciding = new_context(viewport={"width": WIDTH, "height": 800}).new_page()
    log_in_staff(deciding, live_server, staff)
    deciding.goto(request_address)
    assert_no_axe_violations(deciding)
    deciding.get_by_role("button", name="Bestätigen").click()
    expect(deciding.locator("#access-state")).to_have_text("Aktiv")
    assert received and received[0]["organization"]["id"] == admin.organization.pk

    asking.goto(request_address)
    expect(asking.locator("#access-details")).to_contain_text("vorstand-42")
    assert_no_axe_violations(asking)
    _fits(asking)
    asking.goto("/dashboard/")
    expect(asking.get_by_text("Meine Dienstanfragen")).to_be_visible()
