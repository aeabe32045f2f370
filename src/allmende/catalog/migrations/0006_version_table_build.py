"""The database names the served build of each version (no ``current`` link).

Tables loaded before this change are found through the link they had in the
data folder; a version whose table is gone is recorded as ``missing`` (it
answers "not ready" until it is loaded again).
"""

import os
from pathlib import Path

from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def record_builds(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    version_model = apps.get_model("catalog", "ResourceVersion")
    root = Path(settings.DATA_DIR) / "tables"
    loaded = version_model.objects.filter(loaded_at__isnull=False)
    for version in loaded.only("pk", "resource_id", "number"):
        folder = root / f"resource-{version.resource_id}" / f"v{version.number}"
        try:
            build = os.readlink(folder / "current")
        except OSError:
            build = "missing"
        version_model.objects.filter(pk=version.pk).update(table_build=build[:80])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_load_heartbeats"),
    ]

    operations = [
        migrations.AddField(
            model_name="resourceversion",
            name="table_build",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.RunPython(record_builds, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="resourceversion",
            constraint=models.CheckConstraint(
                condition=models.Q(loaded_at__isnull=True) | ~models.Q(table_build=""),
                name="resource_version_loaded_has_build",
            ),
        ),
    ]
