"""Find an event, register and cancel, with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.events.models import EventFormat, EventType, Registration
from allmende.events.models.registrations import RegistrationState as S
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page: Any, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "(s) => !!document.activeElement && document.activeElement.matches(s)",
            selector,
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_person_finds_registers_and_cancels_by_keyboard(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    EventFactory(
        title_de="Anderes Thema",
        title_en="Other topic",
        event_type=EventType.TALK,
        capacity=5,
    )
    event = EventFactory(
        title_de="Tastatur-Werkstatt",
        title_en="Keyboard workshop",
        event_type=EventType.WORKSHOP,
        format=EventFormat.HYBRID,
        capacity=20,
        step_free=True,
        online_url="https://meet.example.org/raum",
    )
    user = UserFactory()
    login(page, user)

    page.goto("/events/")
    assert_no_axe_violations(page)
    # Filter the list to workshops with the keyboard, then open the event.
    tab_to(page, "#id_event_type")
    page.keyboard.type("Workshop")
    tab_to(page, ".filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => !document.querySelector('#results').textContent.includes('Other')"
        " && !document.querySelector('#results').textContent.includes('Anderes')"
    )
    assert "event_type=workshop" in page.url
    # Choosing the type and pressing Enter each ask for results; wait until the
    # last answer is in (htmx marks an element while its request runs), or the
    # link focused next may be swapped away.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    tab_to(page, f'a[href="{event.get_absolute_url()}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{event.get_absolute_url()}")
    assert page.locator("h1").inner_text() in (event.title_de, event.title_en)
    assert_no_axe_violations(page)

    tab_to(page, "form[action$='/register/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    registration = Registration.objects.get(user=user, event=event)
    assert registration.state == S.CONFIRMED
    assert page.locator("a[href='https://meet.example.org/raum']").count() == 1
    assert_no_axe_violations(page)

    tab_to(page, "form[action$='/cancel/'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    registration.refresh_from_db()
    assert registration.state == S.CANCELLED
    assert page.locator("form[action$='/register/']").count() == 1
    assert_no_axe_violations(page)


def test_academy_and_participant_pages_have_no_axe_violations(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    from allmende.events.services.registrations import registration_create

    event = EventFactory(questions=["Verein?"], capacity=1)
    registration_create(event=event, actor=UserFactory())
    waiting = UserFactory()
    registration_create(event=event, actor=waiting)
    login(page, waiting)
    for path in ("/events/academy/", "/events/my/", event.get_absolute_url()):
        page.goto(path)
        assert_no_axe_violations(page)


def test_organizer_pages_have_no_axe_violations(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    from allmende.events.services.registrations import registration_create
    from allmende.organizations.models import Membership
    from tests.events.factories import HostFactory
    from tests.organizations.factories import MembershipFactory

    host = HostFactory()
    admin = MembershipFactory(
        organization=host.organization, role=Membership.Role.ADMIN
    ).user
    event = EventFactory(organization=host.organization, capacity=1)
    first = registration_create(event=event, actor=UserFactory())
    registration_create(event=event, actor=UserFactory())
    login(page, admin)
    for path in (
        f"/events/{event.slug}/participants/",
        f"/events/{event.slug}/participants/{first.pk}/cancel/",
        f"/events/{event.slug}/message/",
        f"/events/{event.slug}/edit/",
        "/events/new/",
        "/events/series/new/",
    ):
        page.goto(path)
        assert_no_axe_violations(page)
    # The series form with its error summary after an empty submission.
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").count() == 1
    assert_no_axe_violations(page)


def test_venue_is_shown_on_a_map_with_the_configured_tiles(
    page: Any,
    tile_server: list[str],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    event = EventFactory(
        street="Karl-Liebknecht-Str. 1", latitude=51.33, longitude=12.37
    )
    page.goto(event.get_absolute_url())
    page.wait_for_selector("#event-map .leaflet-tile-loaded")
    assert tile_server
    page.locator("#event-map .leaflet-marker-icon").wait_for()
    assert_no_axe_violations(page)
