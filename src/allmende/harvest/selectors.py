"""Reads of harvesting: sources with their last run, run reports, origins."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from allmende.catalog.models import Dataset
from allmende.harvest.models import (
    HarvestedRecord,
    HarvestLogEntry,
    HarvestRun,
    HarvestSource,
)


def source_list() -> list[HarvestSource]:
    """Every source with its newest run as ``last_run`` (a fixed number of
    queries)."""
    newest = HarvestRun.objects.filter(source=OuterRef("pk")).order_by(
        "-queued_at", "-pk"
    )
    sources: list[HarvestSource] = list(
        HarvestSource.objects.select_related("organization")
        .annotate(
            last_run_id=Subquery(newest.values("pk")[:1]),
            record_count=Count("records", distinct=True),
        )
        .order_by("name")
    )
    runs = HarvestRun.objects.in_bulk(
        [s.last_run_id for s in sources if s.last_run_id]  # type: ignore[attr-defined]
    )
    for source in sources:
        source.last_run = runs.get(source.last_run_id)  # type: ignore[attr-defined]
    return sources


def source_runs(*, source: HarvestSource, limit: int = 20) -> QuerySet[HarvestRun]:
    return source.runs.select_related("started_by").order_by("-queued_at", "-pk")[
        :limit
    ]


def source_record_counts(*, source: HarvestSource) -> dict[str, int]:
    return source.records.aggregate(
        total=Count("pk"),
        withdrawn=Count("pk", filter=Q(withdrawn_at__isnull=False)),
        deleted_here=Count("pk", filter=Q(dataset__isnull=True)),
    )


def run_entries(*, run: HarvestRun, action: str = "") -> QuerySet[HarvestLogEntry]:
    entries = run.entries.select_related("dataset").order_by("pk")
    if action:
        entries = entries.filter(action=action)
    return entries


def run_with_source(*, pk: int) -> HarvestRun:
    return HarvestRun.objects.select_related("source__organization", "started_by").get(
        pk=pk
    )


def dataset_origin(*, dataset: Dataset) -> HarvestedRecord | None:
    """Where a dataset was harvested from, or ``None`` for one made here."""
    return (
        HarvestedRecord.objects.select_related("source").filter(dataset=dataset).first()
    )
