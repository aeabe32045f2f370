"""Reproducible German-style CSV test data for the catalog engine benchmark."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

CITIES = (
    "München",
    "Köln",
    "Düsseldorf",
    "Nürnberg",
    "Würzburg",
    "Lübeck",
    "Göttingen",
    "Tübingen",
    "Saarbrücken",
    "Osnabrück",
    "Fürth",
    "Gießen",
    "Jülich",
    "Lörrach",
    "Berlin",
    "Hamburg",
    "Dresden",
    "Leipzig",
    "Erfurt",
    "Jena",
    "Chemnitz",
    "Zwickau",
    "Görlitz",
    "Bautzen",
    "Cottbus",
    "Potsdam",
    "Rostock",
    "Schwerin",
    "Kiel",
    "Bremen",
    "Hannover",
    "Braunschweig",
    "Münster",
    "Bielefeld",
    "Dortmund",
    "Essen",
    "Bonn",
    "Mainz",
    "Wiesbaden",
    "Frankfurt am Main",
    "Darmstadt",
    "Mannheim",
    "Heidelberg",
    "Karlsruhe",
    "Stuttgart",
    "Ulm",
    "Augsburg",
    "Regensburg",
    "Passau",
    "Konstanz",
)
CATEGORIES = (
    "Sport",
    "Kultur",
    "Bildung",
    "Umwelt",
    "Soziales",
    "Jugend",
    "Senioren",
    "Gesundheit",
    "Nachbarschaft",
    "Tierschutz",
    "Musik",
    "Geschichte",
)
WORDS = (
    "Förderung",
    "Verein",
    "für",
    "die",
    "Gemeinschaft",
    "Straßenfest",
    "Übungsleiter",
    "Jahreshauptversammlung",
    "Spende",
    "Ehrenamt",
    "Mitgliederbeitrag",
    "Kinder",
    "Jugendliche",
    "Grünfläche",
    "Bürgerhaus",
    "Projekt",
    "Zuschuss",
    "gemeinnützig",
    "Veranstaltung",
    "Flüchtlingshilfe",
    "Begegnung",
    "Öffentlichkeitsarbeit",
    "und",
    "mit",
    "im",
    "Stadtteil",
    "Schulhof",
    "Sommerfest",
    "Kleiderkammer",
    "Tafel",
)
HEADER = (
    "ID",
    "Vereinsnummer",
    "Name",
    "Stadt",
    "PLZ",
    "Kategorie",
    "Mitglieder",
    "Beitrag",
    "Gegründet",
    "Aktualisiert",
    "Aktiv",
    "Beschreibung",
)


def _german_number(value: float) -> str:
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def generate(path: Path, rows: int, seed: int = 20240601) -> Path:
    """Write ``rows`` rows of semicolon-separated German data to ``path``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    start = dt.date(1950, 1, 1).toordinal()
    span = dt.date(2024, 12, 31).toordinal() - start
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(HEADER)
        for i in range(1, rows + 1):
            city = rng.choice(CITIES)
            words = rng.choices(WORDS, k=rng.randint(2, 6))
            if rng.random() < 0.1:
                words.insert(2, '"Miteinander"')
            description = " ".join(words)
            founded = dt.date.fromordinal(start + rng.randrange(span))
            updated = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
                minutes=rng.randrange(525_600)
            )
            writer.writerow(
                (
                    i,
                    f"VR {rng.randrange(1, 99999):05d}",
                    f"{rng.choice(CATEGORIES)}verein {city} "
                    f"{rng.randrange(1, 500)} e.V.",
                    city,
                    f"{rng.randrange(1067, 99999):05d}",
                    rng.choice(CATEGORIES),
                    rng.randrange(3, 5000) if rng.random() > 0.05 else "",
                    _german_number(rng.uniform(-500, 25000)),
                    founded.strftime("%d.%m.%Y"),
                    updated.strftime("%d.%m.%Y %H:%M"),
                    "ja" if rng.random() < 0.8 else "nein",
                    description if rng.random() > 0.03 else "k.A.",
                )
            )
    return path
