"""The legal pages in a browser: accessible, fit a phone, feedback by keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.legal.models import AccessibilityFeedback, LegalPage
from allmende.legal.services import legal_text_save
from allmende.notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.test_harvest import log_in_staff
from tests.browser.test_mobile import PHONE, scroll_width, too_wide

pytestmark = pytest.mark.django_db(transaction=True)


def test_legal_pages_are_accessible_and_fit_a_phone(
    page: Any,
    live_server: Any,
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    staff = StaffFactory()
    for size in (PHONE, {"width": 1280, "height": 800}):
        page.set_viewport_size(size)
        for path in ("/impressum/", "/datenschutz/", "/barrierefreiheit/"):
            page.goto(path)
            assert scroll_width(page) <= size["width"], (path, too_wide(page))
            assert_no_axe_violations(page)
    log_in_staff(page, live_server, staff)
    legal_text_save(
        actor=staff, page=LegalPage.PRIVACY, body_de="Fassung 2", body_en=""
    )
    page.set_viewport_size(PHONE)
    for path in (
        "/datenschutz/bearbeiten/",
        "/datenschutz/versionen/",
        "/datenschutz/versionen/1/",
        "/barrierefreiheit/rueckmeldungen/",
        "/datenschutz/bestaetigen/",
    ):
        page.goto(path)
        assert scroll_width(page) <= PHONE["width"], (path, too_wide(page))
        assert_no_axe_violations(page)


def test_barrier_is_reported_by_keyboard_and_reaches_staff(page: Any) -> None:
    StaffFactory()
    page.set_viewport_size(PHONE)
    page.goto("/barrierefreiheit/")
    page.get_by_label("Was hat für Sie nicht funktioniert?").fill(
        "Die Karte lässt sich nicht mit der Tastatur bedienen."
    )
    page.keyboard.press("Tab")
    page.keyboard.type("/organizations/map/")
    page.get_by_role("button", name="Senden").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Vielen Dank").is_visible()
    feedback = AccessibilityFeedback.objects.get()
    assert feedback.page_url == "/organizations/map/"
    assert Notification.objects.get().type == "legal.barrier_reported"


def test_footer_link_leads_to_the_privacy_notice(page: Any) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Rechtliches").get_by_role(
        "link", name="Datenschutzerklärung"
    ).click()
    page.wait_for_url("**/datenschutz/")
    assert page.get_by_role("heading", level=1).inner_text() == "Datenschutzerklärung"


def test_changed_notice_is_shown_at_login_and_then_not_again(
    page: Any, login: Callable[[Any, User], None]
) -> None:
    user = UserFactory()
    legal_text_save(
        actor=StaffFactory(),
        page=LegalPage.PRIVACY,
        body_de="Geänderter Text",
        body_en="",
    )
    login(page, user)
    assert "/datenschutz/bestaetigen/" in page.url
    assert page.get_by_text("Geänderter Text", exact=True).is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Gelesen, weiter").click()
    assert "/datenschutz/" not in page.url
    user.refresh_from_db()
    assert user.privacy_notice_version == 1
    with page.expect_navigation():
        page.get_by_role("button", name="Abmelden").click()
    login(page, user)
    assert "/datenschutz/" not in page.url
