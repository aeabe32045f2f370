"""The styleguide: staff only, every component with its escaped snippet."""

from __future__ import annotations

import pytest
from django.test import Client

from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.organizations.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/styleguide/"


def test_visitor_is_sent_to_log_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_is_refused() -> None:
    client = Client()
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_organization_admin_is_refused() -> None:
    client = Client()
    client.force_login(MembershipFactory(role=Membership.Role.ADMIN).user)
    assert client.get(URL).status_code == 403


def test_staff_without_two_factor_must_set_it_up_first() -> None:
    client = Client()
    client.force_login(StaffFactory(totp=False))
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


def test_staff_sees_every_component_with_its_escaped_snippet() -> None:
    client = Client()
    client.force_login(StaffFactory())
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in [
        "colours", "type", "spacing", "icons", "buttons", "badges", "cards",
        "forms", "tables", "alerts", "empty", "pagination", "breadcrumbs",
        "tabs", "progress",
    ]:  # fmt: skip
        assert f'id="{anchor}"' in html
    # The rendered component and its source, escaped.
    assert '<button type="button" class="danger">' in html
    assert "&lt;button type=&quot;button&quot; class=&quot;danger&quot;&gt;" in html
    assert "{% icon &quot;trash-2&quot; %}" in html
    # Every field type, including an input without a type, with an error.
    for widget in ['type="email"', 'type="file"', 'type="checkbox"', "<select"]:
        assert widget in html
    assert '<input id="styleguide-untyped"' in html
    assert 'class="error" id="styleguide-name-error"' in html
