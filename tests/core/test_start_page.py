"""The start page: the programme in one sentence and a section per module."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.accounts.models import User
from allmende.core.models import AuditLogEntry, ProgrammeText
from allmende.events.models import EventStatus
from allmende.events.services import registrations as event_services
from tests.accounts.factories import UserFactory
from tests.catalog.factories import DatasetFactory, PublishedDatasetFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory
from tests.helpdesk.factories import FaqEntryFactory
from tests.organizations.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def add_content(count: int) -> None:
    for _ in range(count):
        organization = OrganizationFactory()
        EventFactory(organization=organization)
        PublishedDatasetFactory(organization=organization)
        FaqEntryFactory()


def test_start_page_shows_a_section_per_module(client: Client) -> None:
    organization = OrganizationFactory(name="Baumfreunde e.V.")
    EventFactory(title_en="Open workshop", capacity=5, organization=organization)
    EventFactory(title_en="Full workshop", capacity=1, places_taken=1)
    EventFactory(title_en="Draft workshop", status=EventStatus.DRAFT)
    EventFactory(
        title_en="Past workshop",
        starts_at=timezone.now() - timedelta(days=2),
    )
    PublishedDatasetFactory(title_de="Baumkataster", organization=organization)
    DatasetFactory(title_de="Entwurf der Daten")
    html = client.get("/").content.decode()
    assert "Upcoming events with free places" in html
    assert "Open workshop" in html
    assert "5 places left" in html
    for hidden in ("Full workshop", "Draft workshop", "Past workshop"):
        assert hidden not in html
    assert "New and updated datasets" in html
    assert "Baumkataster" in html
    assert "Entwurf der Daten" not in html
    assert "Newest organizations" in html
    assert "Baumfreunde e.V." in html


def test_private_dataset_is_not_on_the_start_page(client: Client) -> None:
    PublishedDatasetFactory(title_de="Geheime Liste", is_private=True)
    assert b"Geheime Liste" not in client.get("/").content


def test_empty_modules_leave_no_empty_section(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "Upcoming events with free places" not in html
    assert "New and updated datasets" not in html


@pytest.mark.parametrize("logged_in", [False, True])
def test_start_page_queries_do_not_grow_with_data(
    logged_in: bool, django_assert_max_num_queries: object
) -> None:
    user = UserFactory()
    MembershipFactory(user=user)
    client = client_for(user if logged_in else None)
    add_content(2)
    client.get("/")
    cache.clear()
    # A few queries per module's section, however much there is to show.
    with django_assert_max_num_queries(24) as small:  # type: ignore[operator]
        client.get("/")
    add_content(15)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):  # type: ignore[operator]
        response = client.get("/")
    assert response.status_code == 200


def _section_queries(queries: list[dict[str, str]]) -> list[str]:
    return [
        query["sql"]
        for query in queries
        if any(
            f'FROM "{table}"' in query["sql"]
            for table in (
                "events_event",
                "organizations_organization",
                "catalog_dataset",
            )
        )
    ]


@pytest.mark.parametrize("logged_in", [False, True])
def test_start_sections_come_from_the_cache(logged_in: bool) -> None:
    user = UserFactory()
    MembershipFactory(user=user)
    client = client_for(user if logged_in else None)
    add_content(3)
    with CaptureQueriesContext(connection) as cold:
        first = client.get("/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        second = client.get("/").content.decode()
    assert len(_section_queries(cold.captured_queries)) >= 3
    # Logged in, one query asks whether the person sees more datasets than
    # the public.
    assert len(_section_queries(warm.captured_queries)) == (1 if logged_in else 0)
    assert len(warm) < len(cold)
    # Three events, three datasets, four organizations (one of them the user's).
    assert first.count('class="card"') == second.count('class="card"') == 10


def test_a_change_shows_on_the_start_page_at_once(user: User, client: Client) -> None:
    event = EventFactory(title_en="Open workshop", capacity=5)
    OrganizationFactory(name="Erster Verein")
    assert "5 places left" in client.get("/").content.decode()
    event_services.registration_create(event=event, actor=user)
    OrganizationFactory(name="Zweiter Verein")
    PublishedDatasetFactory(title_de="Neue Daten")
    html = client.get("/").content.decode()
    assert "4 places left" in html
    assert "Zweiter Verein" in html
    assert "Neue Daten" in html
    event.delete()
    assert "Open workshop" not in client.get("/").content.decode()


def test_cached_sections_keep_each_language_apart(client: Client) -> None:
    EventFactory(title_en="Open workshop", title_de="Offene Werkstatt")
    for _ in range(2):
        english = client.get("/").content.decode()
        german = client.get("/", headers={"accept-language": "de"}).content.decode()
        assert "Open workshop" in english
        assert "Offene Werkstatt" not in english
        assert "Offene Werkstatt" in german
        assert "Open workshop" not in german


def test_private_dataset_is_shown_to_members_only_despite_the_cache(
    client: Client,
) -> None:
    organization = OrganizationFactory()
    member = MembershipFactory(organization=organization).user
    PublishedDatasetFactory(title_de="Offene Liste")
    PublishedDatasetFactory(
        title_de="Interne Liste", organization=organization, is_private=True
    )
    stranger = client_for(UserFactory())
    for _ in range(2):
        assert "Interne Liste" in client_for(member).get("/").content.decode()
        for visitor in (client, stranger):
            html = visitor.get("/").content.decode()
            assert "Offene Liste" in html
            assert "Interne Liste" not in html


def test_programme_text_defaults_without_a_saved_row(client: Client) -> None:
    html = client.get("/").content.decode()
    assert "Digital and data work for civil society" in html


def test_programme_text_is_shown_in_the_active_language(client: Client) -> None:
    ProgrammeText.objects.create(
        name_de="Gemeinsam digital",
        name_en="Digital together",
        claim_de="Daten für das Gemeinwohl",
        claim_en="Data for the common good",
        text_de="Das Programm unterstützt Vereine.",
        text_en="The programme supports associations.",
    )
    english = client.get("/").content.decode()
    assert "Data for the common good" in english
    assert "The programme supports associations." in english
    german = client.get("/", headers={"accept-language": "de"}).content.decode()
    assert "Daten für das Gemeinwohl" in german


def test_staff_edits_the_programme_text_with_an_audit_entry(staff: User) -> None:
    client = client_for(staff)
    page = client.get("/start-page/edit/")
    assert page.status_code == 200
    response = client.post(
        "/start-page/edit/",
        {
            "name_de": "Gemeinsam digital",
            "name_en": "",
            "claim_de": "Daten für das Gemeinwohl",
            "claim_en": "Data for the common good",
            "text_de": "Das Programm unterstützt Vereine.",
            "text_en": "The programme supports associations.",
        },
    )
    assert response.status_code == 302
    programme = ProgrammeText.objects.get()
    assert programme.claim_en == "Data for the common good"
    entry = AuditLogEntry.objects.get(action="programme_text.updated")
    assert entry.actor == staff
    assert "claim_de" in entry.data["fields"]
    html = client.get("/").content.decode()
    assert "Data for the common good" in html
    # An empty English name falls back to the German one.
    assert "Gemeinsam digital" in html


def test_programme_text_requires_the_german_fields(staff: User) -> None:
    response = client_for(staff).post("/start-page/edit/", {"claim_en": "Only"})
    assert response.status_code == 200
    assert not ProgrammeText.objects.exists()


@pytest.mark.parametrize("role", ["anonymous", "user", "member", "org_admin"])
def test_only_staff_may_edit_the_programme_text(role: str) -> None:
    user = None
    if role == "user":
        user = UserFactory()
    elif role in ("member", "org_admin"):
        user = MembershipFactory(role="admin" if role == "org_admin" else "member").user
    client = client_for(user)
    for response in (
        client.get("/start-page/edit/"),
        client.post(
            "/start-page/edit/", {"name_de": "X", "claim_de": "Y", "text_de": "Z"}
        ),
    ):
        if user is None:
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code == 403
    assert not ProgrammeText.objects.exists()
    assert b"/start-page/edit/" not in client.get("/").content


def test_staff_sees_the_edit_link(staff: User) -> None:
    assert b"/start-page/edit/" in client_for(staff).get("/").content
