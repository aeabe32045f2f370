"""The styleguide, the account pages and the error pages in the browser:
no axe-core violation, and nothing wider than a 360 px phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.accounts.factories import StaffFactory
from tests.browser.test_harvest import log_in_staff
from tests.browser.test_mobile import PHONE, scroll_width, too_wide

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.any_database]

DESKTOP = {"width": 1280, "height": 900}


def test_styleguide_has_no_violation_on_a_phone_and_a_desktop(
    page: Any, live_server: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    log_in_staff(page, live_server, StaffFactory())
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto("/styleguide/")
        assert page.locator("#forms input[type=file]").is_visible()
        # The icons come from the sprite and are drawn.
        icon = page.locator("#icons svg.icon").first
        assert icon.bounding_box()["width"] > 0
        assert_no_axe_violations(page)
        if viewport is PHONE:
            assert scroll_width(page) <= PHONE["width"], too_wide(page)


def test_wide_table_scrolls_in_its_region_by_keyboard(
    page: Any, live_server: Any
) -> None:
    log_in_staff(page, live_server, StaffFactory())
    page.set_viewport_size(PHONE)
    page.goto("/styleguide/#tables")
    region = page.locator("#tables .table-scroll")
    region.focus()
    outline = region.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('#tables .table-scroll').scrollLeft > 0"
    )
    assert scroll_width(page) <= PHONE["width"]


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_account_pages_have_no_violation_on_a_phone(
    page: Any, path: str, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(path)
    assert page.locator("main button[type=submit]").first.is_visible()
    assert_no_axe_violations(page)
    assert scroll_width(page) <= PHONE["width"], too_wide(page)


def test_designed_missing_page_has_no_violation(
    page: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    page.set_viewport_size(PHONE)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    assert page.locator("link[rel=stylesheet]").count() >= 1
    assert_no_axe_violations(page)
    assert scroll_width(page) <= PHONE["width"], too_wide(page)


def test_two_factor_and_account_management_pages_have_no_violation_on_a_phone(
    page: Any,
    login: Callable[[Any, Any], None],
    live_server: Any,
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    from allauth.account.models import EmailAddress

    from tests.accounts.factories import UserFactory

    member = UserFactory()
    login(page, member)
    page.set_viewport_size(PHONE)
    for path in (
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/reauthenticate/",
    ):
        page.goto(path)
        assert page.locator("link[rel=stylesheet]").count() >= 1
        assert_no_axe_violations(page)
        assert scroll_width(page) <= PHONE["width"], (path, too_wide(page))
    # The set-up page: the secret, the code field and the primary button.
    page.goto("/accounts/2fa/totp/activate/")
    assert page.locator("main form.stacked input[name=code]").is_visible()
    assert EmailAddress.objects.filter(user=member).exists()


def test_recovery_codes_have_no_violation_on_a_phone(
    page: Any, live_server: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    from django.conf import settings
    from django.test import Client

    from tests.accounts.factories import PASSWORD

    staff = StaffFactory()
    # Logged in and just reauthenticated (generating codes asks for that).
    client = Client()
    client.force_login(staff)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size(PHONE)
    page.goto("/accounts/2fa/recovery-codes/generate/")
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    page.goto("/accounts/2fa/recovery-codes/")
    assert page.locator("textarea#recovery_codes").is_visible()
    assert_no_axe_violations(page)
    assert scroll_width(page) <= PHONE["width"], too_wide(page)
