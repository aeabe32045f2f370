"""Background jobs of harvesting: thin, taking ids, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


@shared_task(name="harvest.run")
def harvest_run(run_id: int) -> None:
    from allmende.harvest.services import run_execute

    run_execute(run_id=run_id)


@shared_task(name="harvest.start_due")
def start_due() -> int:
    from allmende.harvest.services import runs_start_due

    return runs_start_due()


scheduler.register("harvest.start_due", timedelta(minutes=5), start_due)
