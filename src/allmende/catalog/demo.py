"""Demo datasets: small generated German tables, loaded at once."""

from __future__ import annotations

import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from allmende.catalog import services
from allmende.catalog.models import Dataset, DatasetTheme, Resource, ResourceVersion
from allmende.catalog.vocabularies import FREQUENCY_BASE, LICENCE_BASE, THEME_BASE
from allmende.organizations.models import Organization

CITIES = [
    ("Berlin", 13.405, 52.52),
    ("Hamburg", 9.9937, 53.5511),
    ("Köln", 6.9603, 50.9375),
    ("Leipzig", 12.3731, 51.3397),
    ("Görlitz", 14.989, 51.155),
    ("Kiel", 10.1228, 54.3233),
    ("Erfurt", 11.0299, 50.9848),
    ("Freiburg im Breisgau", 7.8421, 47.999),
]


def _tafel_csv(rng: random.Random) -> bytes:
    lines = ["Stadt;Monat;Ausgabestellen;Haushalte;Lebensmittel (kg)"]
    for city, _lon, _lat in CITIES:
        for month in range(1, 13):
            households = rng.randint(300, 4000)
            kilos = households * rng.uniform(4, 9)
            kilos_text = f"{kilos:,.1f}".replace(",", "X").replace(".", ",")
            lines.append(
                f"{city};2024-{month:02d};{rng.randint(1, 12)};{households};"
                f"{kilos_text.replace('X', '.')}"
            )
    return ("\n".join(lines) + "\n").encode()


def _places_geojson(rng: random.Random) -> bytes:
    import json

    features = []
    for city, lon, lat in CITIES:
        for index in range(3):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [
                            round(lon + rng.uniform(-0.03, 0.03), 5),
                            round(lat + rng.uniform(-0.03, 0.03), 5),
                        ],
                    },
                    "properties": {
                        "Name": f"Repair-Café {city} {index + 1}",
                        "Stadt": city,
                        "Termine pro Jahr": rng.randint(4, 24),
                    },
                }
            )
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False
    ).encode()


DATASETS: list[dict[str, Any]] = [
    {
        "title_de": "Ausgaben der Tafeln 2024",
        "title_en": "Food bank distributions 2024",
        "description_de": "Haushalte und ausgegebene Lebensmittel je Monat und Stadt.",
        "licence": LICENCE_BASE + "dl-by-de/2.0",
        "theme": "SOCI",
        "file": ("tafeln-2024.csv", _tafel_csv),
    },
    {
        "title_de": "Repair-Cafés in Deutschland",
        "title_en": "Repair cafés in Germany",
        "description_de": "Orte und Termine von Repair-Cafés.",
        "licence": LICENCE_BASE + "cc-by/4.0",
        "theme": "ENVI",
        "file": ("repair-cafes.geojson", _places_geojson),
    },
]


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if Dataset.objects.exists():
        stdout.write("Datasets already present; left as they are.")
        return
    organization = Organization.objects.order_by("pk").first()
    if organization is None:
        return
    count = 0
    for spec in DATASETS:
        with transaction.atomic():
            dataset = Dataset.objects.create(
                organization=organization,
                slug=services._unique_slug(spec["title_de"]),
                title_de=spec["title_de"],
                title_en=spec["title_en"],
                description_de=spec["description_de"],
                licence=spec["licence"],
                keywords=["Demo"],
                update_frequency=FREQUENCY_BASE + "ANNUAL",
                status=Dataset.Status.PUBLISHED,
                issued_at=timezone.now(),
            )
            DatasetTheme.objects.create(
                dataset=dataset, theme=THEME_BASE + spec["theme"]
            )
            name, make = spec["file"]
            resource = Resource.objects.create(
                dataset=dataset, kind=Resource.Kind.UPLOAD, title_de=spec["title_de"]
            )
            version = ResourceVersion(
                resource=resource, number=1, filename=name, format=name.rsplit(".")[-1]
            )
            upload = SimpleUploadedFile(name, make(rng))
            version.byte_size = upload.size or 0
            version.original = upload
            version.save()
            services.dataset_index(dataset)
        # Loaded here and now, not in a job: the demo must be complete at once.
        services.version_ingest(version_id=version.pk)
        count += 1
    stdout.write(f"Demo datasets loaded: {count}.")
