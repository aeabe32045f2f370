"""Load demo data once: focus areas, skills, organizations, people, an admin.

Running it again changes nothing, so ``make run`` can call it every time. The
staff user ``admin`` gets the password from ``ALLMENDE_ADMIN_PASSWORD`` or a
random one, printed once.
"""

from __future__ import annotations

import os
import random
import secrets
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from allmende.accounts.models import Skill, User
from allmende.accounts.services import person_index
from allmende.core.models import FocusArea
from allmende.core.plugins import app_modules
from allmende.organizations.models import LegalForm, Membership, Organization
from allmende.organizations.services import organization_index

FOCUS_AREAS = [
    ("bildung", "Bildung", "Education"),
    ("umwelt", "Umwelt- und Klimaschutz", "Environment and climate"),
    ("soziales", "Soziales", "Social welfare"),
    ("kultur", "Kultur", "Culture"),
    ("sport", "Sport", "Sport"),
    ("demokratie", "Demokratie und Beteiligung", "Democracy and participation"),
    ("migration", "Migration und Integration", "Migration and integration"),
    ("gesundheit", "Gesundheit und Pflege", "Health and care"),
    ("digitales", "Digitale Teilhabe", "Digital inclusion"),
    ("offene-daten", "Offene Daten", "Open data"),
    ("jugend", "Kinder und Jugend", "Children and youth"),
    ("nachbarschaft", "Nachbarschaft", "Neighbourhood"),
]
SKILLS = [
    ("datenanalyse", "Datenanalyse", "Data analysis"),
    ("webentwicklung", "Webentwicklung", "Web development"),
    ("datenschutz", "Datenschutz", "Data protection"),
    ("projektmanagement", "Projektmanagement", "Project management"),
    ("visualisierung", "Datenvisualisierung", "Data visualisation"),
    ("open-source", "Open-Source-Software", "Open-source software"),
    ("foerdermittel", "Fördermittelberatung", "Funding advice"),
    ("moderation", "Moderation", "Facilitation"),
]
# City, state, latitude, longitude, postal code.
CITIES = [
    ("Berlin", "BE", 52.5200, 13.4050, "10115"),
    ("Hamburg", "HH", 53.5511, 9.9937, "20095"),
    ("München", "BY", 48.1351, 11.5820, "80331"),
    ("Köln", "NW", 50.9375, 6.9603, "50667"),
    ("Frankfurt am Main", "HE", 50.1109, 8.6821, "60311"),
    ("Stuttgart", "BW", 48.7758, 9.1829, "70173"),
    ("Düsseldorf", "NW", 51.2277, 6.7735, "40213"),
    ("Leipzig", "SN", 51.3397, 12.3731, "04109"),
    ("Dresden", "SN", 51.0504, 13.7373, "01067"),
    ("Hannover", "NI", 52.3759, 9.7320, "30159"),
    ("Nürnberg", "BY", 49.4521, 11.0767, "90402"),
    ("Bremen", "HB", 53.0793, 8.8017, "28195"),
    ("Erfurt", "TH", 50.9848, 11.0299, "99084"),
    ("Rostock", "MV", 54.0924, 12.0991, "18055"),
    ("Kiel", "SH", 54.3233, 10.1228, "24103"),
    ("Magdeburg", "ST", 52.1205, 11.6276, "39104"),
    ("Potsdam", "BB", 52.3906, 13.0645, "14467"),
    ("Mainz", "RP", 49.9929, 8.2473, "55116"),
    ("Saarbrücken", "SL", 49.2402, 6.9969, "66111"),
    ("Görlitz", "SN", 51.1550, 14.9890, "02826"),
    ("Freiburg im Breisgau", "BW", 47.9990, 7.8421, "79098"),
    ("Kassel", "HE", 51.3127, 9.4797, "34117"),
]
KINDS = [
    ("Förderverein {place}", LegalForm.EV, ["bildung", "jugend"]),
    ("Digitalwerkstatt {city}", LegalForm.EV, ["digitales", "bildung"]),
    ("Tafel {city}", LegalForm.EV, ["soziales"]),
    ("Umweltinitiative {city}", LegalForm.INITIATIVE, ["umwelt"]),
    ("Code for {city}", LegalForm.INITIATIVE, ["offene-daten", "digitales"]),
    ("Nachbarschaftshilfe {city}", LegalForm.EV, ["nachbarschaft", "soziales"]),
    ("Bürgerstiftung {city}", LegalForm.FOUNDATION, ["demokratie", "kultur"]),
    ("Sportverein Eintracht {city}", LegalForm.EV, ["sport", "jugend"]),
    ("Kulturhaus {city}", LegalForm.GGMBH, ["kultur"]),
    ("Willkommensnetz {city}", LegalForm.ASSOCIATION, ["migration"]),
    ("Pflegenetzwerk {city}", LegalForm.COOPERATIVE, ["gesundheit"]),
    ("Stadtverwaltung {city}, Open-Data-Stelle", LegalForm.ADMINISTRATION,
     ["offene-daten"]),
]  # fmt: skip
PLACES = ["Grundschule am Park", "Stadtbibliothek", "Jugendhaus", "Tierheim", "Museum"]
DESCRIPTIONS = {
    "de": (
        "Wir sind ein gemeinnütziger Zusammenschluss in {city}. Schwerpunkte "
        "unserer Arbeit: **{areas}**.\n\n- offene Treffen jeden Monat\n"
        "- Beratung für Ehrenamtliche\n- Zusammenarbeit mit der Verwaltung"
    ),
    "en": ("We are a non-profit group in {city}. Our work focuses on **{areas}**."),
}
FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "Deniz",
    "Emil",
    "Fatma",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Lea",
    "Mehmet",
    "Nora",
    "Ole",
    "Paula",
    "Sven",
    "Tarek",
    "Ute",
]
LAST = [
    "Müller",
    "Schmidt",
    "Yilmaz",
    "Schneider",
    "Fischer",
    "Weber",
    "Nowak",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
]


class Command(BaseCommand):
    help = "Load demo data once (does nothing when organizations already exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organizations", type=int, default=60)
        parser.add_argument("--people", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2024)

    def handle(self, *args: Any, **options: Any) -> None:
        self._ensure_admin()
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not secrets
        if Organization.objects.exists():
            self.stdout.write("Organizations already present; left as they are.")
        else:
            with transaction.atomic():
                areas = self._taxonomy(FocusArea, FOCUS_AREAS)
                skills = self._taxonomy(Skill, SKILLS)
                people = self._people(rng, options["people"], skills, areas)
                count = self._organizations(
                    rng, options["organizations"], areas, people
                )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {count} organizations, {len(people)} people."
                )
            )
        # Each app may add its own demo data in ``<app>/demo.py`` with a function
        # ``load_demo(*, rng, stdout)`` that does nothing when its data exists.
        for _label, module in app_modules("demo"):
            module.load_demo(rng=rng, stdout=self.stdout)

    def _ensure_admin(self) -> None:
        if User.objects.filter(username="admin").exists():
            return
        password = os.environ.get("ALLMENDE_ADMIN_PASSWORD") or secrets.token_urlsafe(
            12
        )
        admin = User.objects.create_superuser(
            "admin", "admin@example.org", password, display_name="Programmteam"
        )
        EmailAddress.objects.create(
            user=admin, email=admin.email, verified=True, primary=True
        )
        if os.environ.get("ALLMENDE_ADMIN_PASSWORD"):
            self.stdout.write(
                "Staff user 'admin' created with ALLMENDE_ADMIN_PASSWORD."
            )
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Staff user 'admin' created. Password (shown once): {password}"
                )
            )

    def _taxonomy(
        self, model: type[FocusArea] | type[Skill], rows: list[tuple[str, str, str]]
    ) -> dict[str, Any]:
        for slug, de, en in rows:
            model.objects.get_or_create(
                slug=slug, defaults={"name_de": de, "name_en": en}
            )
        return {obj.slug: obj for obj in model.objects.all()}

    def _people(
        self,
        rng: random.Random,
        count: int,
        skills: dict[str, Skill],
        areas: dict[str, FocusArea],
    ) -> list[User]:
        people = []
        # Demo people cannot log in: they have no usable password.
        for index in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            user = User(
                username=f"{first.lower()}.{last.lower()}.{index}".replace("ü", "ue")
                .replace("ä", "ae")
                .replace("ö", "oe"),
                email=f"person{index}@example.org",
                display_name=f"{first} {last}",
                bio=rng.choice(
                    [
                        "Ehrenamtlich aktiv, interessiert an offenen Daten.",
                        "Ich helfe Vereinen bei der Digitalisierung.",
                        "Beruflich in der Verwaltung, privat im Sportverein.",
                    ]
                ),
                profile_visibility=rng.choice(
                    [User.Visibility.PUBLIC, User.Visibility.REGISTERED]
                ),
            )
            user.set_unusable_password()
            people.append(user)
        User.objects.bulk_create(people)
        people = list(
            User.objects.filter(email__endswith="@example.org").exclude(
                username="admin"
            )
        )
        for user in people:
            user.skills.set(rng.sample(list(skills.values()), k=2))
            user.interests.set(rng.sample(list(areas.values()), k=2))
            person_index(user)
        return people

    def _organizations(
        self,
        rng: random.Random,
        count: int,
        areas: dict[str, FocusArea],
        people: list[User],
    ) -> int:
        used: set[str] = set()
        created = 0
        while created < count:
            template, legal_form, area_slugs = rng.choice(KINDS)
            city, region, lat, lon, postal = rng.choice(CITIES)
            name = template.format(city=city, place=f"{rng.choice(PLACES)} {city}")
            if name in used:
                name = f"{name} {len([u for u in used if u.startswith(name)]) + 1}"
            used.add(name)
            chosen = [areas[s] for s in area_slugs]
            names_de = ", ".join(a.name_de for a in chosen)
            names_en = ", ".join(a.name_en for a in chosen)
            slug = f"org-{created + 1}"
            verified = rng.random() < 0.6
            organization = Organization.objects.create(
                name=name,
                slug=slug,
                legal_form=legal_form,
                region=region,
                street=f"{rng.choice(['Haupt', 'Schul', 'Markt', 'Linden'])}straße "
                f"{rng.randint(1, 120)}",
                postal_code=postal,
                city=city,
                latitude=Decimal(str(round(lat + rng.uniform(-0.05, 0.05), 6))),
                longitude=Decimal(str(round(lon + rng.uniform(-0.05, 0.05), 6))),
                website=f"https://{slug}.example.org",
                description_de=DESCRIPTIONS["de"].format(city=city, areas=names_de),
                description_en=DESCRIPTIONS["en"].format(city=city, areas=names_en),
                is_verified=verified,
                verified_at=timezone.now() if verified else None,
            )
            organization.focus_areas.set(chosen)
            if people:
                for role, member in zip(
                    [Membership.Role.ADMIN, Membership.Role.MEMBER],
                    rng.sample(people, k=min(2, len(people))),
                    strict=False,
                ):
                    Membership.objects.create(
                        organization=organization, user=member, role=role
                    )
            organization_index(organization)
            created += 1
        return created
