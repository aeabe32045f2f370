"""The design system's assets: size of the CSS, icons, cache headers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.templatetags.static import static
from django.test import Client

from allmende.core.templatetags.allmende import icon_names

STATIC = Path(__file__).resolve().parents[2] / "src/allmende/core/static"
TEMPLATES = Path(__file__).resolve().parents[2] / "src/allmende/templates"

# Every stylesheet a page of the site loads (the API documentation's
# Swagger UI stylesheet is loaded only there and is not part of the design).
SITE_CSS = [
    *sorted((STATIC / "allmende/css").glob("*.css")),
    STATIC / "vendor/leaflet/leaflet.css",
]


def test_the_site_css_stays_under_60_kb() -> None:
    total = sum(path.stat().st_size for path in SITE_CSS)
    assert total < 60_000, f"{total} bytes of CSS"


def test_colours_are_tokens() -> None:
    """Outside the token definitions, the stylesheet uses custom properties."""
    css = (STATIC / "allmende/css/main.css").read_text()
    body = css[css.index("font-size: 100%;") :]
    stray = re.findall(r"#[0-9a-fA-F]{3,6}\b", body)
    # The hover shade of the danger button is the one derived colour.
    assert set(stray) <= {"#7f0f15"}, stray


def test_icon_tag_renders_a_hidden_sprite_reference() -> None:
    html = Template('{% load allmende %}{% icon "search" "icon-large" %}').render(
        Context()
    )
    assert html == (
        '<svg class="icon icon-large" aria-hidden="true" focusable="false">'
        f'<use href="{static("vendor/lucide/icons.svg")}#search"></use></svg>'
    )


def test_every_icon_used_in_a_template_is_in_the_sprite() -> None:
    names = set(icon_names())
    assert {"search", "badge-check", "menu", "user"} <= names
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r'{%\s*icon\s+"([^"]+)"', path.read_text()))
    assert used, "no template uses an icon"
    assert used <= names, used - names


def test_icon_licence_is_vendored() -> None:
    assert "ISC License" in (STATIC / "vendor/lucide/LICENSE").read_text()
    assert "lucide" in (STATIC / "vendor/README.md").read_text()


@pytest.mark.django_db
def test_static_files_are_hashed_and_cached_for_a_long_time(
    settings: Any, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    for name in ["allmende/css/main.css", "vendor/lucide/icons.svg"]:
        url = static(name)
        assert re.search(r"\.[0-9a-f]{12}\.(css|svg)$", url), url
        response = Client().get(url)
        assert response.status_code == 200
        assert "max-age=315360000" in response["Cache-Control"]
        assert "immutable" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_account_pages_use_the_design(client: Client, path: str) -> None:
    html = client.get(path).content.decode()
    main = html[html.index("<main") :]
    assert '<form class="stacked"' in main
    assert '<div class="field' in main
    assert "<label for=" in main
    assert '<div class="actions">' in main


@pytest.mark.django_db
def test_account_form_errors_sit_under_the_field(client: Client) -> None:
    html = client.post(
        "/accounts/signup/", {"email": "not an address", "password1": "x"}
    ).content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert 'class="field has-error"' in html


@pytest.mark.django_db
def test_organization_cards_show_the_logo_or_a_placeholder(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.organizations.factories import OrganizationFactory

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08"
        b"\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00"
        b"\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    OrganizationFactory(name="Ohne Logo e.V.")
    OrganizationFactory(
        name="Mit Logo e.V.", logo=SimpleUploadedFile("logo.png", png, "image/png")
    )
    html = client.get("/organizations/").content.decode()
    assert html.count('<li class="card">') == 2
    assert html.count('<img class="card-logo"') == 1
    assert html.count('<span class="card-placeholder">') == 1


@pytest.mark.django_db
def test_empty_result_is_an_empty_state(client: Client) -> None:
    html = client.get("/organizations/?q=nichtsdergleichen").content.decode()
    assert '<div class="empty-state">' in html
