"""Every change of harvesting: sources, runs, and what a run does to the catalog.

A run is a background job (:func:`run_execute`). It reads the source page by
page and handles each record in its own transaction, so a run that stops half
way (an error, a killed worker) keeps everything it did and says where it
stopped. Datasets are created and changed only through the catalog's services.

Rules for a record:

* new at the source: a dataset is created and published, with a link resource
  for each distribution (the data stay at the source);
* the same as at the last sync (same hash): left alone, "unchanged";
* changed at the source: the dataset is updated, unless it was changed here
  since the last sync, then it is "skipped" with the reason;
* gone from the source: reported as "withdrawn" once; the dataset stays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from allmende.accounts.models import User
from allmende.catalog import selectors as catalog_selectors
from allmende.catalog import services as catalog
from allmende.catalog.models import Dataset, Resource
from allmende.core import http
from allmende.core.services import audit_log_record
from allmende.core.site import site_url
from allmende.harvest import ckan, dcat, records
from allmende.harvest.models import (
    HarvestedRecord,
    HarvestLogEntry,
    HarvestRun,
    HarvestSource,
)
from allmende.harvest.records import HarvestError, Message, RemoteDataset, message

logger = logging.getLogger(__name__)

SOURCE_FIELDS = (
    "name",
    "kind",
    "url",
    "organization",
    "is_active",
    "interval_hours",
)
Action = HarvestLogEntry.Action
COUNTERS = {
    Action.CREATED: "created",
    Action.UPDATED: "updated",
    Action.UNCHANGED: "unchanged",
    Action.SKIPPED: "skipped",
    Action.FAILED: "failed",
    Action.WITHDRAWN: "withdrawn",
}
UNEXPECTED = gettext_noop(
    "The harvest stopped because of an error on our side. What was done until "
    "then is kept; please try again later."
)


def _require(actor: User) -> None:
    if not actor.has_perm("harvest.manage_sources"):
        raise PermissionDenied(_("You are not allowed to do this."))


def _check_fields(given: dict[str, Any]) -> None:
    unknown = set(given) - set(SOURCE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


# --- sources ------------------------------------------------------------------


@transaction.atomic
def source_create(*, actor: User, **fields: Any) -> HarvestSource:
    _require(actor)
    _check_fields(fields)
    source = HarvestSource(created_by=actor, **fields)
    source.full_clean()
    source.save()
    audit_log_record(
        actor=actor,
        action="harvest.source_created",
        obj=source,
        data={"url": source.url, "kind": source.kind},
    )
    return source


@transaction.atomic
def source_update(
    *, actor: User, source: HarvestSource, **changes: Any
) -> HarvestSource:
    _require(actor)
    _check_fields(changes)
    changed = [
        name for name, value in changes.items() if getattr(source, name) != value
    ]
    for name in changed:
        setattr(source, name, changes[name])
    source.full_clean()
    source.save()
    if changed:
        audit_log_record(
            actor=actor,
            action="harvest.source_updated",
            obj=source,
            data={"fields": sorted(changed)},
        )
    return source


# --- starting runs ------------------------------------------------------------------


class AlreadyRunning(ValidationError):
    """A run of the source is queued or running; ``run`` is that run."""

    def __init__(self, run: HarvestRun | None) -> None:
        super().__init__(
            _("This source is being harvested already. Please wait until it is done."),
            code="already_running",
        )
        self.run = run


def _queue_run(source: HarvestSource, started_by: User | None) -> HarvestRun:
    """Queue a run; the database refuses a second active run of a source."""
    try:
        with transaction.atomic():
            run = HarvestRun(source=source, started_by=started_by)
            run.full_clean(validate_constraints=False)
            run.save()
    except IntegrityError:
        active = source.runs.filter(status__in=HarvestRun.ACTIVE).first()
        raise AlreadyRunning(active) from None
    from allmende.core.tasks import enqueue
    from allmende.harvest.tasks import harvest_run

    enqueue(harvest_run, run.pk)
    return run


@transaction.atomic
def run_start(*, actor: User, source: HarvestSource) -> HarvestRun:
    """Harvest ``source`` now (in a background job); refused while a run is active."""
    _require(actor)
    source = HarvestSource.objects.select_for_update().get(pk=source.pk)
    if not source.is_active:
        raise ValidationError(
            _("This source is inactive. Activate it before harvesting it.")
        )
    run = _queue_run(source, actor)
    audit_log_record(
        actor=actor, action="harvest.run_started", obj=source, data={"run": run.pk}
    )
    return run


def runs_start_due(*, now: datetime | None = None) -> int:
    """Queue a run of every active source whose interval has passed (scheduler).

    Safe to run any number of times: a source with an active run is passed over,
    and the database allows only one active run per source.
    """
    now = now or timezone.now()
    runs_mark_interrupted(now=now)
    started = 0
    sources = HarvestSource.objects.filter(
        is_active=True, interval_hours__isnull=False
    ).annotate(last_queued=Max("runs__queued_at"))
    for source in sources:
        hours = source.interval_hours or 0
        last: datetime | None = source.last_queued
        if last is not None and now - last < timedelta(hours=hours):
            continue
        try:
            with transaction.atomic():
                _queue_run(source, None)
        except AlreadyRunning:
            continue
        started += 1
    return started


def runs_mark_interrupted(*, now: datetime | None = None) -> int:
    """Fail runs that have shown no progress for a long time (a killed worker),
    and queued runs whose job never came.

    Their source can then be harvested again; what they did is kept.
    """
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.ALLMENDE_HARVEST_STALE_MINUTES)
    stale = HarvestRun.objects.filter(
        status=HarvestRun.Status.RUNNING, heartbeat_at__lt=limit
    )
    lost = HarvestRun.objects.filter(
        status=HarvestRun.Status.QUEUED, queued_at__lt=limit
    )
    never_started = lost.update(
        status=HarvestRun.Status.FAILED,
        finished_at=now,
        error=message(
            gettext_noop(
                "The harvest did not start within {minutes} minutes; its job was "
                "probably lost. Please start it again."
            ),
            minutes=settings.ALLMENDE_HARVEST_STALE_MINUTES,
        ),
    )
    return never_started + stale.update(
        status=HarvestRun.Status.FAILED,
        finished_at=now,
        error=message(
            gettext_noop(
                "The harvest was interrupted (no progress since {time}). What was "
                "done until then is kept."
            ),
            time=limit.isoformat(timespec="minutes"),
        ),
    )


# --- running ------------------------------------------------------------------


def _reader(source: HarvestSource) -> Callable[[http.Client, str], Iterator[Any]]:
    return dcat.datasets if source.kind == HarvestSource.Kind.DCAT else ckan.datasets


def _acting_user(run: HarvestRun) -> User:
    """Who the catalog's services see as acting: who started the run, or (for a
    scheduled run) who set up the source."""
    for user in (run.started_by, run.source.created_by):
        if (
            user is not None
            and user.is_active
            and user.has_perm("harvest.manage_sources")
        ):
            return user
    raise HarvestError(
        gettext_noop(
            "Nobody may act for this source: the staff member who set it up has "
            "no staff rights any more. Start the harvest by hand once, or set "
            "the source up again."
        )
    )


def run_execute(*, run_id: int) -> HarvestRun | None:
    """The body of the background job. Safe to run twice: only a queued run is
    taken, so a repeated job finds nothing to do."""
    now = timezone.now()
    taken = HarvestRun.objects.filter(
        pk=run_id, status=HarvestRun.Status.QUEUED
    ).update(status=HarvestRun.Status.RUNNING, started_at=now, heartbeat_at=now)
    if not taken:
        return None
    run = HarvestRun.objects.select_related(
        "source__organization", "source__created_by", "started_by"
    ).get(pk=run_id)
    try:
        actor = _acting_user(run)
        seen: set[str] = set()
        with _client() as client:
            for item in _reader(run.source)(client, run.source.url):
                if isinstance(item, int):
                    _heartbeat(run, pages=item)
                    continue
                _harvest_one(run, actor, item, seen)
        _withdraw_missing(run, seen)
    except RunEnded:
        run.refresh_from_db()
        return run
    except HarvestError as exc:
        return _finish(run, HarvestRun.Status.FAILED, exc.message)
    except http.FetchError as exc:
        return _finish(
            run, HarvestRun.Status.FAILED, message(exc.template, **exc.params)
        )
    except Exception:
        logger.exception("Harvest run %s failed", run_id)
        return _finish(run, HarvestRun.Status.FAILED, message(UNEXPECTED))
    return _finish(run, HarvestRun.Status.SUCCEEDED, {})


def _client() -> http.Client:
    return http.Client(
        allow_private=settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES,
        timeout=settings.ALLMENDE_HARVEST_TIMEOUT,
        total_seconds=settings.ALLMENDE_HARVEST_TOTAL_SECONDS,
        user_agent=f"Allmende-Harvester (+{site_url()})",
    )


class RunEnded(Exception):
    """The run was ended from outside (marked interrupted); it must stop."""


def _heartbeat(run: HarvestRun, **changes: Any) -> None:
    """Show progress; stop if the run is no longer running, so that a run
    taken for interrupted never works beside the next one."""
    alive = HarvestRun.objects.filter(
        pk=run.pk, status=HarvestRun.Status.RUNNING
    ).update(heartbeat_at=timezone.now(), **changes)
    if not alive:
        raise RunEnded


def _finish(run: HarvestRun, status: str, error: Message) -> HarvestRun:
    HarvestRun.objects.filter(pk=run.pk, status=HarvestRun.Status.RUNNING).update(
        status=status, finished_at=timezone.now(), error=error
    )
    run.refresh_from_db()
    return run


def _log(
    run: HarvestRun,
    action: str,
    *,
    remote_id: str,
    title: str = "",
    reasons: list[Message] | None = None,
    dataset: Dataset | None = None,
) -> None:
    """One entry of the run's log, counted at once (call inside the record's
    transaction, so a run that stops keeps log and counts in step)."""
    HarvestLogEntry.objects.create(
        run=run,
        remote_id=remote_id[:500] or "–",
        title=title[:300],
        action=action,
        reasons=reasons or [],
        dataset=dataset,
    )
    counter = COUNTERS[Action(action)]
    _heartbeat(run, **{counter: F(counter) + 1})


def _harvest_one(
    run: HarvestRun, actor: User, remote: RemoteDataset, seen: set[str]
) -> None:
    if remote.problem is None:
        records.refuse_bad_addresses(remote)
    if remote.problem is not None:
        with transaction.atomic():
            _log(
                run,
                Action.FAILED,
                remote_id=remote.remote_id,
                title=remote.title,
                reasons=[remote.problem, *remote.notes],
            )
        return
    if remote.remote_id in seen:
        with transaction.atomic():
            _log(
                run,
                Action.SKIPPED,
                remote_id=remote.remote_id,
                title=remote.title,
                reasons=[
                    message(
                        gettext_noop(
                            "The source lists this record more than once; only "
                            "the first was used."
                        )
                    )
                ],
            )
        return
    seen.add(remote.remote_id)
    try:
        with transaction.atomic():
            _sync(run, actor, remote)
    except (ValidationError, PermissionDenied) as exc:
        reasons = [_validation_message(exc), *remote.notes]
        with transaction.atomic():
            _log(
                run,
                Action.FAILED,
                remote_id=remote.remote_id,
                title=remote.title,
                reasons=reasons,
            )


def _validation_message(exc: Exception) -> Message:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            text = "; ".join(
                f"{field}: {' '.join(errors)}"
                for field, errors in exc.message_dict.items()
            )
        else:
            text = " ".join(exc.messages)
    else:
        text = str(exc)
    return message(
        gettext_noop("The record could not be saved: {error}"), error=text[:500]
    )


def _sync(run: HarvestRun, actor: User, remote: RemoteDataset) -> None:
    source = run.source
    digest = remote.content_hash()
    record = (
        HarvestedRecord.objects.select_for_update()
        .filter(source=source, remote_id=remote.remote_id)
        .first()
    )
    log: dict[str, Any] = {"remote_id": remote.remote_id, "title": remote.title}
    if record is None:
        dataset, resource_map = _create_dataset(actor, source, remote)
        record = HarvestedRecord(source=source, remote_id=remote.remote_id)
        _remember(record, dataset, remote, digest, resource_map)
        _log(run, Action.CREATED, dataset=dataset, reasons=remote.notes, **log)
        return
    if record.withdrawn_at is not None:
        HarvestedRecord.objects.filter(pk=record.pk).update(withdrawn_at=None)
    if record.dataset_id is None:
        reason = message(
            gettext_noop(
                "The dataset made from this record was deleted here; it is not "
                "created again."
            )
        )
        _log(run, Action.SKIPPED, reasons=[reason], **log)
        return
    # Lock the dataset: a change made here at this moment waits for this sync
    # and is then seen as a change after it.
    dataset = Dataset.objects.select_for_update().get(pk=record.dataset_id)
    if record.content_hash == digest:
        _log(run, Action.UNCHANGED, dataset=dataset, **log)
        return
    edited = _local_edit(record, dataset)
    if edited is not None:
        _log(run, Action.SKIPPED, dataset=dataset, reasons=[edited], **log)
        return
    resource_map = _update_dataset(actor, dataset, record, remote)
    _remember(record, dataset, remote, digest, resource_map)
    _log(run, Action.UPDATED, dataset=dataset, reasons=remote.notes, **log)


def _local_edit(record: HarvestedRecord, dataset: Dataset) -> Message | None:
    """Why the dataset counts as changed here since the last sync, or ``None``.

    Two signs, either is enough: an entry in the dataset's change history newer
    than the last sync (every change through the catalog's services writes
    one), or a modification time other than the one the last sync left.
    """
    later = (
        catalog_selectors.dataset_history(dataset=dataset)
        .filter(pk__gt=record.audit_mark)
        .order_by("pk")
        .first()
    )
    if later is not None:
        return message(
            gettext_noop(
                "The dataset was changed here on {time} by {person} ({action}) "
                "since the last harvest; the changes at the source were not "
                "applied, so that nothing is overwritten."
            ),
            time=date_format(
                timezone.localtime(later.created_at), "SHORT_DATETIME_FORMAT"
            ),
            person=later.actor_name or "–",
            action=later.action,
        )
    if (
        record.local_modified_at is None
        or dataset.modified_at != record.local_modified_at
    ):
        return message(
            gettext_noop(
                "The dataset was changed here on {time} since the last harvest; "
                "the changes at the source were not applied, so that nothing is "
                "overwritten."
            ),
            time=date_format(
                timezone.localtime(dataset.modified_at), "SHORT_DATETIME_FORMAT"
            ),
        )
    return None


def _remember(
    record: HarvestedRecord,
    dataset: Dataset,
    remote: RemoteDataset,
    digest: str,
    resource_map: dict[str, int],
) -> None:
    """Store what was synced and the dataset's state right after it."""
    state = Dataset.objects.filter(pk=dataset.pk).values("modified_at").get()
    mark = (
        catalog_selectors.dataset_history(dataset=dataset)
        .aggregate(mark=Max("pk"))
        .get("mark")
    )
    record.dataset = dataset
    record.remote_url = remote.remote_url
    record.remote_modified = remote.modified
    record.content_hash = digest
    record.synced_at = timezone.now()
    record.local_modified_at = state["modified_at"]
    record.audit_mark = mark or 0
    record.withdrawn_at = None
    record.resource_map = resource_map
    record.full_clean(validate_constraints=False)
    record.save()


def _create_dataset(
    actor: User, source: HarvestSource, remote: RemoteDataset
) -> tuple[Dataset, dict[str, int]]:
    dataset = catalog.dataset_create(
        actor=actor,
        organization=source.organization,
        themes=remote.themes,
        **remote.fields,
    )
    resource_map: dict[str, int] = {}
    for item in remote.resources:
        resource = catalog.resource_create(actor=actor, dataset=dataset, **item.fields)
        resource_map[item.key] = resource.pk
    dataset = catalog.dataset_set_published(
        actor=actor, dataset=dataset, published=True, issued_at=remote.issued
    )
    return dataset, resource_map


def _update_dataset(
    actor: User, dataset: Dataset, record: HarvestedRecord, remote: RemoteDataset
) -> dict[str, int]:
    catalog.dataset_update(
        actor=actor, dataset=dataset, themes=remote.themes, **remote.fields
    )
    previous: dict[str, int] = dict(record.resource_map or {})
    resources = {r.pk: r for r in Resource.objects.filter(dataset=dataset)}
    resource_map: dict[str, int] = {}
    for item in remote.resources:
        resource = resources.get(previous.pop(item.key, -1))
        if resource is None:
            resource = catalog.resource_create(
                actor=actor, dataset=dataset, **item.fields
            )
        else:
            catalog.resource_update(actor=actor, resource=resource, **item.fields)
        resource_map[item.key] = resource.pk
    # Distributions gone at the source: remove the links made from them.
    for resource_id in previous.values():
        if resource_id in resources:
            catalog.resource_delete(actor=actor, resource=resources[resource_id])
    return resource_map


def _withdraw_missing(run: HarvestRun, seen: set[str]) -> None:
    """Report records the source no longer lists (once each); keep their datasets."""
    listed = HarvestedRecord.objects.filter(
        source=run.source, withdrawn_at__isnull=True
    ).values_list("pk", "remote_id")
    missing_ids = [pk for pk, remote_id in listed if remote_id not in seen]
    missing = HarvestedRecord.objects.filter(pk__in=missing_ids).select_related(
        "dataset"
    )
    reason = message(
        gettext_noop(
            "The source no longer lists this record. The dataset was kept here; "
            "delete it if it should go."
        )
    )
    for record in missing.iterator():
        with transaction.atomic():
            HarvestedRecord.objects.filter(pk=record.pk).update(
                withdrawn_at=timezone.now()
            )
            _log(
                run,
                Action.WITHDRAWN,
                remote_id=record.remote_id,
                title=record.dataset.title if record.dataset else "",
                reasons=[reason],
                dataset=record.dataset,
            )
