"""Full-text search stems every entry in German and in English.

Existing entries are indexed again: on PostgreSQL their vector gets the
``english`` configuration besides the ``german`` one, on SQLite the FTS5 table
gets the English Snowball stems besides the German ones. Going back leaves the
additional stems in place; they only let more words match.
"""

from django.db import migrations
from django.db.models import F


def forward(apps, schema_editor):
    from allmende.core.search import fts_replace, search_vector

    entries = apps.get_model("core", "SearchEntry").objects
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        entries.update(vector=search_vector(F("title"), F("body")))
    elif vendor == "sqlite":
        for pk, title, body in entries.values_list("pk", "title", "body").iterator():
            fts_replace(schema_editor.connection, pk, title, body)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_sqlite_fts_stems")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
