"""Apply to a call with the keyboard alone: fill in, leave, come back, submit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.programmes.models import Application, ApplicationState
from tests.organizations.factories import MembershipFactory
from tests.programmes.factories import CallFactory, full_form

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (360, 1280)


def tab_to(page: Any, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def check_both_widths(page: Any, check: Callable[[Any], None]) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        check(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def wait_until_saved(page: Any) -> None:
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request')"
        " && /Gespeichert|Saved/.test(document.querySelector('#autosave-status')"
        ".textContent)"
    )


def test_member_applies_by_keyboard_leaves_resumes_and_submits(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    call = CallFactory(title_de="Datenlabor", title_en="Data lab")
    full_form(call)
    member = MembershipFactory().user
    login(page, member)

    page.goto("/calls/")
    check_both_widths(page, assert_no_axe_violations)
    tab_to(page, f'a[href="{call.get_absolute_url()}"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_both_widths(page, assert_no_axe_violations)

    tab_to(page, "form[action$='/apply/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    application = Application.objects.get(applicant=member)
    page.wait_for_url(f"**{application.get_absolute_url()}")
    check_both_widths(page, assert_no_axe_violations)

    tab_to(page, "#input-title")
    page.keyboard.type("Luftdaten <b>für</b> alle")
    # The count follows the typing.
    page.wait_for_function(
        "() => document.querySelector('#count-title').textContent.startsWith('25 ')"
    )
    tab_to(page, "#input-summary")
    page.keyboard.type("Wir messen Feinstaub in Leipzig.")
    page.wait_for_function(
        "() => document.querySelector('#count-summary').textContent.startsWith('5 ')"
    )
    tab_to(page, "#input-amount")
    page.keyboard.type("zwölf")
    # A per-field message for an amount that is not one, from the autosave.
    page.wait_for_function(
        "() => document.querySelector('#errors-amount').textContent.length > 0"
    )
    page.keyboard.press("Control+A")
    page.keyboard.type("12000")
    page.wait_for_function(
        "() => document.querySelector('#errors-amount').textContent.trim() === ''"
    )
    tab_to(page, "input[name=open_licence]")
    page.keyboard.press("Space")
    wait_until_saved(page)
    application.refresh_from_db()
    assert application.answers["open_licence"] == "yes"
    assert application.answers["amount"] == "12000.00"

    # Leave, come back: everything typed is there.
    page.goto("/calls/")
    page.goto(application.get_absolute_url())
    assert page.input_value("#input-title") == "Luftdaten <b>für</b> alle"
    assert page.input_value("#input-summary") == "Wir messen Feinstaub in Leipzig."
    assert page.is_checked("#q-open_licence-yes")

    tab_to(page, "button[formaction$='/submit/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert page.locator("#application-form").count() == 0
    assert "eingegangen" in page.locator("main").inner_text()
    assert "Luftdaten <b>für</b> alle" in page.locator("main").inner_text()
    check_both_widths(page, assert_no_axe_violations)


def test_staff_build_the_form_and_screen_by_keyboard(
    page: Any,
    live_server: Any,
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    from allmende.programmes import services
    from allmende.programmes.models import FormField
    from tests.accounts.factories import StaffFactory
    from tests.browser.test_harvest import log_in_staff
    from tests.programmes.conftest import GOOD_ANSWERS

    call = CallFactory(title_de="Datenlabor", title_en="Data lab")
    full_form(call)
    member = MembershipFactory()
    application = services.application_start(
        actor=member.user, call=call, organization=member.organization
    )
    application.answers = dict(GOOD_ANSWERS)
    application.save()
    services.application_submit(actor=member.user, application=application)
    log_in_staff(page, live_server, StaffFactory())

    page.goto("/calls/new/")
    check_both_widths(page, assert_no_axe_violations)

    page.goto(f"/calls/{call.slug}/form/")
    check_both_widths(page, assert_no_axe_violations)
    tab_to(page, f"a[href='/calls/{call.slug}/form/new/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_both_widths(page, assert_no_axe_violations)
    tab_to(page, "#id_kind")
    page.keyboard.type("Lang")  # "Langer Text"
    tab_to(page, "#id_label_de")
    page.keyboard.type("Was haben Sie schon gemacht?")
    tab_to(page, "#id_max_words")
    page.keyboard.type("100")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The form was in use: the new question is in version 2.
    added = FormField.objects.get(label_de="Was haben Sie schon gemacht?")
    assert added.kind == "long_text" and added.max_words == 100
    assert added.version.number == 2
    tab_to(page, f"#field-{added.key} button[value=up]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    moved = FormField.objects.get(version=added.version, key=added.key)
    assert moved.position == added.position - 1

    page.goto(f"/calls/{call.slug}/applications/")
    check_both_widths(page, assert_no_axe_violations)
    page.goto(application.get_absolute_url())
    check_both_widths(page, assert_no_axe_violations)
    tab_to(page, "button[value=screening]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    application.refresh_from_db()
    assert application.state == ApplicationState.SCREENING
    # Staff read the internal name.
    assert "Vorprüfung" in page.locator("main").inner_text()
