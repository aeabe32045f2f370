"""Many submissions of one address at the same moment (real PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import Client

from allmende.campaigns.models import Signature
from tests.campaigns.factories import CampaignFactory

ATTEMPTS = 200
WORKERS = 40


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_of_one_address_store_one_signature(
    settings: object,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (set DATABASE_URL)")
    settings.ALLMENDE_CAMPAIGN_RATE_PER_CLIENT = ATTEMPTS  # type: ignore[attr-defined]
    campaign = CampaignFactory()
    url = f"/campaigns/{campaign.slug}/sign/"
    form = {"name": "Ada", "email": "ada@example.org", "consent": "on"}
    start = threading.Barrier(WORKERS, timeout=60)

    def submit(index: int) -> int:
        if index < WORKERS:
            start.wait()  # the first wave leaves together
        try:
            return Client().post(url, form).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        statuses = Counter(pool.map(submit, range(ATTEMPTS)))

    # Everyone sees the same "check your e-mail" page.
    assert statuses == {302: ATTEMPTS}
    assert Signature.objects.filter(campaign=campaign).count() == 1
    subjects = Counter(m.subject.split(":")[0] for m in mail.outbox)
    assert subjects["Please confirm your signature"] == 1
    # The "already signed" mail goes out once per window, not per attempt.
    assert len(mail.outbox) == 2
