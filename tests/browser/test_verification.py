"""Organizations ask for verification and propose events; staff answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.test_harvest import log_in_staff
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_organization_asks_staff_verify_and_the_organization_sees_badge_and_message(
    page: Any,
    live_server: Any,
    new_context: Callable[..., Any],
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    organization = OrganizationFactory(name="Tafel am Fluss e.V.")
    admin = UserFactory()
    MembershipFactory(organization=organization, user=admin, role=Membership.Role.ADMIN)
    login(page, admin)
    page.goto(organization.get_absolute_url())
    badge = page.locator(".profile-head .badge-verified")
    expect(badge).to_have_count(0)
    with page.expect_navigation():
        page.locator("form[action$='/verification/'] button").click()
    expect(page.locator(".messages")).to_contain_text("Anfrage wurde gesendet")
    expect(page.locator("form[action$='/verification/']")).to_have_count(0)
    assert_no_axe_violations(page)

    staff_context = new_context()
    staff_page = staff_context.new_page()
    log_in_staff(staff_page, live_server, StaffFactory())
    staff_page.goto("/organizations/-/verification/")
    expect(staff_page.locator("h2")).to_contain_text("Tafel am Fluss e.V.")
    assert_no_axe_violations(staff_page)
    verify = staff_page.get_by_role("button", name="Tafel am Fluss e.V. verifizieren")
    with staff_page.expect_navigation():
        verify.click()
    expect(staff_page.locator(".messages")).to_contain_text("ist jetzt verifiziert")
    expect(staff_page.locator("form[action*='/-/verification/']")).to_have_count(0)
    staff_context.close()

    page.reload()
    expect(badge).to_have_text("Verifiziert")
    expect(page.locator(".content")).to_contain_text(
        "Das Team hat Ihre Organisation am"
    )
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_axe_violations(page)
    assert list(
        Notification.objects.filter(recipient=admin).values_list("type", flat=True)
    ) == ["organizations.verified"]


def test_admin_proposes_an_event_and_staff_publish_it(
    page: Any,
    live_server: Any,
    new_context: Callable[..., Any],
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    organization = OrganizationFactory(name="Nachbarschaftshilfe Süd")
    admin = UserFactory()
    MembershipFactory(organization=organization, user=admin, role=Membership.Role.ADMIN)
    login(page, admin)
    page.goto(organization.get_absolute_url())
    with page.expect_navigation():
        page.locator("a[href^='/events/new/']").click()
    expect(page.locator(".message")).to_contain_text("als Vorschlag an das Team")
    assert_no_axe_violations(page)
    start = (timezone.localtime() + timedelta(days=14)).replace(hour=10, minute=0)
    page.fill("input[name=title_de]", "Erste Hilfe für Vereine")
    page.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill(
        "input[name=ends_at]", (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.fill("input[name=capacity]", "15")
    with page.expect_navigation():
        page.get_by_role("button", name="Vorschlag senden").click()
    expect(page.locator(".messages")).to_contain_text("Vorschlag wurde an das Team")
    expect(page.locator(".event .message")).to_contain_text("ist ein Vorschlag")
    assert_no_axe_violations(page)
    event_url = page.url

    staff_context = new_context(viewport={"width": 360, "height": 800})
    staff_page = staff_context.new_page()
    log_in_staff(staff_page, live_server, StaffFactory())
    staff_page.goto("/events/proposals/")
    expect(staff_page.locator("h2")).to_contain_text("Erste Hilfe für Vereine")
    assert staff_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_axe_violations(staff_page)
    publish = staff_page.get_by_role(
        "button", name="„Erste Hilfe für Vereine“ veröffentlichen"
    )
    with staff_page.expect_navigation():
        publish.click()
    expect(staff_page.locator(".messages")).to_contain_text("wurde veröffentlicht")
    staff_context.close()

    visitor_context = new_context()
    visitor = visitor_context.new_page()
    visitor.goto(event_url)
    expect(visitor.locator("h1")).to_have_text("Erste Hilfe für Vereine")
    visitor_context.close()
    assert list(
        Notification.objects.filter(recipient=admin).values_list("type", flat=True)
    ) == ["events.proposal_published"]
