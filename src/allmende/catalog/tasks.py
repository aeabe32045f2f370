"""Background jobs of the catalog: thin, taking ids, safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="catalog.ingest_version")
def ingest_version(version_id: int) -> None:
    from allmende.catalog.services import version_ingest

    version_ingest(version_id=version_id)
