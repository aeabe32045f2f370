from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.organizations.models import Membership
from tests.catalog.factories import GERMAN_CSV
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_publishes_a_german_csv_and_sorts_and_filters_by_keyboard(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    organization = OrganizationFactory(name="Stadtdaten Kiel e.V.")
    member = MembershipFactory(
        organization=organization, role=Membership.Role.MEMBER
    ).user
    login(page, member)

    page.goto("/datasets/")
    assert_no_axe_violations(page)
    page.goto("/datasets/new/")
    page.fill("input[name=title_de]", "Einwohner der Städte")
    page.select_option(
        "select[name=licence]", "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    )
    page.check("input[value$='data-theme/REGI']")
    assert_no_axe_violations(page)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    dataset = Dataset.objects.get()
    assert page.url.endswith(dataset.get_absolute_url())

    page.goto(f"/datasets/{dataset.slug}/resources/new/")
    page.fill("input[name=title_de]", "Städte")
    page.set_input_files(
        "input[name=file]",
        {"name": "staedte.csv", "mimeType": "text/csv", "buffer": GERMAN_CSV},
    )
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("networkidle")

    # The schema and the preview are on the resource page.
    page.wait_for_selector("#schema-caption")
    schema = page.locator("#schema").inner_text()
    assert "Einwohner" in schema and "Gegründet" in schema
    assert page.locator("#preview tbody tr").count() == 4
    assert_no_axe_violations(page)

    # Sort by keyboard: focus the column header link and press Enter.
    header = page.locator("#preview thead th", has_text="Einwohner")
    header.locator("a").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    header = page.locator("#preview thead th", has_text="Einwohner")
    assert header.get_attribute("aria-sort") == "ascending"
    first = page.locator("#preview tbody tr").first.inner_text()
    assert "Görlitz" in first

    # Filter by keyboard: choose column and condition, type a value, press Enter.
    page.locator("#f-col").focus()
    page.keyboard.press("ArrowDown")  # first column: Stadt
    page.locator("#f-op").select_option("contains")
    page.locator("#f-val").focus()
    page.keyboard.type("Kie")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    rows = page.locator("#preview tbody tr")
    assert rows.count() == 1
    assert "Kiel" in rows.first.inner_text()
    assert_no_axe_violations(page)

    page.goto(dataset.get_absolute_url())
    assert_no_axe_violations(page)
    page.goto(f"/datasets/{dataset.slug}/history/")
    assert_no_axe_violations(page)
