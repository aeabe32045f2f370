"""Background jobs of the catalog: thin, taking ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task


# Routed to the "loads" queue (CELERY_TASK_ROUTES): at most
# ALLMENDE_MAX_CONCURRENT_LOADS loads run at a time, and mail and other jobs
# do not wait behind a long load.
@shared_task(name="catalog.ingest_version")
def ingest_version(version_id: int) -> None:
    from allmende.catalog.services import version_ingest

    version_ingest(version_id=version_id)
