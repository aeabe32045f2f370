from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.harvest.models import HarvestRun, HarvestSource
from tests.accounts.factories import StaffFactory
from tests.harvest.conftest import remote  # noqa: F401 (the fixture)
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _local_sources(settings: Any) -> None:
    """The source of these tests is served on this machine."""
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True


def log_in_staff(page: Any, live_server: Any, user: User) -> None:
    """Staff log in with a second factor; the session is made directly."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        ]
    )


def test_staff_sets_up_a_source_harvests_it_and_reads_the_report(
    page: Any,
    live_server: Any,
    remote: str,  # noqa: F811
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    staff = StaffFactory()
    organization = OrganizationFactory(name="Landesdaten e.V.")
    log_in_staff(page, live_server, staff)

    page.goto("/")
    with page.expect_navigation():
        page.locator(".user-nav a[href='/harvest/']").click()
    assert page.locator("table caption").count() == 1
    assert_no_axe_violations(page)

    with page.expect_navigation():
        page.locator("a[href='/harvest/new/']").click()
    # The test browser asks for German pages; selectors do not depend on words.
    # Sent empty first: the errors are listed and linked to their fields.
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert_no_axe_violations(page)

    page.fill("input[name=name]", "Landesportal")
    page.check("input[name=kind][value=dcat]")
    page.fill("input[name=url]", f"{remote}/catalog.rdf")
    page.select_option("select[name=organization]", str(organization.pk))
    page.fill("input[name=interval_hours]", "24")
    page.locator("input[name=url]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    source = HarvestSource.objects.get()
    assert page.url.endswith(source.get_absolute_url())
    assert_no_axe_violations(page)

    with page.expect_navigation():
        page.locator(f"form[action='/harvest/{source.pk}/harvest/'] button").click()
    run = HarvestRun.objects.get()
    assert page.url.endswith(run.get_absolute_url())
    page.reload()
    expect(page.locator(".harvest-counts li").first).to_have_text(re.compile(r"^1 "))
    assert_no_axe_violations(page)

    dataset = Dataset.objects.get()
    with page.expect_navigation():
        page.get_by_role("link", name=dataset.title_de).first.click()
    origin = page.locator(".harvest-origin")
    assert "Landesportal" in origin.inner_text()
    assert_no_axe_violations(page)
