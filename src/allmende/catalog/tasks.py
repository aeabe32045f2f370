"""Background jobs of the catalog: thin, taking ids, safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from allmende.core import scheduler


# Routed to the "loads" queue (CELERY_TASK_ROUTES): at most
# ALLMENDE_MAX_CONCURRENT_LOADS loads run at a time, and mail and other jobs
# do not wait behind a long load. Its time limits are in CELERY_TASK_ANNOTATIONS.
@shared_task(name="catalog.ingest_version")
def ingest_version(version_id: int) -> None:
    from allmende.catalog.services import version_ingest

    version_ingest(version_id=version_id)


@shared_task(name="catalog.recover_loads")
def recover_loads() -> int:
    from allmende.catalog.services import loads_recover

    return loads_recover()


scheduler.register("catalog.recover_loads", timedelta(minutes=1), recover_loads)


@shared_task(name="catalog.sweep_table_cache")
def sweep_table_cache() -> int:
    from allmende.catalog.services import table_cache_sweep

    return table_cache_sweep()


scheduler.register(
    "catalog.sweep_table_cache", timedelta(minutes=10), sweep_table_cache
)
