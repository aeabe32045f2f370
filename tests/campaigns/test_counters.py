"""Counts from a counter updated in batches: exact, and consistent under a rush."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allmende.campaigns import selectors, services
from allmende.campaigns.models import (
    Campaign,
    CampaignCounter,
    CounterDelta,
    Signature,
    SignatureState,
)
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: object) -> None:
    settings.ALLMENDE_CAMPAIGN_RATE_PER_CLIENT = 10_000  # type: ignore[attr-defined]


def _pending(campaign: Campaign, number: int) -> Signature:
    signature = services.signature_create(
        campaign=campaign, name=f"Person {number}", email=f"p{number}@example.org"
    )
    assert signature is not None
    return signature


def _age_counter(campaign: Campaign) -> None:
    CampaignCounter.objects.filter(campaign=campaign).update(
        updated_at=timezone.now() - timedelta(seconds=30)
    )
    cache.clear()


def test_counts_follow_confirmations_in_batches() -> None:
    campaign = CampaignFactory()
    signatures = [_pending(campaign, n) for n in range(3)]
    for signature in signatures:
        services.signature_confirm(signature=signature)
    assert CounterDelta.objects.count() == 3
    # A fresh counter is read as it is: no count per request.
    assert selectors.counts(campaign=campaign).individuals == 0
    _age_counter(campaign)
    assert selectors.counts(campaign=campaign).individuals == 3
    assert not CounterDelta.objects.exists()

    services.signature_withdraw(signature=signatures[0])
    services.signature_withdraw(signature=signatures[0])  # twice: counted once
    services.signatures_erase(actor=None, emails=["p1@example.org"])
    assert services.counters_update() == 1
    assert selectors.counts(campaign=campaign).individuals == 1
    assert services.counters_update() == 0  # nothing left to fold


def test_a_stale_counter_is_folded_once_per_interval() -> None:
    campaign = CampaignFactory()
    services.signature_confirm(signature=_pending(campaign, 1))
    _age_counter(campaign)
    with CaptureQueriesContext(connection) as first:
        selectors.counts(campaign=campaign)
    services.signature_confirm(signature=_pending(campaign, 2))
    with CaptureQueriesContext(connection) as second:
        assert selectors.counts(campaign=campaign).individuals == 1
    assert len(second) == 1 < len(first)
    sql = " ".join(q["sql"] for q in second.captured_queries)
    assert "campaigns_signature" not in sql


def test_campaign_page_does_not_count_signatures() -> None:
    campaign = CampaignFactory()
    services.signature_confirm(signature=_pending(campaign, 1))
    services.counters_update()
    with CaptureQueriesContext(connection) as queries:
        page = Client().get(campaign.get_absolute_url())
    assert page.status_code == 200
    counting = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "campaigns_signature" in q["sql"]
    ]
    assert counting == []


CONFIRMATIONS = 120
WORKERS = 12


def test_parallel_confirmations_and_folds_keep_the_count_exact() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (set DATABASE_URL)")
    campaign = CampaignFactory()
    signatures = [_pending(campaign, n) for n in range(CONFIRMATIONS)]
    start = threading.Barrier(WORKERS + 2, timeout=60)
    done = threading.Event()

    def confirm(chunk: list[Signature]) -> None:
        start.wait()
        try:
            for signature in chunk:
                services.signature_confirm(signature=signature)
        finally:
            connections.close_all()

    def fold() -> int:
        start.wait()
        folds = 0
        try:
            while not done.is_set():
                folds += services.counters_update()
        finally:
            connections.close_all()
        return folds

    chunks = [signatures[i::WORKERS] for i in range(WORKERS)]
    with ThreadPoolExecutor(max_workers=WORKERS + 2) as pool:
        folding = [pool.submit(fold), pool.submit(fold)]
        list(pool.map(confirm, chunks))
        done.set()
        assert sum(f.result() for f in folding) >= 1
    services.counters_update()
    counter = CampaignCounter.objects.get(campaign=campaign)
    confirmed = Signature.objects.filter(
        campaign=campaign, state=SignatureState.CONFIRMED
    ).count()
    assert confirmed == CONFIRMATIONS
    assert counter.individuals == confirmed
    assert not CounterDelta.objects.exists()
