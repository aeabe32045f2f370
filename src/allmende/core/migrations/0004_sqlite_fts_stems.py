"""Full-text search on SQLite: index word stems instead of the words.

SQLite has no German stemming tokenizer, so the FTS5 table now holds its own
text, the Snowball stems of each entry's title and body, written by
``allmende.core.search.index_object``. A trigger still removes the row of a
deleted entry. Existing entries are indexed again here. On PostgreSQL nothing
happens: the ``german`` configuration stems there.
"""

from importlib import import_module

from django.db import migrations

DROP_EXTERNAL = [
    "DROP TRIGGER IF EXISTS core_searchentry_au",
    "DROP TRIGGER IF EXISTS core_searchentry_ad",
    "DROP TRIGGER IF EXISTS core_searchentry_ai",
    "DROP TABLE IF EXISTS core_searchentry_fts",
]
CREATE_STEMS = [
    """
    CREATE VIRTUAL TABLE core_searchentry_fts USING fts5(
        title, body, tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER core_searchentry_ad AFTER DELETE ON core_searchentry BEGIN
        DELETE FROM core_searchentry_fts WHERE rowid = old.id;
    END
    """,
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from allmende.core.search import fts_replace

    for statement in DROP_EXTERNAL + CREATE_STEMS:
        schema_editor.execute(statement)
    entries = apps.get_model("core", "SearchEntry").objects
    for pk, title, body in entries.values_list("pk", "title", "body").iterator():
        fts_replace(schema_editor.connection, pk, title, body)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    earlier = import_module("allmende.core.migrations.0002_sqlite_fts")
    for statement in DROP_EXTERNAL + earlier.FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_programme_text")]

    operations = [migrations.RunPython(forward, backward)]
