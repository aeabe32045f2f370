"""The types the modules declare, and messages in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from allmende.notifications import registry
from allmende.notifications.models import Notification, NotificationSetting
from allmende.notifications.registry import EMAIL_CHANNELS, in_languages
from allmende.notifications.services import notify_now
from tests.accounts.factories import UserFactory
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


def test_urgent_types_are_never_held_for_a_summary() -> None:
    offer = registry.get("events.place_offered")
    reminder = registry.get("events.reminder")
    assert offer is not None and reminder is not None
    assert offer.urgent and reminder.urgent
    # A free place offered for a day is worth nothing in tomorrow's summary.
    assert [value for value, _label in offer.choices] == ["immediate"]
    assert [value for value, _label in reminder.choices] == ["off", "app", "immediate"]
    assert not reminder.allows("daily") and not reminder.allows("weekly")
    with pytest.raises(ValueError, match="urgent"):
        registry.NotificationType(
            key="tests.urgent_summary",
            module="Tests",
            label="Urgent",
            description="When something urgent happens.",
            message="Something urgent.",
            default=registry.Channel.DAILY,
            urgent=True,
        )


@pytest.mark.django_db
def test_an_urgent_type_chosen_for_a_summary_earlier_goes_out_at_once() -> None:
    reminder = registry.get("events.reminder")
    assert reminder is not None
    person = UserFactory()
    # A setting stored before the type became urgent.
    NotificationSetting.objects.create(user=person, type=reminder.key, channel="daily")
    notify_now(reminder, [person.pk], values={"type": reminder.key, "context": {}})
    assert Notification.objects.get(recipient=person).channel == "immediate"


@pytest.mark.django_db
def test_the_settings_page_says_why_an_urgent_type_has_no_summary(
    client: Any,
) -> None:
    client.force_login(UserFactory())
    page = client.get("/notifications/settings/").content.decode()
    assert "never held for a daily or weekly summary" in page
    # The reminder offers no summary channels.
    assert 'name="channel-events.reminder" value="daily"' not in page
    assert 'name="channel-events.reminder" value="immediate"' in page
