"""The tool directory in a real browser: filtered by keyboard on a phone,
accessible and without horizontal scrolling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.knowledge.factories import make_tool

pytestmark = pytest.mark.django_db(transaction=True)


def _tools() -> None:
    make_tool(
        homepage_url="https://jitsi.org/jitsi-meet/",
        alternative_to=["Zoom", "Microsoft Teams"],
        privacy_notes_de="Daten bleiben auf Ihrem Server.",
    )
    make_tool(
        ["umfragen"],
        name="LimeSurvey",
        purpose_de="Umfragen erstellen und auswerten",
        licence="GPL-2.0-or-later",
        platforms=["web"],
        difficulty="intermediate",
    )


def test_the_list_is_filtered_by_keyboard_at_phone_width(
    new_context: Callable[..., Any],
) -> None:
    _tools()
    context = new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/tools/")
    expect(page.locator("#results-heading")).to_have_text("2 Werkzeuge")
    page.locator("#id_q").focus()
    page.keyboard.type("Umfragen")
    page.keyboard.press("Enter")
    expect(page.locator("#results-heading")).to_have_text("1 Werkzeug")
    expect(page.locator("#results")).to_contain_text("LimeSurvey")
    page.wait_for_url("**/tools/?*q=Umfragen*")
    # Clear the word, then choose a platform with the arrow keys.
    page.locator("#id_q").focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.press("Tab")
    expect(page.locator("#id_category")).to_be_focused()
    for _field in range(3):
        page.keyboard.press("Tab")
    expect(page.locator("#id_platform")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the first platform: web browser
    page.keyboard.press("ArrowDown")  # Windows
    expect(page.locator("#results-heading")).to_have_text("0 Werkzeuge")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_list_and_tool_page_are_accessible_and_fit_the_screen(
    new_context: Callable[..., Any],
    assert_no_axe_violations: Callable[[Any], None],
    width: int,
) -> None:
    _tools()
    context = new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    for address in (
        "/tools/",
        "/tools/jitsi-meet/",
        "/tools/compare/?tool=jitsi-meet&tool=limesurvey",
    ):
        page.goto(address)
        expect(page.locator("h1")).to_be_visible()
        assert_no_axe_violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
