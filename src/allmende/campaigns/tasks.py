"""Background jobs of campaigns: thin tasks, each safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


@shared_task(name="campaigns.delete_unconfirmed")
def delete_unconfirmed() -> int:
    from allmende.campaigns.services import signatures_delete_unconfirmed

    return signatures_delete_unconfirmed()


@shared_task(name="campaigns.update_counters")
def update_counters() -> int:
    from allmende.campaigns.services import counters_update

    return counters_update()


@shared_task(name="campaigns.anonymise_after_retention")
def anonymise_after_retention() -> int:
    from allmende.campaigns.services import signatures_anonymise_after_retention

    return signatures_anonymise_after_retention()


scheduler.register(
    "campaigns.delete_unconfirmed", timedelta(hours=1), delete_unconfirmed
)
# Celery beat runs it every few seconds; the embedded runner ticks once a
# minute, and reading a stale counter brings it up to date in between.
scheduler.register("campaigns.update_counters", timedelta(seconds=5), update_counters)
scheduler.register(
    "campaigns.anonymise_after_retention",
    timedelta(hours=6),
    anonymise_after_retention,
)
