"""Demo calls: one open with a question of every kind, one closed with
applications in several states."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from allmende.accounts.models import User
from allmende.organizations.models import Membership
from allmende.programmes import demo_projects, services
from allmende.programmes.models import Application, Call, FieldKind
from allmende.programmes.services import CallData, FieldData

DESCRIPTION_DE = """Das Datenlabor fördert Projekte, in denen gemeinnützige
Organisationen mit offenen Daten arbeiten: sie erheben, bereinigen,
veröffentlichen oder nutzen.

Wir begleiten jedes Projekt technisch, rechtlich und organisatorisch; die
Ergebnisse erscheinen unter offenen Lizenzen im Datenkatalog."""
DESCRIPTION_EN = """The data lab funds projects in which non-profit organizations work
with open data: collecting, cleaning, publishing or using it.

We accompany each project on technical, legal and organisational questions;
the results are published under open licences in the data catalog."""


def _field(kind: str, de: str, en: str, **extra: Any) -> FieldData:
    data = FieldData(
        kind=kind,
        label_de=de,
        label_en=en,
        help_de="",
        help_en="",
        required=False,
        max_chars=None,
        max_words=None,
        choices=[],
        allowed_types=[],
        max_bytes=None,
        columns=[],
    )
    data.update(extra)  # type: ignore[typeddict-item]
    return data


def _choices(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"value": v, "label_de": de, "label_en": en} for v, de, en in pairs]


FIELDS: list[FieldData] = [
    _field(
        FieldKind.HEADING,
        "Ihr Projekt",
        "Your project",
        help_de="Beschreiben Sie kurz, was Sie vorhaben.",
        help_en="Tell us briefly what you plan.",
    ),
    _field(
        FieldKind.SHORT_TEXT,
        "Titel des Projekts",
        "Project title",
        required=True,
        max_chars=120,
    ),
    _field(
        FieldKind.LONG_TEXT,
        "Worum geht es?",
        "What is it about?",
        required=True,
        max_words=300,
        help_de="Höchstens 300 Wörter.",
        help_en="At most 300 words.",
    ),
    _field(
        FieldKind.NUMBER,
        "Wie viele Menschen arbeiten mit?",
        "How many people take part?",
    ),
    _field(FieldKind.MONEY, "Beantragte Summe", "Amount requested", required=True),
    _field(FieldKind.DATE, "Geplanter Beginn", "Planned start"),
    _field(
        FieldKind.SINGLE_CHOICE,
        "Themenfeld",
        "Topic",
        required=True,
        choices=_choices(
            ("mobility", "Mobilität", "Mobility"),
            ("environment", "Umwelt", "Environment"),
            ("social", "Soziales", "Social affairs"),
        ),
    ),
    _field(
        FieldKind.MULTIPLE_CHOICE,
        "Welche Daten veröffentlichen Sie?",
        "Which data will you publish?",
        choices=_choices(
            ("tables", "Tabellen", "Tables"),
            ("maps", "Karten", "Maps"),
            ("api", "Eine Schnittstelle", "An API"),
        ),
    ),
    _field(
        FieldKind.YES_NO,
        "Stehen die Ergebnisse unter einer offenen Lizenz?",
        "Will the results be under an open licence?",
        required=True,
    ),
    _field(FieldKind.HEADING, "Finanzen", "Finances"),
    _field(
        FieldKind.TABLE,
        "Kostenplan",
        "Budget",
        columns=[
            {"key": "item", "label_de": "Posten", "label_en": "Item", "kind": "text"},
            {
                "key": "amount",
                "label_de": "Betrag",
                "label_en": "Amount",
                "kind": "money",
            },
        ],
    ),
    _field(
        FieldKind.FILE,
        "Projektplan (PDF)",
        "Project plan (PDF)",
        allowed_types=["pdf"],
        max_bytes=10 * 1024 * 1024,
    ),
]


def _call(admin: User, title_de: str, title_en: str, *, days_left: int) -> Call:
    now = timezone.now()
    data = CallData(
        title_de=title_de,
        title_en=title_en,
        description_de=DESCRIPTION_DE,
        description_en=DESCRIPTION_EN,
        eligibility="any",
        legal_forms=[],
        regions=[],
        individuals_allowed=False,
        opens_at=now - timedelta(days=14),
        closes_at=now + timedelta(days=days_left),
        budget=Decimal("120000"),
        expected_projects=6,
        contact_name="Team Datenlabor",
        contact_email="datenlabor@example.org",
    )
    call = services.call_create(actor=admin, data=data)
    for field in FIELDS:
        services.form_field_add(actor=admin, call=call, data=field)
    services.call_transition(actor=admin, call=call, target="published")
    return call


ANSWERS = {
    "project_title": "Offene Radwegedaten",
    "what_is_it_about": "Wir erfassen Radwege und ihren Zustand gemeinsam "
    "mit Freiwilligen und veröffentlichen sie als offene Daten.",
    "amount_requested": "18000.00",
    "topic": "mobility",
    "will_the_results_be_under_an_open_licence": "yes",
}
STEPS = [
    [],
    ["screening"],
    ["screening", "in_review"],
    ["screening", "in_review", "ready_for_decision", "accepted"],
    ["screening", "rejected"],
]


def load_demo(*, rng: random.Random, stdout: Any) -> None:
    if Call.objects.exists():
        stdout.write("Calls already present; left as they are.")
        demo_projects.load_demo(rng=rng, stdout=stdout)
        return
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    memberships = list(
        Membership.objects.select_related("user", "organization").order_by("pk")
    )
    seen: set[int] = set()
    applicants = []
    for membership in memberships:
        if membership.organization_id not in seen:
            seen.add(membership.organization_id)
            applicants.append(membership)
    rng.shuffle(applicants)
    with transaction.atomic():
        _call(admin, "Datenlabor 2027", "Data lab 2027", days_left=30)
        closed = _call(admin, "Datenlabor 2026", "Data lab 2026", days_left=1)
        count = 0
        for steps, membership in zip(STEPS, applicants, strict=False):
            application = services.application_start(
                actor=membership.user, call=closed, organization=membership.organization
            )
            application.answers = dict(ANSWERS)
            application.save(update_fields=["answers"])
            services.application_submit(actor=membership.user, application=application)
            for target in steps:
                services.application_transition(
                    actor=admin,
                    application=application,
                    target=target,
                    message="Vielen Dank für Ihren Antrag."
                    if target in ("accepted", "rejected")
                    else "",
                )
            count += 1
        # The call is moved into the past once its applications are in; their
        # submission moves with it, so none reads as sent after the deadline.
        closes_at = timezone.now() - timedelta(days=7)
        Call.objects.filter(pk=closed.pk).update(
            opens_at=timezone.now() - timedelta(days=60), closes_at=closes_at
        )
        Application.objects.filter(call=closed, submitted_at__isnull=False).update(
            submitted_at=closes_at - timedelta(days=10)
        )
        services.calls_close_due()
    stdout.write(f"Demo calls loaded: 2 calls, {count} applications.")
    demo_projects.load_demo(rng=rng, stdout=stdout)
