"""Many people signing up at the same moment against a real PostgreSQL server."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from allmende.events.models import Event, Registration
from allmende.events.models.registrations import RegistrationState as S
from tests.accounts.factories import UserFactory
from tests.events.factories import EventFactory

PEOPLE = 200
PLACES = 20
# Some people press the button twice at once.
DOUBLE_CLICKERS = 20
WORKERS = 40


@pytest.mark.django_db(transaction=True)
def test_parallel_sign_ups_never_exceed_capacity() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (set DATABASE_URL)")
    event = EventFactory(capacity=PLACES)
    users = [UserFactory() for _ in range(PEOPLE)]
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append((user.pk, client))
    attempts = clients + clients[:DOUBLE_CLICKERS]
    url = f"/events/{event.slug}/register/"
    start = threading.Barrier(WORKERS, timeout=60)

    def sign_up(index: int) -> tuple[int, int, bytes]:
        if index < WORKERS:
            start.wait()  # the first wave leaves together
        user_pk, client = attempts[index]
        try:
            response = client.post(url, {})
            return user_pk, response.status_code, response.content
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(sign_up, range(len(attempts))))

    statuses = Counter(status for _pk, status, _body in results)
    # Everyone lands on the event page, double clickers included.
    assert statuses == {302: len(attempts)}

    event.refresh_from_db()
    states = Counter(
        Registration.objects.filter(event=event).values_list("state", flat=True)
    )
    assert states[S.CONFIRMED] == PLACES
    assert states[S.WAITING] == PEOPLE - PLACES
    assert sum(states.values()) == PEOPLE
    assert event.places_taken == PLACES
    per_person = Counter(
        Registration.objects.filter(event=event).values_list("user_id", flat=True)
    )
    assert set(per_person.values()) == {1}
    assert Event.objects.get(pk=event.pk).places_taken <= event.capacity
