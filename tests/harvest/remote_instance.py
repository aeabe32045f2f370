"""Data of the second Allmende instance in the round-trip test.

Run as a separate process with that instance's settings in the environment::

    python tests/harvest/remote_instance.py migrate  # an empty, migrated database
    python tests/harvest/remote_instance.py setup    # migrate, add datasets
    python tests/harvest/remote_instance.py change   # change two, withdraw one

Everything goes through the catalog's services, as people there would do it.
"""

from __future__ import annotations

import os
import sys


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    import django

    django.setup()


def migrate() -> None:
    """Migrate, and leave everything in the database file itself (none in the
    write-ahead log), so that a copy of the file is a complete database."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def setup() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from allmende.accounts.models import User
    from allmende.catalog import services
    from allmende.catalog.vocabularies import FREQUENCY_BASE, LICENCE_BASE, THEME_BASE
    from allmende.organizations.services import organization_create

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("remote", "remote@example.org", "remote-password")
    organization = organization_create(
        actor=user,
        name="Fernverein e.V.",
        legal_form="ev",
        region="SN",
        email="post@fernverein.example.org",
    )
    specs = [
        {
            "title_de": "Spielplätze",
            "title_en": "Playgrounds",
            "description_de": "Alle Spielplätze mit Ausstattung.",
            "licence": LICENCE_BASE + "dl-by-de/2.0",
            "keywords": ["Kinder", "Freizeit"],
            "update_frequency": FREQUENCY_BASE + "ANNUAL",
            "spatial": "Görlitz",
            "contact_name": "Team Daten",
            "contact_email": "daten@fernverein.example.org",
            "themes": [THEME_BASE + "SOCI"],
        },
        {
            "title_de": "Trinkbrunnen",
            "description_de": "Öffentliche Trinkbrunnen.",
            "licence": LICENCE_BASE + "cc-zero",
            "themes": [THEME_BASE + "HEAL"],
        },
        {
            "title_de": "Bänke im Park",
            "description_de": "Sitzbänke.",
            "licence": LICENCE_BASE + "cc-by/4.0",
        },
    ]
    for number, spec in enumerate(specs):
        themes = spec.pop("themes", [])
        dataset = services.dataset_create(
            actor=user, organization=organization, themes=themes, **spec
        )
        if number == 0:
            upload = SimpleUploadedFile(
                "spielplaetze.csv", "Name;Geräte\nAm Markt;5\nIm Park;3\n".encode()
            )
            services.resource_create(
                actor=user, dataset=dataset, upload=upload, title_de="Liste"
            )
        services.resource_create(
            actor=user,
            dataset=dataset,
            title_de="Karte",
            url=f"https://karten.example.org/{dataset.slug}",
            format="html",
        )
        services.dataset_set_published(actor=user, dataset=dataset, published=True)


def change() -> None:
    from allmende.accounts.models import User
    from allmende.catalog import services
    from allmende.catalog.models import Dataset

    user = User.objects.get(username="remote")
    playgrounds = Dataset.objects.get(title_de="Spielplätze")
    services.dataset_update(
        actor=user,
        dataset=playgrounds,
        title_de="Spielplätze 2025",
        keywords=["Kinder", "Freizeit", "Sport"],
    )
    fountains = Dataset.objects.get(title_de="Trinkbrunnen")
    services.dataset_update(
        actor=user, dataset=fountains, description_de="Brunnen mit Trinkwasser."
    )
    benches = Dataset.objects.get(title_de="Bänke im Park")
    services.dataset_set_published(actor=user, dataset=benches, published=False)


if __name__ == "__main__":
    _setup_django()
    {"migrate": migrate, "setup": setup, "change": change}[sys.argv[1]]()
