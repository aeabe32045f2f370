"""The types the modules declare, and messages in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from allmende.notifications import registry
from allmende.notifications.registry import EMAIL_CHANNELS, in_languages
from tests.events.factories import EventFactory


def test_every_declared_type_reads_in_german_and_english() -> None:
    kinds = registry.types()
    labels = {config.label for config in apps.get_app_configs()}
    assert {kind.key.split(".")[0] for kind in kinds} >= {"events", "organizations"}
    for kind in kinds:
        if kind.key.startswith("tests."):
            continue
        # A key starts with the label of the app that declares it.
        assert kind.key.split(".")[0] in labels, kind.key
        assert str(kind.description).startswith("When "), kind.key
        with translation.override("de"):
            german = [str(kind.label), str(kind.description), str(kind.message)]
        with translation.override("en"):
            english = [str(kind.label), str(kind.description), str(kind.message)]
        assert german != english, f"{kind.key} has no German text"
        assert german[1].startswith("Wenn "), kind.key
        if kind.mandatory:
            assert kind.default in EMAIL_CHANNELS, kind.key


@pytest.mark.django_db
def test_a_value_given_in_two_languages_shows_in_the_readers(settings: Any) -> None:
    settings.LANGUAGE_CODE = "de"
    kind = registry.get("events.registration_confirmed")
    assert kind is not None
    event = EventFactory(title_de="Datenwerkstatt", title_en="")
    context = {"event": in_languages(event, "title")}
    assert context == {"event": {"de": "Datenwerkstatt", "en": "Datenwerkstatt"}}
    event.title_en = "Data workshop"
    context = {"event": in_languages(event, "title")}
    with translation.override("en"):
        assert kind.render(context) == "Your place at Data workshop is confirmed."
    with translation.override("de"):
        assert kind.render(context) == "Ihr Platz bei Datenwerkstatt ist bestätigt."
    with translation.override("fr"):
        # A language without its own text falls back to the platform's.
        assert kind.render(context) == "Ihr Platz bei Datenwerkstatt ist bestätigt."
    context = {"event": {"de": "", "en": "Data workshop"}}
    with translation.override("de"):
        # An empty value in the reader's language gives way to another.
        assert kind.render(context) == "Ihr Platz bei Data workshop ist bestätigt."
