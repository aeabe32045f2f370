"""The header navigation on a phone and the personal dashboard, in a browser."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.events.services import registrations as registration_services
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PublishedDatasetFactory
from tests.events.factories import EventFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def focused(page: Any) -> str:
    """The focused element as ``tag#id href`` (for assertions and reports)."""
    return str(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                return el.tagName.toLowerCase() + '#' + el.id + ' '
                    + (el.getAttribute('href') || el.textContent.trim());
            }"""
        )
    )


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached by Tab, focus on {focused(page)}")


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_menu_opens_and_closes_by_keyboard_on_a_phone(
    page: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/")
    events_link = page.locator(".main-nav a[data-module=events]")
    expect(events_link).to_be_hidden()
    expect(page.locator(".menu-button")).to_be_visible()
    expect(page.locator("#header-q")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]
    assert_no_axe_violations(page)

    tab_to(page, "#menu-toggle")
    page.keyboard.press("Space")
    expect(events_link).to_be_visible()
    expect(page.locator(".user-nav a[href='/accounts/login/']")).to_be_visible()
    # The module links, the account menu and the language switch follow by Tab
    # (the knowledge hub's three links come before the events).
    tab_to(page, ".main-nav a[data-module=events]", limit=7)
    tab_to(page, ".user-nav a[href='/accounts/login/']", limit=10)
    tab_to(page, ".language-switch button[lang=en]", limit=5)
    assert scroll_width(page) <= PHONE["width"]
    assert_no_axe_violations(page)

    # Enter on a language button switches the language of the page.
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("#menu-toggle").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Space")
    expect(events_link).to_be_hidden()


def test_menu_is_always_open_on_a_wide_screen(page: Any) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    expect(page.locator(".main-nav a[data-module=events]")).to_be_visible()
    expect(page.locator(".menu-button")).to_be_hidden()
    tab_to(page, ".main-nav a[data-module=events]", limit=10)


def test_header_search_leads_to_the_search_page(page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.fill("#header-q", "Umwelt")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search/?q=Umwelt" in page.url


def test_dashboard_of_a_member_with_registrations(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    member = UserFactory(first_name="Ada", last_name="Beispiel")
    organization = OrganizationFactory(name="Flussretter e.V.", description_de="")
    MembershipFactory(user=member, organization=organization, role="admin")
    for title in ("Datencafé", "Karten-Werkstatt"):
        event = EventFactory(title_de=title, organization=organization)
        registration_services.registration_create(event=event, actor=member)
    full = EventFactory(title_de="Ausgebuchter Kurs", capacity=1)
    registration_services.registration_create(event=full, actor=UserFactory())
    registration_services.registration_create(event=full, actor=member)

    login(page, member)
    page.wait_for_url("**/dashboard/")
    expect(page.locator("h1")).to_have_text("Meine Übersicht")
    main = page.locator("main")
    for text in (
        "Flussretter e.V.",
        "Datencafé",
        "Karten-Werkstatt",
        "Ausgebuchter Kurs",
        "Warteliste",
        "Beschreibung",
    ):
        expect(main).to_contain_text(text)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert scroll_width(page) <= viewport["width"]
        assert_no_axe_violations(page)


def test_start_page_with_every_section_fits_and_is_accessible(
    page: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    organization = OrganizationFactory(name="Baumfreunde Leipzig e.V.")
    EventFactory(title_de="Offene Datenwerkstatt", organization=organization)
    PublishedDatasetFactory(title_de="Baumkataster", organization=organization)
    page.goto("/")
    main = page.locator("main")
    for text in ("Offene Datenwerkstatt", "Baumkataster", "Baumfreunde Leipzig e.V."):
        expect(main).to_contain_text(text)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        assert scroll_width(page) <= viewport["width"]
        assert_no_axe_violations(page)
