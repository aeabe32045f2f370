"""The tool directory: entries, licences, filters, pages, search and start page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from allmende.core.models import AuditLogEntry
from allmende.core.search import site_search
from allmende.knowledge import services
from allmende.knowledge.licences import licence_family, normalize_licence
from allmende.knowledge.models import Category, Tool
from allmende.knowledge.selectors import ToolFilters, tool_list
from tests.accounts.factories import StaffFactory
from tests.knowledge.factories import make_tool, tool_data

pytestmark = pytest.mark.django_db


def test_the_listed_categories_are_seeded() -> None:
    names = set(Category.objects.values_list("name_en", flat=True))
    assert {
        "Video conferencing",
        "Chat and messaging",
        "Shared documents",
        "Cloud storage",
        "Surveys",
        "Newsletters",
        "Membership management",
        "Accounting",
        "Website",
        "Data analysis",
        "Maps",
    } <= names


@pytest.mark.parametrize(
    ("given", "stored", "family"),
    [
        ("MIT", "MIT", "permissive"),
        ("mit", "MIT", "permissive"),
        ("GPL-2.0+", "GPL-2.0-or-later", "copyleft"),
        ("AGPL-3.0", "AGPL-3.0-only", "copyleft"),
        ("LGPL-3.0-or-later", "LGPL-3.0-or-later", "weak_copyleft"),
        ("MIT OR Apache-2.0", "MIT OR Apache-2.0", "permissive"),
        ("MIT OR GPL-3.0-only", "MIT OR GPL-3.0-only", "mixed"),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "copyleft",
        ),
    ],
)
def test_licences_are_normalized_spdx_expressions_with_a_family(
    given: str, stored: str, family: str
) -> None:
    assert normalize_licence(given) == stored
    assert licence_family(stored) == family


@pytest.mark.parametrize(
    "given",
    ["Foo-1.0", "LicenseRef-scancode-proprietary-license", "MIT AND", "", "x" * 300],
)
def test_a_licence_not_on_the_spdx_list_is_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        normalize_licence(given)


def test_create_stores_the_entry_with_audit_log_and_search_entry() -> None:
    tool = make_tool(licence="agpl-3.0")
    assert tool.licence == "AGPL-3.0-only"
    assert tool.licence_family == "copyleft"
    assert tool.slug == "jitsi-meet"
    assert AuditLogEntry.objects.filter(
        action="tool.created", object_id=tool.pk
    ).exists()
    hits = site_search(viewer=AnonymousUser(), query="Videokonferenz")
    assert [hit.url for hit in hits] == [tool.get_absolute_url()]


def test_an_unknown_licence_stores_nothing() -> None:
    with pytest.raises(ValidationError) as caught:
        make_tool(licence="Proprietary-Licence")
    assert "licence" in caught.value.message_dict
    assert not Tool.objects.exists()


def test_update_records_the_changed_fields_and_keeps_signals() -> None:
    tool = make_tool()
    Tool.objects.filter(pk=tool.pk).update(links_broken=True)
    services.tool_update(
        actor=StaffFactory(),
        tool=tool,
        data=tool_data(purpose_de="Sichere Videokonferenzen", licence="Apache-2.0"),
        categories=Category.objects.filter(slug__in=["videokonferenzen", "chat"]),
    )
    tool.refresh_from_db()
    assert tool.purpose_de == "Sichere Videokonferenzen"
    assert tool.links_broken
    entry = AuditLogEntry.objects.get(action="tool.updated", object_id=tool.pk)
    assert entry.data["fields"] == ["categories", "purpose_de"]


def test_filters_combine() -> None:
    make_tool()
    make_tool(
        ["umfragen"],
        name="LimeSurvey",
        licence="GPL-2.0-or-later",
        hosting=["self_hosted", "programme"],
        platforms=["web"],
        cost="subscription",
        difficulty="intermediate",
        languages=["de", "en", "fr"],
    )
    make_tool(
        ["umfragen"],
        name="Formbricks",
        licence="AGPL-3.0-only",
        hosting=["saas"],
        platforms=["web"],
        difficulty="beginner",
        languages=["en"],
    )

    def names(**filters: str) -> list[str]:
        return [tool.name for tool in tool_list(filters=ToolFilters(**filters))]

    assert names() == ["Formbricks", "Jitsi Meet", "LimeSurvey"]
    assert names(category="umfragen") == ["Formbricks", "LimeSurvey"]
    assert names(category="umfragen", licence_family="copyleft") == [
        "Formbricks",
        "LimeSurvey",
    ]
    assert names(licence_family="permissive") == ["Jitsi Meet"]
    assert names(hosting="programme") == ["LimeSurvey"]
    assert names(hosting="saas", category="umfragen") == ["Formbricks"]
    assert names(platform="android") == ["Jitsi Meet"]
    assert names(cost="subscription") == ["LimeSurvey"]
    assert names(difficulty="beginner", platform="web") == ["Formbricks", "Jitsi Meet"]
    assert names(language="fr") == ["LimeSurvey"]
    assert names(language="de", q="Umfrage") == ["LimeSurvey"]
    assert names(q="Jitsi") == ["Jitsi Meet"]


def test_list_page_filters_without_javascript_and_answers_htmx_with_results() -> None:
    make_tool()
    make_tool(["umfragen"], name="LimeSurvey", platforms=["web"])
    client = Client()
    page = client.get("/tools/", {"platform": "android"})
    assert page.status_code == 200
    assert b"Jitsi Meet" in page.content and b"LimeSurvey" not in page.content
    assert b"<h1>" in page.content
    partial = client.get(
        "/tools/",
        {"category": "umfragen"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert b"LimeSurvey" in partial.content and b"Jitsi Meet" not in partial.content
    assert b"<h1>" not in partial.content


def test_an_invalid_filter_value_is_ignored_not_an_error() -> None:
    make_tool()
    page = Client().get("/tools/", {"platform": "amiga", "cost": "free"})
    assert page.status_code == 200
    assert b"Jitsi Meet" in page.content


def test_list_runs_a_fixed_number_of_queries() -> None:
    for number in range(3):
        make_tool(name=f"Werkzeug {number}")
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get("/tools/")
    for number in range(3, 12):
        make_tool(["chat", "umfragen"], name=f"Werkzeug {number}")
    with CaptureQueriesContext(connection) as many:
        client.get("/tools/")
    assert len(many) == len(few)


def test_detail_page_shows_the_entry_in_both_languages() -> None:
    tool = make_tool(
        privacy_notes_de="Daten bleiben auf Ihrem Server.",
        privacy_notes_en="Data stays on your server.",
        alternative_to=["Zoom", "Microsoft Teams"],
    )
    english = Client().get(tool.get_absolute_url())
    assert english.status_code == 200
    assert b"Data stays on your server." in english.content
    assert b"Zoom, Microsoft Teams" in english.content
    assert b"Apache-2.0" in english.content
    german = Client().get(tool.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    assert b"Daten bleiben auf Ihrem Server." in german.content
    assert b"Datenschutz" in german.content


def test_start_page_shows_new_and_updated_tools() -> None:
    make_tool()
    page = Client().get("/")
    assert b"New and updated tools" in page.content
    assert b"Jitsi Meet" in page.content


def test_navigation_names_the_knowledge_hub_first() -> None:
    from allmende.core.modules import all_modules

    modules = [m for m in all_modules() if m.url_name]
    assert modules[0].key == "knowledge"
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="de")
    assert b'href="/tools/"' in page.content
    assert b"Wissen" in page.content


def test_a_name_that_is_a_page_gets_another_address() -> None:
    tool = make_tool(name="Maintenance")
    assert tool.slug == "maintenance-2"
    assert Client().get(tool.get_absolute_url()).status_code == 200


def test_demo_lists_real_tools_with_spdx_licences_once() -> None:
    import random
    from io import StringIO

    from allmende.knowledge import demo

    StaffFactory()
    demo.load_demo(rng=random.Random(1), stdout=StringIO())
    demo.load_demo(rng=random.Random(1), stdout=StringIO())
    tools = {tool.name: tool for tool in Tool.objects.all()}
    assert len(tools) == len(demo.TOOLS) >= 10
    assert tools["Nextcloud"].licence == "AGPL-3.0-or-later"
    assert tools["Jitsi Meet"].licence_family == "permissive"
    assert all(tool.categories.exists() for tool in tools.values())
    assert all(tool.checked_at is None for tool in tools.values())


def test_up_to_four_tools_are_compared_side_by_side() -> None:
    for name in ["Eins", "Zwei", "Drei", "Vier", "Fünf"]:
        make_tool(name=name, alternative_to=[f"Ersatz für {name}"])
    client = Client()
    page = client.get(
        "/tools/compare/",
        {"tool": ["zwei", "unbekannt", "eins", "zwei", "drei", "vier", "funf"]},
    ).content.decode()
    assert page.index(">Zwei</a>") < page.index(">Eins</a>") < page.index(">Drei</a>")
    assert "Ersatz für Vier" in page
    assert "Ersatz für Fünf" not in page
    assert "the first 4 are shown" in page
    empty = client.get("/tools/compare/").content.decode()
    assert "Choose up to four tools" in empty


def test_the_list_offers_to_compare_each_tool() -> None:
    make_tool()
    page = Client().get("/tools/").content.decode()
    assert 'name="tool" value="jitsi-meet"' in page
    assert 'action="/tools/compare/"' in page
