from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from allmende.accounts.models import User
from allmende.organizations.models import Membership, Organization
from tests.organizations.factories import (
    FocusAreaFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _confirmation_link() -> str:
    assert mail.outbox, "no confirmation e-mail was sent"
    match = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return re.sub(r"^https?://[^/]+", "", match.group(0))


def _sign_up_and_confirm(page: Any, email: str, username: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=username]", username)
    page.get_by_label("Datenschutzerklärung", exact=False).check()
    page.fill("input[name=password1]", "ein langes Passwort 2024")
    page.fill("input[name=password2]", "ein langes Passwort 2024")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/confirm-email/")
    assert not User.objects.get(username=username).emailaddress_set.get().verified
    # Mail scanners open links: the link shows a page, the button confirms.
    page.goto(_confirmation_link())
    with page.expect_navigation():
        page.get_by_role("button", name="Bestätigen").click()
    assert User.objects.get(username=username).emailaddress_set.get().verified


def test_new_user_signs_up_confirms_email_and_creates_organization(page: Any) -> None:
    FocusAreaFactory(slug="bildung", name_de="Bildung", name_en="Education")
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_role("link", name="Registrieren").first.click()
    assert page.url.endswith("/accounts/signup/")
    _sign_up_and_confirm(page, "ada@example.org", "ada")

    page.goto("/organizations/new/")
    page.get_by_label("Name", exact=False).first.fill("Lesefreunde Görlitz e.V.")
    page.get_by_label("Rechtsform").select_option("ev")
    page.get_by_label("Region").select_option("SN")
    page.get_by_label("Bildung").check()
    page.get_by_label("Ort").fill("Görlitz")
    page.get_by_label("Beschreibung (Deutsch)").fill("Wir **lesen** vor.")
    page.get_by_role("button", name="Organisation anlegen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lesefreunde Görlitz e.V."
    )
    organization = Organization.objects.get(name="Lesefreunde Görlitz e.V.")
    assert Membership.objects.get(organization=organization).role == "admin"
    members = page.get_by_role("table")
    assert "Administrator" in members.inner_text()
    assert page.locator(".prose strong").inner_text() == "lesen"


def test_directory_filters_work_by_keyboard_and_update_results(page: Any) -> None:
    OrganizationFactory(name="Tafel Rostock e.V.", city="Rostock", region="MV")
    OrganizationFactory(name="Kulturhaus Kiel", city="Kiel", region="SH")
    page.goto("/organizations/")
    page.get_by_label("Region").focus()
    page.get_by_label("Region").select_option("MV")
    page.keyboard.press("Enter")
    results = page.locator("#results")
    expect(results).not_to_contain_text("Kulturhaus Kiel")
    expect(results).to_contain_text("Tafel Rostock")


@pytest.mark.any_database
@pytest.mark.parametrize("language", ["de", "en"])
def test_main_pages_have_no_axe_violations(
    page: Any,
    login: Callable[[Any, User], None],
    assert_no_axe_violations: Callable[[Any], None],
    user: User,
    language: str,
) -> None:
    area = FocusAreaFactory()
    organization = OrganizationFactory(
        description_de="Ein **Verein** mit [Website](https://example.org)."
    )
    organization.focus_areas.add(area)
    MembershipFactory(organization=organization, user=user, role="admin")
    page.goto("/")
    page.get_by_role(
        "button", name="English" if language == "en" else "Deutsch"
    ).click()
    public = [
        "/",
        "/organizations/",
        "/organizations/?q=verein&region=SN",
        organization.get_absolute_url(),
        "/people/",
        user.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/does-not-exist/",
    ]
    for url in public:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        assert_no_axe_violations(page)
    login(page, user)
    signed_in = [
        "/organizations/new/",
        organization.get_absolute_url(),
        f"{organization.get_absolute_url()}edit/",
        f"{organization.get_absolute_url()}invite/",
        "/me/",
        "/me/delete/",
        "/accounts/email/",
        "/accounts/2fa/",
    ]
    for url in signed_in:
        page.goto(url)
        assert_no_axe_violations(page)
    # A form with errors is announced and still passes. The browser's own
    # checks of required fields are switched off to reach the server's.
    page.goto("/organizations/new/")
    page.eval_on_selector("form.stacked", "form => form.noValidate = true")
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)


@pytest.mark.any_database
def test_page_fits_a_small_phone_without_horizontal_scrolling(page: Any) -> None:
    OrganizationFactory()
    page.set_viewport_size({"width": 360, "height": 740})
    for url in ["/", "/organizations/", "/accounts/signup/"]:
        page.goto(url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth"
            " - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px"


@pytest.mark.any_database
def test_api_docs_show_the_operations_with_local_assets_only(page: Any) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs")
    # Swagger UI ran (the page fixture fails on any CSP violation).
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".information-container .title")).to_contain_text(
        "Allmende API"
    )
    origin = page.url.split("/api/docs")[0]
    assert [url for url in requested if not url.startswith(origin)] == []


@pytest.mark.any_database
def test_axe_check_fails_on_a_page_with_a_violation(
    page: Any, assert_no_axe_violations: Callable[[Any], None]
) -> None:
    page.goto("/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<input type=text id=unlabelled>')"
    )
    with pytest.raises(AssertionError, match="label"):
        assert_no_axe_violations(page)


def test_admin_invites_a_person_who_signs_up_and_joins(
    page: Any, new_context: Callable[..., Any], login: Callable[[Any, User], None]
) -> None:
    admin = MembershipFactory(
        organization=OrganizationFactory(name="Lesefreunde Görlitz e.V."),
        user__display_name="Ada Admin",
        role="admin",
    ).user
    organization = Organization.objects.get()
    login(page, admin)
    page.goto(organization.get_absolute_url())
    page.get_by_role("link", name="Person einladen").click()
    page.get_by_label("E-Mail-Adresse").fill("bob@example.org")
    page.get_by_role("button", name="Einladung senden").click()
    expect(page.locator("main")).to_contain_text("bob@example.org")
    invitation_link = re.search(
        r"https?://\S+(/organizations/invitations/\S+/)", mail.outbox[-1].body
    )
    assert invitation_link, mail.outbox[-1].body

    bob = new_context().new_page()
    _sign_up_and_confirm(bob, "bob@example.org", "bob")
    bob.goto(invitation_link.group(1))
    with bob.expect_navigation():
        bob.get_by_role("button", name="Einladung annehmen").click()
    bob.context.close()

    page.goto(organization.get_absolute_url())
    rows = page.get_by_role("table").locator("tbody tr").all_inner_texts()
    assert any("Ada Admin" in row and "Administrator" in row for row in rows)
    assert any("bob" in row and "Mitglied" in row for row in rows)


def test_directory_map_shows_organizations_on_the_configured_tiles(
    page: Any,
    tile_server: list[str],
    assert_no_axe_violations: Callable[[Any], None],
) -> None:
    OrganizationFactory(name="Tafel Leipzig", latitude=51.34, longitude=12.37)
    OrganizationFactory(name="Repair Café Kiel", latitude=54.32, longitude=10.13)
    page.goto("/organizations/")
    page.wait_for_selector("#org-map .leaflet-tile-loaded")
    assert tile_server
    markers = page.locator("#org-map .leaflet-marker-icon")
    markers.first.wait_for()
    assert sorted(m.get_attribute("alt") for m in markers.all()) == [
        "Repair Café Kiel",
        "Tafel Leipzig",
    ]
    assert_no_axe_violations(page)
