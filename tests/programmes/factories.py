from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from allmende.programmes.models import (
    Call,
    CallState,
    FieldKind,
    FormField,
    FormVersion,
)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        skip_postgeneration_save = True

    title_de = factory.Sequence(lambda n: f"Ausschreibung {n}")
    title_en = factory.Sequence(lambda n: f"Call {n}")
    slug = factory.Sequence(lambda n: f"ausschreibung-{n}")
    description_de = "Wir fördern Datenprojekte."
    description_en = "We fund data projects."
    state = CallState.PUBLISHED
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))

    @factory.post_generation
    def version(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            FormVersion.objects.get_or_create(call=self, number=1)


def add_field(
    call: Call, key: str, kind: str = FieldKind.SHORT_TEXT, **kwargs: Any
) -> FormField:
    version = call.form_versions.order_by("-number").first()
    assert version is not None
    position = version.fields.count() + 1
    kwargs.setdefault("label_de", key.capitalize())
    kwargs.setdefault("label_en", key.capitalize())
    return FormField.objects.create(
        version=version, key=key, kind=kind, position=position, **kwargs
    )


def full_form(call: Call) -> None:
    """One field of every kind."""
    add_field(call, "intro", FieldKind.HEADING, help_de="Bitte lesen.", help_en="Read.")
    add_field(call, "title", FieldKind.SHORT_TEXT, required=True, max_chars=80)
    add_field(call, "summary", FieldKind.LONG_TEXT, required=True, max_words=20)
    add_field(call, "people", FieldKind.NUMBER)
    add_field(call, "amount", FieldKind.MONEY, required=True)
    add_field(call, "start", FieldKind.DATE)
    add_field(
        call,
        "area",
        FieldKind.SINGLE_CHOICE,
        choices=[
            {"value": "health", "label_de": "Gesundheit", "label_en": "Health"},
            {"value": "mobility", "label_de": "Mobilität", "label_en": "Mobility"},
        ],
    )
    add_field(
        call,
        "formats",
        FieldKind.MULTIPLE_CHOICE,
        choices=[
            {"value": "csv", "label_de": "CSV", "label_en": "CSV"},
            {"value": "api", "label_de": "API", "label_en": "API"},
        ],
    )
    add_field(call, "open_licence", FieldKind.YES_NO, required=True)
    add_field(
        call, "plan", FieldKind.FILE, allowed_types=["pdf"], max_bytes=1024 * 1024
    )
    add_field(
        call,
        "budget",
        FieldKind.TABLE,
        columns=[
            {"key": "item", "label_de": "Posten", "label_en": "Item", "kind": "text"},
            {
                "key": "amount",
                "label_de": "Betrag",
                "label_en": "Amount",
                "kind": "money",
            },
        ],
    )


def in_review(application: Any, staff: Any, answers: dict[str, Any]) -> Any:
    """Submit ``application`` and move it on into review."""
    from allmende.programmes import services

    application.answers = dict(answers)
    application.save()
    services.application_submit(actor=application.applicant, application=application)
    for target in ("screening", "in_review"):
        services.application_transition(
            actor=staff, application=application, target=target
        )
    application.refresh_from_db()
    return application


def criteria(call: Call) -> list[Any]:
    """Two criteria: relevance (weight 2) and feasibility (weight 1)."""
    from allmende.programmes.models import ReviewCriterion

    return [
        ReviewCriterion.objects.create(
            call=call, name_de="Relevanz", name_en="Relevance", weight=2, position=1
        ),
        ReviewCriterion.objects.create(
            call=call,
            name_de="Machbarkeit",
            name_en="Feasibility",
            weight=1,
            position=2,
        ),
    ]
