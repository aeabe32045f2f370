from typing import Any

from django.core.files.storage import storages
from django.db import migrations, models

import allmende.catalog.storage
import allmende.core.files


def move_originals(apps: Any, schema_editor: Any) -> None:
    """Move the originals out of the publicly served media tree."""
    public, private = storages["default"], storages["private"]
    versions = apps.get_model("catalog", "ResourceVersion").objects.exclude(
        original=""
    )
    for version in versions.iterator():
        name = version.original.name
        if not public.exists(name):
            continue
        with public.open(name, "rb") as source:
            stored = private.save(name, source)
        if stored != name:
            type(version).objects.filter(pk=version.pk).update(original=stored)
        public.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_iri_for_web_addresses"),
    ]

    operations = [
        migrations.AlterField(
            model_name="resourceversion",
            name="original",
            field=models.FileField(
                blank=True,
                max_length=500,
                storage=allmende.core.files.private_storage,
                upload_to=allmende.catalog.storage.original_upload_to,
                verbose_name="file",
            ),
        ),
        migrations.RunPython(move_originals, migrations.RunPython.noop, elidable=True),
    ]
