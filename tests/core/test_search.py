from __future__ import annotations

import pytest
from django.db import connection

from allmende.organizations.models import Organization
from allmende.organizations.services import organization_index
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _indexed(**kwargs: object) -> Organization:
    organization = OrganizationFactory(**kwargs)
    organization_index(organization)
    return organization


def _search(query: str) -> list[str]:
    from allmende.core.search import search_queryset

    return [o.name for o in search_queryset(Organization.objects.all(), query)]


def test_search_finds_words_in_name_and_description() -> None:
    _indexed(name="Tafel Rostock", description_de="Lebensmittel retten")
    _indexed(name="Kulturhaus Kiel", description_de="Theater und Musik")
    assert _search("lebensmittel") == ["Tafel Rostock"]
    assert _search("kiel") == ["Kulturhaus Kiel"]


def test_search_matches_word_beginnings() -> None:
    _indexed(name="Digitalwerkstatt Görlitz")
    assert _search("digital") == ["Digitalwerkstatt Görlitz"]


def test_search_requires_every_word() -> None:
    _indexed(name="Tafel Rostock")
    _indexed(name="Tafel Kiel")
    assert _search("tafel kiel") == ["Tafel Kiel"]


def test_search_ranks_name_matches_before_description_matches() -> None:
    _indexed(name="Verein A", description_de="Wir lieben Fahrräder")
    _indexed(name="Fahrradwerkstatt", description_de="Reparaturcafé")
    assert _search("fahrrad")[0] == "Fahrradwerkstatt"


@pytest.mark.parametrize(
    "query",
    ["NEAR(tafel kiel)", "tafel OR kiel", "title:tafel", "tafel'; DROP TABLE x; --"],
)
def test_search_treats_operators_in_queries_as_plain_words(query: str) -> None:
    _indexed(name="Tafel Rostock")
    assert _search(query) == []


@pytest.mark.parametrize("query", ['"', "*", "'", "(", ":", "^"])
def test_search_of_punctuation_alone_does_not_fail(query: str) -> None:
    _indexed(name="Tafel Rostock")
    assert _search(query) == ["Tafel Rostock"]


def test_search_without_words_leaves_the_list_unfiltered() -> None:
    _indexed(name="Tafel Rostock")
    assert _search("  ") == ["Tafel Rostock"]


def test_search_uses_german_stemming() -> None:
    _indexed(name="Förderverein", description_de="Wir unterstützen Schulen")
    assert _search("schule") == ["Förderverein"]
    assert _search("fördervereine") == ["Förderverein"]


def test_search_uses_english_stemming_too() -> None:
    _indexed(name="Workshop on open data", description_en="We are teaching ducks")
    _indexed(name="Verein für Gärten", description_de="Wir pflegen Beete")
    assert _search("workshops") == ["Workshop on open data"]
    assert _search("teaches duck") == ["Workshop on open data"]
    assert _search("Vereine") == ["Verein für Gärten"]
    # A word stemmed in one language and a word stemmed in the other.
    assert _search("workshops open") == ["Workshop on open data"]
    assert _search("workshops vereine") == []


def test_search_query_words_may_be_english_or_german_in_either_language(
    settings: object,
) -> None:
    from django.utils import translation

    _indexed(name="Förderverein", description_de="Unterstützung für Schulen")
    with translation.override("en"):
        assert _search("schools") == []
        assert _search("schulen") == ["Förderverein"]
        assert _search("förderverein") == ["Förderverein"]


def test_search_index_of_sqlite_is_rebuilt_by_migration() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only")
    from importlib import import_module

    from django.apps import apps

    organization = OrganizationFactory(name="Vereinshaus")
    organization_index(organization)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_searchentry_fts")
    assert _search("vereine") == []
    migration = import_module("allmende.core.migrations.0004_sqlite_fts_stems")

    class Editor:
        # The part of a schema editor the migration uses; a real one cannot
        # start inside the test's transaction on SQLite.
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.forward(apps, Editor())
    assert _search("vereine") == ["Vereinshaus"]


def test_search_index_gets_english_stems_from_migration() -> None:
    from importlib import import_module

    from django.apps import apps

    organization = OrganizationFactory(name="Party am See")
    organization_index(organization)
    # The index as it was: German stems only.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_searchentry_fts SET title = 'party am see', body = ''"
            )
    else:
        from django.contrib.postgres.search import SearchVector

        from allmende.core.models import SearchEntry

        SearchEntry.objects.update(
            vector=SearchVector("title", weight="A", config="german")
        )
    assert _search("parties") == []
    migration = import_module("allmende.core.migrations.0005_search_english_stems")

    class Editor:
        def __init__(self) -> None:
            self.connection = connection

    migration.forward(apps, Editor())
    assert _search("parties") == ["Party am See"]
