"""Demo calls: one open with a question of every kind, one closed with
applications in several states, and one in pseudonymised review with 30
applications in every state, eight reviewers, their reviews and decisions."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from allmende.accounts.models import User
from allmende.organizations.models import Membership
from allmende.programmes import (
    decision_services,
    demo_projects,
    review_services,
    services,
)
from allmende.programmes.decision_services import TemplateData
from allmende.programmes.models import (
    Application,
    ApplicationRevision,
    Call,
    FieldKind,
    Review,
)
from allmende.programmes.review_services import CriterionData, PhaseData, ReviewData
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
        partners_allowed=True,
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


# How many applications of the review call end in each state.
REVIEW_CALL_STATES = [
    ("draft", 2),
    ("withdrawn", 2),
    ("submitted", 3),
    ("screening", 3),
    ("more_information", 2),
    ("in_review", 8),
    ("ready_for_decision", 5),
    ("accepted", 3),
    ("rejected", 2),
]
CRITERIA: list[CriterionData] = [
    CriterionData(
        name_de="Gemeinwohl",
        name_en="Public benefit",
        description_de="Wem nützen die Daten?",
        description_en="Who benefits from the data?",
        weight=3,
    ),
    CriterionData(
        name_de="Machbarkeit",
        name_en="Feasibility",
        description_de="Passen Plan, Team und Budget zusammen?",
        description_en="Do plan, team and budget fit together?",
        weight=2,
    ),
    CriterionData(
        name_de="Offenheit",
        name_en="Openness",
        description_de="Offene Lizenzen, offene Formate, offener Code.",
        description_en="Open licences, open formats, open code.",
        weight=1,
    ),
]
LETTERS: list[TemplateData] = [
    TemplateData(
        outcome="accepted",
        name="Zusage",
        body_de="Liebe*r {applicant},\n\nwir freuen uns: {organization} wird im "
        "{call} gefördert. Wir melden uns in den nächsten Tagen, um den Start zu "
        "planen.\n\n{comments}\n\nIhr Team Datenlabor, {date}",
        body_en="Dear {applicant},\n\nwe are glad to tell you that {organization} "
        "will be funded in {call}. We will be in touch in the next days to plan "
        "the start.\n\n{comments}\n\nThe data lab team, {date}",
    ),
    TemplateData(
        outcome="rejected",
        name="Absage",
        body_de="Liebe*r {applicant},\n\nleider können wir den Antrag von "
        "{organization} im {call} nicht fördern. Die Hinweise der "
        "Gutachter*innen:\n\n{comments}\n\nIhr Team Datenlabor, {date}",
        body_en="Dear {applicant},\n\nunfortunately we cannot fund the application "
        "of {organization} in {call}. The reviewers' notes:\n\n{comments}\n\n"
        "The data lab team, {date}",
    ),
]
REVIEWER_COUNT = 8


def _review_call(
    admin: User, applicants: list[Membership], people: list[User], rng: random.Random
) -> tuple[Call, int, int]:
    """The call in review: returns it, its applications and its reviews."""
    call = _call(
        admin, "Datenlabor 2026 – Runde 2", "Data lab 2026 – round 2", days_left=1
    )
    now = timezone.now()
    review_services.review_phase_add(
        actor=admin,
        call=call,
        data=PhaseData(
            name="Begutachtung",
            starts_at=now - timedelta(days=3),
            ends_at=now + timedelta(days=12),
            can_review=True,
            others_visible="after_own",
            pseudonymised=True,
        ),
    )
    for criterion in CRITERIA:
        review_services.review_criterion_add(actor=admin, call=call, data=criterion)
    for letter in LETTERS:
        decision_services.decision_template_add(actor=admin, call=call, data=letter)
    # The admin reviews, too, to see the reviewer's side. With few demo
    # organizations (``allmende demo --organizations 4``) the call simply
    # holds fewer applications.
    for person in [admin, *people[:REVIEWER_COUNT]]:
        review_services.reviewer_add(actor=admin, call=call, email=person.email)
    plan = [state for state, count in REVIEW_CALL_STATES for _ in range(count)]
    made: list[tuple[Application, str]] = []
    for target, membership in zip(plan, applicants, strict=False):
        application = services.application_start(
            actor=membership.user, call=call, organization=membership.organization
        )
        answers = dict(ANSWERS)
        answers["amount_requested"] = f"{rng.randrange(5, 40) * 1000}.00"
        application.answers = answers
        application.save(update_fields=["answers"])
        made.append((application, target))
    before_review = {"draft", "withdrawn", "submitted", "screening", "more_information"}
    for application, target in made:
        applicant = application.applicant
        if target == "draft":
            continue
        services.application_submit(actor=applicant, application=application)
        if target == "withdrawn":
            services.application_withdraw(actor=applicant, application=application)
            continue
        if target in ("submitted", "more_information"):
            if target == "more_information":
                services.application_transition(
                    actor=admin,
                    application=application,
                    target="more_information",
                    question="Bitte beschreiben Sie genauer, welche Daten entstehen.",
                    reopened_fields=["what_is_it_about"],
                )
            continue
        services.application_transition(
            actor=admin, application=application, target="screening"
        )
        if target not in before_review:
            services.application_transition(
                actor=admin, application=application, target="in_review"
            )
    # One applicant answered a question: a second submission to compare.
    answered = next((a for a, t in made if t == "submitted"), None)
    if answered is not None:
        _answer_question(admin, answered)
    review_services.reviews_assign_automatically(actor=admin, call=call)
    reviews = 0
    for application, target in made:
        if target in before_review:
            continue
        for index, review in enumerate(
            Review.objects.filter(application=application).select_related(
                "reviewer", "application"
            )
        ):
            reviews += 1
            # In review: some reviews still to do, others in draft or done.
            if target == "in_review" and index == 0:
                continue
            review_services.review_declare(
                actor=review.reviewer, review=review, conflict=False
            )
            finish = target != "in_review" or index == 2
            review_services.review_save(
                actor=review.reviewer,
                review=review,
                data=_review_data(call, rng),
                submit=finish,
            )
    templates = {t.outcome: t for t in call.decision_templates.all()}
    for outcome in ("accepted", "rejected"):
        chosen = [
            (application.pk, "ready_for_decision")
            for application, target in made
            if target == outcome
        ]
        decision_services.applications_decide(
            actor=admin, call=call, chosen=chosen, template=templates[outcome]
        )
    # Like the closed call, this one closed a while ago.
    closes_at = timezone.now() - timedelta(days=3)
    Call.objects.filter(pk=call.pk).update(
        opens_at=timezone.now() - timedelta(days=45), closes_at=closes_at
    )
    submitted = closes_at - timedelta(days=5)
    Application.objects.filter(call=call, submitted_at__isnull=False).update(
        submitted_at=submitted
    )
    ApplicationRevision.objects.filter(application__call=call).update(
        submitted_at=submitted
    )
    return call, len(made), reviews


def _answer_question(admin: User, application: Application) -> None:
    services.application_transition(
        actor=admin,
        application=application,
        target="more_information",
        question="Welche Daten veröffentlichen Sie genau?",
        reopened_fields=["what_is_it_about"],
    )
    application.refresh_from_db()
    application.answers["what_is_it_about"] += (
        " Dazu kommen Fotos der Schäden, unter CC BY 4.0 veröffentlicht."
    )
    application.save(update_fields=["answers"])
    services.application_submit(actor=application.applicant, application=application)


def _review_data(call: Call, rng: random.Random) -> ReviewData:
    scores: dict[int, int | None] = {}
    for criterion in call.review_criteria.all():
        scores[criterion.pk] = None if rng.random() < 0.1 else rng.randint(1, 5)
    return ReviewData(
        scores=scores,
        recommendation=rng.choice(["yes", "yes", "maybe", "no"]),
        comment_staff="Nachvollziehbarer Plan; das Budget ist knapp bemessen.",
        comment_applicant=rng.choice(["", "Denken Sie früh an die Lizenz der Fotos."]),
    )


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
        people = list(
            User.objects.filter(is_superuser=False, is_active=True)
            .exclude(email="")
            .order_by("pk")
        )
        rng.shuffle(people)
        reviewed = applicants[len(STEPS) :] or applicants
        _call_in_review, in_call, reviews = _review_call(admin, reviewed, people, rng)
    stdout.write(
        f"Demo calls loaded: 3 calls, {count + in_call} applications, "
        f"{reviews} reviews."
    )
    demo_projects.load_demo(rng=rng, stdout=stdout)
