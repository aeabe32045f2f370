"""Campaigns in the browser: signing through the widget framed by another
site, confirming by the button, and an organization co-signing, at 360 px."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from allmende.accounts.models import User
from allmende.campaigns.models import OrganizationSignature, Signature
from allmende.organizations.models import Membership
from tests.campaigns.factories import CampaignFactory, DemandFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.fixture
def other_site(live_server: Any) -> Iterator[Callable[[str], str]]:
    """An association's website on another origin (127.0.0.1 instead of
    localhost, another port) whose page frames the widget."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"

    def host(snippet: str) -> str:
        pages["/verein.html"] = (
            '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>Unser Verein</title></head><body><main><h1>Unser Verein</h1>"
            f"{snippet}</main></body></html>"
        ).encode()
        return f"{origin}/verein.html"

    yield host
    server.shutdown()
    server.server_close()


def test_person_signs_in_the_widget_on_another_site_and_confirms(
    page: Any,
    live_server: Any,
    other_site: Callable[[str], str],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    campaign = CampaignFactory(goal=10)
    DemandFactory(campaign=campaign, number=1)
    snippet = (
        f'<iframe src="{live_server.url}/campaigns/{campaign.slug}/embed/?lang=de" '
        'title="Kampagne unterzeichnen" width="100%" height="900"></iframe>'
    )
    page.set_viewport_size(PHONE)
    page.goto(other_site(snippet))
    frame = page.frame_locator("iframe")
    frame.get_by_label("Ihr Name").fill("Grace Hopper")
    frame.get_by_label("Ihre E-Mail-Adresse").fill("Grace@Example.org")
    frame.get_by_label("Meinen Namen in der öffentlichen Liste").check()
    frame.get_by_label("Ich stimme der Einwilligungserklärung oben zu").check()
    widget = page.frames[1]
    assert scroll_width(widget) <= PHONE["width"]
    assert_no_axe_violations(page)
    frame.get_by_role("button", name="Unterzeichnen").click()
    heading = frame.get_by_role("heading", name="Bitte sehen Sie in Ihr E-Mail")
    heading.wait_for()
    assert Signature.objects.get().state == "pending"

    assert len(mail.outbox) == 1
    match = re.search(r"https?://\S+(/campaigns/s/\S+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    page.goto(match.group(1))
    assert Signature.objects.get().state == "pending"  # opening changes nothing
    assert scroll_width(page) <= PHONE["width"]
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Meine Unterschrift bestätigen").click()
    page.get_by_text("Ihre Unterschrift ist bestätigt").first.wait_for()
    assert Signature.objects.get().state == "confirmed"

    # The count rises once the job has folded the confirmation in.
    from allmende.campaigns.services import counters_update

    counters_update()
    cache.clear()
    page.goto(other_site(snippet))
    page.frame_locator("iframe").get_by_text("1 von 10 Unterschriften").wait_for()
    page.goto(campaign.get_absolute_url())
    page.get_by_text("Grace Hopper").wait_for()
    page.goto(f"/campaigns/{campaign.slug}/embed/?lang=de")
    assert scroll_width(page) <= PHONE["width"]
    assert_no_axe_violations(page)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 90, 60)).save(out, "PNG")
    return out.getvalue()


def test_member_proposes_and_admin_confirms_the_logo_appears(
    page: Any,
    new_context: Callable[..., Any],
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    campaign = CampaignFactory()
    DemandFactory(campaign=campaign, number=1)
    organization = OrganizationFactory(
        name="FOSSGIS e.V.", is_verified=True, verified_at=timezone.now()
    )
    organization.logo.save("logo.png", ContentFile(_png()))
    member = MembershipFactory(organization=organization).user
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user

    page.set_viewport_size(PHONE)
    login(page, member)
    page.goto(campaign.get_absolute_url())
    assert scroll_width(page) <= PHONE["width"]
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Mitzeichnung vorschlagen").click()
    page.get_by_text("Die Administration Ihrer Organisation").first.wait_for()
    assert OrganizationSignature.objects.get().state == "proposed"

    context = new_context(viewport=PHONE)
    admin_page = context.new_page()
    login(admin_page, admin)
    admin_page.goto(campaign.get_absolute_url())
    admin_page.get_by_role("button", name="Jetzt mitzeichnen").click()
    logos = admin_page.locator("#organizations-heading + ul img.card-logo")
    logos.first.wait_for()
    assert OrganizationSignature.objects.get().state == "signed"
    assert scroll_width(admin_page) <= PHONE["width"]
    assert_no_axe_violations(admin_page)
    admin_page.get_by_role("link", name="FOSSGIS e.V.").first.wait_for()
    context.close()
