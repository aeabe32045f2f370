"""The module registry: navigation, start page and dashboard come from it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from allmende.accounts.models import User
from allmende.core import modules
from allmende.core.modules import Module, Section
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_module() -> Iterator[None]:
    """A module that only staff see, with a dashboard queue."""

    def queue(request: object) -> Section:
        return Section(
            title="Staff queue",
            template="core/_empty.html",
            context={"text": "queue-marker"},
        )

    modules.register(
        Module(
            key="test-staff",
            label="Staff module",
            url_name="core:search",
            icon="inbox",
            order=5,
            visible=lambda user: bool(getattr(user, "is_staff", False)),
            dashboard=queue,
        )
    )
    yield
    modules.unregister("test-staff")


def test_existing_apps_register_their_modules_in_order() -> None:
    keys = [module.key for module in modules.modules_for(AnonymousUser())]
    assert keys == [
        "knowledge",
        "knowledge-guides",
        "knowledge-services",
        "events",
        "academy",
        "data",
        "calls",
        "helpdesk",
        "campaigns",
        "organizations",
        "people",
    ]


def test_header_links_come_from_the_registry(client: Client) -> None:
    html = client.get("/").content.decode()
    for key, url in [
        ("knowledge", "/tools/"),
        ("events", "/events/"),
        ("academy", "/events/academy/"),
        ("data", "/datasets/"),
        ("calls", "/calls/"),
        ("helpdesk", "/help/"),
        ("organizations", "/organizations/"),
    ]:
        assert f'href="{url}" data-module="{key}"' in html


def test_a_module_not_registered_is_not_in_the_navigation(client: Client) -> None:
    from allmende.helpdesk.sections import HELP

    modules.unregister(HELP.key)
    try:
        html = client.get("/").content.decode()
    finally:
        modules.register(HELP)
    assert 'data-module="helpdesk"' not in html
    assert 'data-module="helpdesk"' in client.get("/").content.decode()


def test_current_module_is_the_longest_matching_address(client: Client) -> None:
    html = client.get("/events/academy/").content.decode()
    assert 'href="/events/academy/" data-module="academy" aria-current="page"' in html
    assert 'href="/events/" data-module="events">' in html


def test_visibility_decides_who_sees_a_module(
    extra_module: None, user: User, staff: User
) -> None:
    assert "test-staff" not in [m.key for m in modules.modules_for(AnonymousUser())]
    assert "test-staff" not in [m.key for m in modules.modules_for(user)]
    assert modules.modules_for(staff)[0].key == "test-staff"
    assert b"Staff module" not in client_for(user).get("/").content
    assert b"Staff module" in client_for(staff).get("/").content


def test_staff_queue_appears_on_the_staff_dashboard_only(
    extra_module: None, user: User, staff: User
) -> None:
    assert b"queue-marker" not in client_for(user).get("/dashboard/").content
    response = client_for(staff).get("/dashboard/")
    assert b"Staff queue" in response.content
    assert b"queue-marker" in response.content


def test_sections_are_rendered_in_module_order_and_urgent_first(
    rf: RequestFactory, user: User
) -> None:
    request = rf.get("/dashboard/")
    request.user = user
    user.emailaddress_set.create(email="second@example.org", verified=False)
    titles = [str(s.title) for s in modules.dashboard_sections(request)]
    assert titles == [
        "Confirm your e-mail address",
        "My upcoming registrations and bookings",
        "My organizations",
    ]


@pytest.mark.parametrize(
    "q", ['"unclosed', "a AND (b OR", "x" * 10_000, "der die das", ""]
)
def test_header_search_answers_any_input_with_a_page(client: Client, q: str) -> None:
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert b'role="search"' in response.content


def test_every_registered_module_has_an_icon_in_the_sprite() -> None:
    from allmende.core.modules import all_modules
    from allmende.core.templatetags.allmende import icon_names

    names = set(icon_names())
    assert {module.icon for module in all_modules()} <= names
