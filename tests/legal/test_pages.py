"""The legal pages: shown to everyone, linked everywhere, edited by staff."""

from __future__ import annotations

import random
from io import StringIO
from typing import Any

import pytest
from django.test import Client

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry
from allmende.legal.demo import load_demo
from allmende.legal.models import LegalPage, LegalText
from allmende.legal.services import legal_text_save
from tests.accounts.factories import StaffFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

LEGAL_URLS = ["/impressum/", "/datenschutz/", "/barrierefreiheit/"]


def test_every_page_links_the_legal_pages_in_its_footer(
    organization: Any, user: User
) -> None:
    event = EventFactory()
    pages = [
        (Client(), "/"),
        (Client(), "/organizations/"),
        (Client(), organization.get_absolute_url()),
        (Client(), event.get_absolute_url()),
        (Client(), "/datasets/"),
        (Client(), "/accounts/login/"),
        (Client(), "/accounts/signup/"),
        (Client(), "/does-not-exist/"),
        (client_for(user), "/me/"),
        *[(Client(), url) for url in LEGAL_URLS],
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        footer = response.content.decode().split('<footer class="site-footer">')[1]
        for legal_url in LEGAL_URLS:
            assert f'href="{legal_url}"' in footer, (url, legal_url)


def test_pages_show_the_marked_template_until_staff_save_a_text(
    client: Client,
) -> None:
    for url in LEGAL_URLS:
        response = client.get(url)
        assert response.status_code == 200
        assert "Template:" in response.content.decode()
        german = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        assert "Vorlage:" in german.content.decode()
    assert LegalText.objects.count() == 0


def test_page_needs_a_constant_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    staff = StaffFactory()
    for index in range(5):
        legal_text_save(
            actor=staff, page=LegalPage.PRIVACY, body_de=f"Text {index}", body_en=""
        )
    with django_assert_max_num_queries(2):
        response = client.get("/datenschutz/")
    assert "Text 4" in response.content.decode()


def test_each_staff_save_adds_a_version_and_keeps_the_earlier_ones() -> None:
    staff = StaffFactory()
    client = client_for(staff)
    for text in ["Erste Fassung", "Zweite Fassung", "Zweite Fassung"]:
        response = client.post(
            "/datenschutz/bearbeiten/", {"body_de": text, "body_en": "English"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/datenschutz/"
    versions = list(
        LegalText.objects.filter(page=LegalPage.PRIVACY).order_by("version")
    )
    # Saving an unchanged text makes no new version.
    assert [(v.version, v.body_de) for v in versions] == [
        (1, "Erste Fassung"),
        (2, "Zweite Fassung"),
    ]
    assert all(v.created_by == staff for v in versions)
    entries = AuditLogEntry.objects.filter(action="legal_text.saved")
    assert sorted(e.data["version"] for e in entries) == [1, 2]
    assert all(e.actor == staff for e in entries)
    page = Client().get("/datenschutz/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Zweite Fassung" in page.content.decode()
    history = client.get("/datenschutz/versionen/")
    assert history.status_code == 200
    assert b'href="/datenschutz/versionen/1/"' in history.content
    old = client.get("/datenschutz/versionen/1/")
    assert "Erste Fassung" in old.content.decode()


def test_script_in_a_legal_text_is_removed_like_in_every_markdown() -> None:
    staff = StaffFactory()
    body = (
        "## Kontakt\n\n<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n[Klick](javascript:alert(1))'
    )
    response = client_for(staff).post(
        "/impressum/bearbeiten/", {"body_de": body, "body_en": body}
    )
    assert response.status_code == 302
    page = Client().get("/impressum/").content.decode()
    assert "<h2>Kontakt</h2>" in page
    article = page.split('<article class="legal-text">')[1].split("</article>")[0]
    assert "<script" not in article
    assert "onerror" not in article
    assert "javascript:" not in article
    assert "<img" not in article


ROLES = ["anonymous", "member", "organization admin", "staff"]


def _client_for_role(role: str, org_member: User, org_admin: User) -> Client:
    users = {
        "anonymous": None,
        "member": org_member,
        "organization admin": org_admin,
        "staff": StaffFactory(),
    }
    return client_for(users[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        "/impressum/bearbeiten/",
        "/datenschutz/bearbeiten/",
        "/barrierefreiheit/bearbeiten/",
        "/datenschutz/versionen/",
        "/barrierefreiheit/rueckmeldungen/",
    ],
)
def test_only_staff_may_open_the_staff_pages(
    role: str, url: str, org_member: User, org_admin: User
) -> None:
    response = _client_for_role(role, org_member, org_admin).get(url)
    expected = {"anonymous": 302, "staff": 200}.get(role, 403)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_may_save_a_legal_text(
    role: str, org_member: User, org_admin: User
) -> None:
    response = _client_for_role(role, org_member, org_admin).post(
        "/impressum/bearbeiten/", {"body_de": "Neu", "body_en": ""}
    )
    saved = LegalText.objects.filter(page=LegalPage.IMPRINT).exists()
    assert saved == (role == "staff")
    assert response.status_code == (302 if role in ("anonymous", "staff") else 403)


def test_staff_see_edit_links_on_the_page_others_do_not(user: User) -> None:
    assert (
        b"/impressum/bearbeiten/"
        in client_for(StaffFactory()).get("/impressum/").content
    )
    assert b"/impressum/bearbeiten/" not in client_for(user).get("/impressum/").content


def test_unknown_legal_page_is_not_found() -> None:
    assert client_for(StaffFactory()).get("/kontakt/bearbeiten/").status_code == 404


def test_demo_stores_the_templates_once() -> None:
    for _ in range(2):
        load_demo(rng=random.Random(1), stdout=StringIO())
    assert sorted(LegalText.objects.values_list("page", "version")) == [
        ("barrierefreiheit", 1),
        ("datenschutz", 1),
        ("impressum", 1),
    ]
    assert "Vorlage:" in LegalText.objects.get(page=LegalPage.IMPRINT).body_de


def test_admin_lists_versions_and_feedback_read_only() -> None:
    staff = StaffFactory(is_superuser=True)
    legal_text_save(actor=staff, page=LegalPage.IMPRINT, body_de="Text", body_en="")
    client = client_for(staff)
    for url in ["/admin/legal/legaltext/", "/admin/legal/accessibilityfeedback/"]:
        assert client.get(url).status_code == 200
    assert client.get("/admin/legal/legaltext/add/").status_code == 403
