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
