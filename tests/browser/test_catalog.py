from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.organizations.models import Membership
from tests.catalog.conftest import TESTDATA
from tests.catalog.factories import GERMAN_CSV, PublishedDatasetFactory, add_table
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
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()
    dataset = Dataset.objects.get()
    assert page.url.endswith(dataset.get_absolute_url())

    page.goto(f"/datasets/{dataset.slug}/resources/new/")
    page.fill("input[name=title_de]", "Städte")
    page.set_input_files(
        "input[name=file]",
        {"name": "staedte.csv", "mimeType": "text/csv", "buffer": GERMAN_CSV},
    )
    page.locator("form.form button[type=submit]").click()

    # The schema and the preview are on the resource page once it has loaded.
    expect(page.locator("#schema-caption")).to_be_visible()
    schema = page.locator("#schema").inner_text()
    assert "Einwohner" in schema and "Gegründet" in schema
    expect(page.locator("#preview tbody tr")).to_have_count(4)
    assert_no_axe_violations(page)

    # Sort by keyboard: focus the column header link and press Enter.
    header = page.locator("#preview thead th", has_text="Einwohner")
    header.locator("a").focus()
    page.keyboard.press("Enter")
    header = page.locator("#preview thead th", has_text="Einwohner")
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#preview tbody tr").first).to_contain_text("Görlitz")

    # Filter by keyboard: choose column and condition, type a value, press Enter.
    page.locator("#f-col").focus()
    page.keyboard.press("ArrowDown")  # first column: Stadt
    page.locator("#f-op").select_option("contains")
    page.locator("#f-val").focus()
    page.keyboard.type("Kie")
    page.keyboard.press("Enter")
    rows = page.locator("#preview tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kiel")
    assert_no_axe_violations(page)

    page.goto(dataset.get_absolute_url())
    assert_no_axe_violations(page)
    # The owner is led from the missing details to the fields that fill them.
    page.locator(".message-info a[href$='#id_keywords']").click()
    page.wait_for_url("**/edit/#id_keywords")
    assert_no_axe_violations(page)
    page.goto(f"/datasets/{dataset.slug}/history/")
    assert_no_axe_violations(page)


def test_chart_builder_draws_a_bar_chart_by_keyboard(
    page: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    member = MembershipFactory(role=Membership.Role.ADMIN).user
    dataset = PublishedDatasetFactory(
        organization=member.memberships.get().organization, created_by=member
    )
    resource = add_table(dataset, member)
    page.goto(resource.get_absolute_url())
    page.focus("select[name=chart]")
    page.select_option("select[name=chart]", "bar")
    page.keyboard.press("Tab")
    page.select_option("select[name=x]", "Stadt")
    page.select_option("select[name=y]", "Einwohner")
    page.locator("#chart form button[type=submit]").focus()
    page.keyboard.press("Enter")

    # Chart.js, served by the platform, drew the four cities.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('chart-canvas') !== undefined"
    )
    labels = page.evaluate("() => Chart.getChart('chart-canvas').data.labels")
    assert sorted(labels) == ["Görlitz", "Kiel", "Köln", "Leipzig"]
    # In the brand palette (the stylesheet's --chart-1), not Chart.js's blue.
    colour = page.evaluate(
        "() => Chart.getChart('chart-canvas').data.datasets[0].backgroundColor"
    )
    assert colour == "#0b5d3b"
    # The drawing is animated: wait until the bars are on the canvas.
    page.wait_for_function(
        """() => {
            const canvas = document.getElementById('chart-canvas');
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let coloured = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) coloured++;
            return coloured > 1000;
        }"""
    )
    # The same values are there as a table for people who cannot see the chart.
    page.locator("#chart details summary").click()
    assert "1084831" in page.locator("#chart details table").inner_text().replace(
        ".", ""
    ).replace(",", "").replace("\u202f", "").replace("\xa0", "")
    assert_no_axe_violations(page)


def test_geodata_is_drawn_on_a_map_with_the_configured_tiles(
    page: Any,
    tile_server: list[str],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    member = MembershipFactory(role=Membership.Role.ADMIN).user
    dataset = PublishedDatasetFactory(
        organization=member.memberships.get().organization, created_by=member
    )
    geojson = (TESTDATA / "points.geojson").read_bytes()
    resource = add_table(
        dataset,
        member,
        SimpleUploadedFile("orte.geojson", geojson, "application/geo+json"),
    )
    page.goto(resource.get_absolute_url())
    # Tiles come from the configured server (the page's CSP allows it, and the
    # page fixture fails on any console error such as a CSP violation).
    page.wait_for_selector("#data-map .leaflet-tile-loaded")
    assert tile_server
    # Two points and one line, drawn over the tiles.
    page.wait_for_function(
        "() => document.querySelectorAll('#data-map path.leaflet-interactive')"
        ".length + document.querySelectorAll('#data-map .leaflet-marker-icon')"
        ".length >= 3"
    )
    assert_no_axe_violations(page)


def test_owner_deletes_a_resource_after_confirming_by_keyboard(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    organization = OrganizationFactory()
    member = MembershipFactory(
        organization=organization, role=Membership.Role.MEMBER
    ).user
    dataset = PublishedDatasetFactory(organization=organization)
    resource = add_table(dataset, member, title="Alte Tabelle")
    login(page, member)

    page.goto(resource.get_absolute_url())
    page.get_by_role("link", name="Ressource löschen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/resources/{resource.pk}/delete/")
    assert "Alte Tabelle" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Ressource löschen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(dataset.get_absolute_url())
    assert not dataset.resources.exists()
    assert_no_axe_violations(page)
