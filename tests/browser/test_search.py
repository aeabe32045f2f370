"""The site-wide search page in a real browser: accessible and phone-wide."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.organizations.services import organization_index
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [360, 1280])
def test_search_results_are_accessible_and_fit_the_screen(
    new_context: Callable[..., Any],
    assert_no_axe_violations: Callable[[Any], None],
    width: int,
) -> None:
    for number in range(25):
        organization = OrganizationFactory(
            name=f"Gartenverein Nummer {number}",
            description_de="Wir pflegen Gärten <b>gemeinsam</b> " * 10,
        )
        organization_index(organization)
    context = new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto("/search/?q=G%C3%A4rten")
    assert page.locator("mark").count() > 0
    assert page.locator("h1").inner_text() == "Suche"
    assert_no_axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
