from __future__ import annotations

import json

import pytest

from allmende.accounts.services import api_token_create, user_delete
from allmende.events.models import Event, Registration
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import registrations as services
from allmende.notifications.models import Notification
from tests.accounts.factories import PASSWORD, UserFactory
from tests.conftest import client_for
from tests.events.factories import EventFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_deleting_an_account_gives_its_place_to_the_waiting_list() -> None:
    event = EventFactory(capacity=1)
    leaving, waiting = UserFactory(), UserFactory()
    services.registration_create(event=event, actor=leaving)
    services.registration_create(event=event, actor=waiting)
    Notification.objects.all().delete()

    user_delete(actor=leaving)

    event = Event.objects.get(pk=event.pk)
    assert event.places_taken == 1
    assert Registration.objects.get(user=waiting).state == S.OFFERED
    [offer] = Notification.objects.all()
    assert (offer.recipient, offer.type) == (waiting, "events.place_offered"), (
        "the offer is sent, and nothing to the deleted account"
    )


def test_data_export_contains_registrations_and_api_tokens() -> None:
    user = UserFactory()
    event = EventFactory(title_de="Datenschutz im Verein", title_en="Data protection")
    services.registration_create(event=event, actor=user)
    api_token_create(actor=user, name="Skript")
    data = json.loads(client_for(user).get("/me/export/").content)
    assert data["events"]["registrations"][0]["event"] == "Data protection"
    assert data["events"]["registrations"][0]["state"] == "confirmed"
    assert data["api_tokens"][0]["name"] == "Skript"
    assert "token_hash" not in json.dumps(data)
    assert data["catalog"] == {"datasets_created": [], "files_uploaded": []}


def test_account_deletion_still_needs_the_password_with_registrations() -> None:
    user = UserFactory()
    services.registration_create(event=EventFactory(), actor=user)
    client_for(user).post("/me/delete/", {"password": "wrong"})
    assert Registration.objects.filter(user=user, state=S.CONFIRMED).exists()
    client_for(user).post("/me/delete/", {"password": PASSWORD})
    assert not Registration.objects.filter(user_id=user.pk).exists()
