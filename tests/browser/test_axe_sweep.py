"""Every page the start page links to, on a phone and a desktop, anonymously
and as a member: no axe-core violation, and nothing wider than the window.

One browser and one page for the whole sweep; each page is checked once per
viewport, and only the pages that answer with HTML (calendar feeds and data
files are left out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.catalog.services import dataset_index
from allmende.events.models import EventStatus
from allmende.events.services import registrations as registration_services
from allmende.events.services.events import event_index
from allmende.organizations import services as organization_services
from allmende.organizations.models import Membership
from allmende.organizations.services import organization_index
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PublishedDatasetFactory
from tests.events.factories import EventFactory
from tests.organizations.factories import (
    FocusAreaFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.any_database]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def _demo_like_data() -> User:
    """A few of everything the start page and the dashboard show; returns a
    member of an organization who is registered for an event."""
    area = FocusAreaFactory(name_de="Bildung", name_en="Education")
    organizations = []
    for number, (name, city) in enumerate(
        [
            ("Digitalwerkstatt Görlitz e.V.", "Görlitz"),
            ("Tafel Rostock", "Rostock"),
            ("Kulturhaus Kiel gGmbH", "Kiel"),
        ]
    ):
        organization = OrganizationFactory(
            name=name,
            city=city,
            description_de=f"Wir sind ein Verein in {city}.",
            description_en=f"We are an association in {city}.",
            is_verified=number == 1,
            verified_at=timezone.now() if number == 1 else None,
        )
        organization.focus_areas.set([area])
        organization_index(organization)
        organizations.append(organization)
    admin = MembershipFactory(
        organization=organizations[0], role=Membership.Role.ADMIN
    ).user
    member = MembershipFactory(organization=organizations[0]).user
    organization_services.join_request_create(
        actor=UserFactory(), organization=organizations[0]
    )
    organization_services.verification_request(
        organization=organizations[0], actor=admin
    )
    for number in range(3):
        event = EventFactory(
            organization=organizations[number],
            title_de=f"Werkstatt offene Daten {number}",
            title_en=f"Workshop on open data {number}",
            status=EventStatus.PUBLISHED,
        )
        event_index(event)
    registration_services.registration_create(actor=member, event=event)
    for number in range(3):
        dataset = PublishedDatasetFactory(
            organization=organizations[number],
            title_de=f"Radwege in {organizations[number].city}",
        )
        dataset_index(dataset)
    return member


def _internal_links(page: Any, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found: list[str] = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if url not in found:
            found.append(url)
    return found


def _problems(page: Any, url: str, axe: Axe) -> list[str]:
    """What is wrong with ``url`` at each viewport, as lines of a report."""
    problems = []
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        response = page.goto(url)
        if response is None or not response.ok:
            problems.append(f"{url}: answered {response and response.status}")
            continue
        if page.locator("#swagger-ui").count():
            # The API documentation draws itself after loading its description.
            page.locator("#swagger-ui .opblock").first.wait_for()
        width = viewport["width"]
        for violation in axe.run(page).response["violations"]:
            targets = [
                " ".join(map(str, node["target"])) for node in violation["nodes"]
            ]
            problems.append(f"{url} @{width}: {violation['id']} {targets[:5]}")
        scroll, inner = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll > inner:
            problems.append(f"{url} @{width}: {scroll} px wide, window {inner} px")
    return problems


def _sweep(page: Any, origin: str) -> tuple[list[str], list[str]]:
    """The pages linked from the start page that were checked, and the
    problems found on them."""
    axe = Axe()
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    checked, problems = [], []
    for url in _internal_links(page, origin):
        # Only pages: calendar feeds, data files and the like are downloads.
        answer = page.request.get(url)
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        problems += _problems(page, url, axe)
        checked.append(url)
    return checked, problems


def test_every_page_linked_from_the_start_page_passes_axe_and_fits(
    page: Any,
    live_server: Any,
    login: Callable[[Any, User], None],
) -> None:
    member = _demo_like_data()

    anonymous, problems = _sweep(page, live_server.url)
    # The header, the start page's sections and the footer were all followed.
    for expected in ("/", "/accounts/login/", "/events/", "/impressum/"):
        assert expected in anonymous
    for prefix in ("/organizations/verein-", "/events/werkstatt-", "/datasets/"):
        assert any(url.startswith(prefix) for url in anonymous), prefix
    assert "/dashboard/" not in anonymous

    login(page, member)
    logged_in, member_problems = _sweep(page, live_server.url)
    assert "/dashboard/" in logged_in
    assert problems + member_problems == [], "\n".join(problems + member_problems)


def test_an_organization_admins_pages_pass_axe_and_fit(
    page: Any, login: Callable[[Any, User], None]
) -> None:
    """The requests to join, the open verification request and a pending
    proposal, as the organization's administrator sees them."""
    from datetime import timedelta

    from allmende.events.services import proposals as proposal_services

    member = _demo_like_data()
    organization = member.memberships.get().organization
    admin = organization.memberships.get(role=Membership.Role.ADMIN).user
    start = timezone.now() + timedelta(days=9)
    proposal = proposal_services.event_propose(
        actor=admin,
        organization=organization,
        title_de="Vorgeschlagene Werkstatt",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=12,
    )
    login(page, admin)
    expect(page.locator("main")).to_contain_text("1 Person möchte")
    axe = Axe()
    problems = []
    for url in (
        "/dashboard/",
        organization.get_absolute_url(),
        proposal.get_absolute_url(),
        f"/events/{proposal.slug}/edit/",
    ):
        problems += _problems(page, url, axe)
    page.goto(organization.get_absolute_url())
    expect(page.get_by_role("button", name="Anfrage zurückziehen")).to_be_visible()
    expect(page.locator("#join-requests")).to_be_visible()
    assert problems == [], "\n".join(problems)
