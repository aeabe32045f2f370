"""A person's file, opened at its address on the platform, runs no script."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from allmende.organizations import services
from allmende.organizations.models import Membership
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = b"<html><script>document.title='owned';fetch('/owned')</script></html>"


@pytest.fixture(autouse=True)
def _media_through_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's live server answers ``MEDIA_URL`` itself, past every view; here
    ``/media/`` must reach the platform's view, as it does outside tests."""
    from django.test import testcases

    monkeypatch.setattr(
        testcases._MediaFilesHandler, "_should_handle", lambda self, path: False
    )


def _png_with_script() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue() + SCRIPT


def _watch(page: Any) -> list[str]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def test_logo_with_a_script_uploaded_as_html_runs_nothing(page: Any) -> None:
    organization = OrganizationFactory()
    admin = MembershipFactory(
        organization=organization, role=Membership.Role.ADMIN
    ).user
    services.organization_update(
        actor=admin,
        organization=organization,
        logo=SimpleUploadedFile("logo.html", _png_with_script(), "text/html"),
    )
    organization.refresh_from_db()
    requested = _watch(page)

    answer = page.goto(organization.logo.url)
    page.wait_for_load_state("load")

    assert answer.headers["content-type"] == "image/png"
    assert page.evaluate("document.title") != "owned"
    assert page.locator("img").count() == 1
    assert not [url for url in requested if url.endswith("/owned")]


def test_page_stored_before_the_rules_is_downloaded_not_run(
    page: Any, settings: Any
) -> None:
    logos = Path(settings.MEDIA_ROOT) / "organizations" / "logos"
    logos.mkdir(parents=True, exist_ok=True)
    (logos / "altes-logo.html").write_bytes(SCRIPT)
    requested = _watch(page)

    with page.expect_download() as download:
        try:
            page.goto("/media/organizations/logos/altes-logo.html")
        except Exception as error:  # noqa: BLE001 - Chromium aborts the navigation
            assert "ERR_ABORTED" in str(error) or "Download" in str(error)

    assert download.value.suggested_filename == "altes-logo.html"
    assert page.evaluate("document.title") != "owned"
    assert not [url for url in requested if url.endswith("/owned")]
