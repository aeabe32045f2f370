"""Notifications in a browser: the bell follows new ones, the pages are accessible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.organizations.models import Organization
from tests.accounts.factories import UserFactory
from tests.browser.test_mobile import PHONE, scroll_width, too_wide
from tests.notifications.conftest import test_types  # noqa: F401 - fixture
from tests.notifications.helpers import make_notification

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("test_types"),
]


def _bell(page: Any) -> Any:
    return page.locator("#notification-bell")


def test_bell_counts_a_notification_that_arrives_while_the_page_is_open(
    page: Any, login: Callable[[Any, User], None], settings: Any
) -> None:
    user = UserFactory()
    login(page, user)
    page.goto("/")
    expect(_bell(page)).to_have_attribute("data-unread", "0")
    make_notification(user)
    # Coming back to the window asks at once.
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(_bell(page)).to_have_attribute("data-unread", "1")
    expect(_bell(page)).to_contain_text("1 ungelesene Benachrichtigung")
    # Otherwise the page asks on its own, as often as configured.
    settings.ALLMENDE_NOTIFY_BELL_SECONDS = 1
    page.goto("/")
    expect(_bell(page)).to_have_attribute("hx-trigger", "every 1s, focus from:window")
    make_notification(user)
    expect(_bell(page)).to_have_attribute("data-unread", "2")
    expect(_bell(page).locator(".bell-count")).to_have_text("2")
    # The bell itself is an ordinary link to the inbox.
    _bell(page).click()
    page.wait_for_url("**/notifications/")
    expect(page.locator(".notification.is-unread")).to_have_count(2)


def test_mark_all_read_in_the_inbox_updates_list_and_bell(
    page: Any, login: Callable[[Any, User], None]
) -> None:
    user = UserFactory()
    for _ in range(3):
        make_notification(user)
    login(page, user)
    page.goto("/notifications/")
    expect(_bell(page)).to_have_attribute("data-unread", "3")
    page.locator(".notification form button").first.focus()
    page.keyboard.press("Enter")
    expect(_bell(page)).to_have_attribute("data-unread", "2")
    expect(page.locator(".notification.is-unread")).to_have_count(2)
    # The keyboard goes on from the list, not from the top of the page.
    page.wait_for_function("document.activeElement.id === 'inbox'")
    page.get_by_role("button", name="Alle als gelesen markieren").click()
    expect(_bell(page)).to_have_attribute("data-unread", "0")
    expect(page.locator(".notification.is-unread")).to_have_count(0)
    assert page.url.endswith("/notifications/")


def test_notification_pages_are_accessible_and_fit_a_phone(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
    organization: Organization,
) -> None:
    user = UserFactory()
    actor = UserFactory()
    make_notification(user, obj=organization, actor=actor)
    make_notification(
        user,
        read=True,
        organization="Ein Verein mit einem Namen, der kaum in eine Zeile passt",
    )
    gone = make_notification(user, obj=UserFactory())
    User.objects.filter(pk=gone.object_id).delete()
    login(page, user)
    for size in (PHONE, {"width": 1280, "height": 800}):
        page.set_viewport_size(size)
        for path in ("/notifications/", "/notifications/settings/"):
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert scroll_width(page) <= size["width"], (path, too_wide(page))
            assert_no_axe_violations(page)
    assert "nicht mehr verfügbar" in page.goto("/notifications/").text()
