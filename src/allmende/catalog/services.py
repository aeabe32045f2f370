"""Every change to datasets, resources and versions.

Each function checks the actor's permission (``rules.py``), runs in one
transaction, validates with ``full_clean()``, writes the audit log with the
dataset as its object (so the dataset's history lists resource changes too),
and queues loads after commit. Loading a table (:func:`version_ingest`) runs in
a background job; it writes its progress to the version row as it goes.
"""

from __future__ import annotations

import logging
import mimetypes
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from allmende.accounts.models import User
from allmende.catalog import engine, fetch, formats, storage, tablestore
from allmende.catalog.engine import detect as engine_detect
from allmende.catalog.loads import Heartbeat, LoadEnded
from allmende.catalog.models import Dataset, DatasetTheme, Resource, ResourceVersion
from allmende.core import files
from allmende.core.search import index_object, unindex_object
from allmende.core.services import audit_log_record
from allmende.organizations.models import Organization

logger = logging.getLogger(__name__)

DATASET_FIELDS = (
    "title_de",
    "title_en",
    "description_de",
    "description_en",
    "licence",
    "keywords",
    "temporal_start",
    "temporal_end",
    "spatial",
    "spatial_uri",
    "contact_name",
    "contact_email",
    "update_frequency",
    "language",
    "is_private",
)
RESOURCE_FIELDS = (
    "title_de",
    "title_en",
    "description_de",
    "description_en",
    "licence",
    "url",
    "format",
)


def _require(actor: User, permission: str, obj: Dataset | Organization) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def error_text(template: str, params: dict[str, Any] | None = None) -> str:
    """An engine message in the active language, with its values filled in."""
    text = gettext(template) if template else ""
    try:
        return text.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        return text


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "datensatz"
    slug, counter = base, 2
    while Dataset.objects.filter(slug=slug).exists():
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def dataset_index(dataset: Dataset) -> None:
    index_object(
        dataset,
        title=f"{dataset.title_de} {dataset.title_en}".strip(),
        body=" ".join(
            [
                dataset.description_de,
                dataset.description_en,
                " ".join(dataset.keywords or []),
                dataset.organization.name,
                dataset.spatial,
            ]
        ),
    )


def _set_themes(dataset: Dataset, themes: Iterable[str]) -> bool:
    wanted = set(themes)
    current = set(dataset.themes.values_list("theme", flat=True))
    if wanted == current:
        return False
    dataset.themes.exclude(theme__in=wanted).delete()
    for theme in sorted(wanted - current):
        row = DatasetTheme(dataset=dataset, theme=theme)
        row.full_clean()
        row.save()
    return True


def _check_fields(given: Iterable[str], allowed: tuple[str, ...]) -> None:
    unknown = set(given) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")


@transaction.atomic
def dataset_create(
    *,
    actor: User,
    organization: Organization,
    themes: Iterable[str] = (),
    slug: str = "",
    **fields: Any,
) -> Dataset:
    """Create a draft dataset owned by ``organization``.

    Without ``slug`` one is made from the title; a given one must be free.
    """
    _require(actor, "catalog.add_dataset", organization)
    _check_fields(fields, DATASET_FIELDS)
    title = fields.get("title_de") or fields.get("title_en") or ""
    dataset = Dataset(
        organization=organization,
        slug=slug or _unique_slug(title),
        created_by=actor,
        **fields,
    )
    dataset.full_clean()
    dataset.save()
    _set_themes(dataset, themes)
    audit_log_record(actor=actor, action="dataset.created", obj=dataset)
    dataset_index(dataset)
    return dataset


@transaction.atomic
def dataset_update(
    *,
    actor: User,
    dataset: Dataset,
    themes: Iterable[str] | None = None,
    slug: str | None = None,
    **changes: Any,
) -> Dataset:
    """Change the description; a new ``slug`` changes the dataset's addresses."""
    _require(actor, "catalog.change_dataset", dataset)
    _check_fields(changes, DATASET_FIELDS)
    if slug is not None:
        changes["slug"] = slug
    changed = [
        name for name, value in changes.items() if getattr(dataset, name) != value
    ]
    for name in changed:
        setattr(dataset, name, changes[name])
    dataset.full_clean()
    dataset.save()
    if themes is not None and _set_themes(dataset, themes):
        changed.append("themes")
    if changed:
        audit_log_record(
            actor=actor,
            action="dataset.updated",
            obj=dataset,
            data={"fields": sorted(changed)},
        )
    dataset_index(dataset)
    return dataset


@transaction.atomic
def dataset_set_published(
    *,
    actor: User,
    dataset: Dataset,
    published: bool,
    issued_at: datetime | None = None,
) -> Dataset:
    """Publish a draft, or take a published dataset back to draft.

    ``issued_at`` is the first publication when it happened elsewhere (a
    harvested dataset); by default it is now.
    """
    _require(actor, "catalog.publish_dataset", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    status = Dataset.Status.PUBLISHED if published else Dataset.Status.DRAFT
    if dataset.status == status:
        return dataset
    dataset.status = status
    if published and dataset.issued_at is None:
        dataset.issued_at = issued_at or timezone.now()
    dataset.full_clean()
    dataset.save(update_fields=["status", "issued_at", "modified_at"])
    audit_log_record(
        actor=actor,
        action="dataset.published" if published else "dataset.unpublished",
        obj=dataset,
    )
    return dataset


@transaction.atomic
def dataset_delete(*, actor: User, dataset: Dataset) -> None:
    _require(actor, "catalog.delete_dataset", dataset)
    audit_log_record(
        actor=actor,
        action="dataset.deleted",
        obj=dataset,
        data={"slug": dataset.slug},
    )
    unindex_object(dataset)
    resource_ids = list(dataset.resources.values_list("pk", flat=True))
    originals = [
        name
        for name in ResourceVersion.objects.filter(
            resource__dataset=dataset
        ).values_list("original", flat=True)
        if name
    ]
    dataset.delete()

    def remove_files() -> None:
        for resource_id in resource_ids:
            tablestore.delete_resource(resource_id)
        for name in originals:
            files.private_storage().delete(name)

    transaction.on_commit(remove_files)


def _format_of(filename: str) -> str:
    return formats.name_of_file(filename)


def _named_by_content(filename: str, head: bytes) -> str:
    """``filename`` with the extension of the type found in the content.

    Raises the engine's ``IngestError`` for markup and for what cannot be loaded.
    """
    extension = files.data_extension(head, filename)
    stem = Path(filename.replace("\\", "/")).stem.strip()[:200] or "data"
    return f"{stem}.{extension}"


def _checked_name(upload: UploadedFile) -> str:
    """The name an upload is kept under, or a ``ValidationError``."""
    upload.seek(0)
    head = upload.read(engine_detect.SNIFF_BYTES)
    upload.seek(0)
    try:
        return _named_by_content(Path(upload.name or "upload").name, head)
    except engine.IngestError as exc:
        raise ValidationError({"file": error_text(exc.template, exc.params)}) from None


def _new_version(
    *, actor: User, resource: Resource, upload: UploadedFile | None
) -> ResourceVersion:
    """The next version of a resource: an uploaded file, or (without ``upload``)
    the linked file, which the background job fetches before loading it."""
    last = (
        ResourceVersion.objects.select_for_update()
        .filter(resource=resource)
        .order_by("-number")
        .first()
    )
    if upload is not None:
        filename = _checked_name(upload)
    else:
        filename = (
            Path(unquote(urlsplit(resource.url).path)).name[:255] or resource.url[:255]
        )
    file_format = _format_of(filename) or resource.format.lower()
    version = ResourceVersion(
        resource=resource,
        number=(last.number + 1) if last else 1,
        filename=filename,
        byte_size=(upload.size or 0) if upload is not None else 0,
        format=file_format,
        media_type=formats.media_type(file_format)
        or mimetypes.guess_type(filename)[0]
        or "application/octet-stream",
        created_by=actor,
    )
    if upload is not None:
        upload.name = filename
        version.original = upload
    else:
        version.stage = "download"
    version.full_clean()
    version.save()
    from allmende.catalog.tasks import ingest_version
    from allmende.core.tasks import enqueue

    enqueue(ingest_version, version.pk)
    return version


@transaction.atomic
def resource_create(
    *,
    actor: User,
    dataset: Dataset,
    upload: UploadedFile | None = None,
    load: bool = False,
    **fields: Any,
) -> Resource:
    """Add a resource: an uploaded file (loaded in the background) or a link.

    With ``load``, the linked file is fetched and loaded into a table in the
    background, as an upload would be.
    """
    _require(actor, "catalog.change_dataset", dataset)
    _check_fields(fields, RESOURCE_FIELDS)
    kind = Resource.Kind.UPLOAD if upload is not None else Resource.Kind.LINK
    if kind == Resource.Kind.UPLOAD:
        fields["url"] = ""
        fields["format"] = _format_of(upload.name or "")  # type: ignore[union-attr]
    position = dataset.resources.count()
    resource = Resource(dataset=dataset, kind=kind, position=position, **fields)
    resource.full_clean()
    resource.save()
    data: dict[str, Any] = {"resource": resource.title, "resource_id": resource.pk}
    if upload is not None or load:
        version = _new_version(actor=actor, resource=resource, upload=upload)
        data["file"] = version.filename
    audit_log_record(actor=actor, action="resource.created", obj=dataset, data=data)
    Dataset.objects.filter(pk=dataset.pk).update(modified_at=timezone.now())
    return resource


@transaction.atomic
def resource_update(*, actor: User, resource: Resource, **changes: Any) -> Resource:
    """Change a resource's description, licence or (for a link) its address."""
    dataset = resource.dataset
    _require(actor, "catalog.change_dataset", dataset)
    _check_fields(changes, RESOURCE_FIELDS)
    if resource.kind == Resource.Kind.UPLOAD:
        # An upload's address and format come from its file.
        changes.pop("url", None)
        changes.pop("format", None)
    changed = [
        name for name, value in changes.items() if getattr(resource, name) != value
    ]
    if not changed:
        return resource
    for name in changed:
        setattr(resource, name, changes[name])
    resource.full_clean()
    resource.save()
    audit_log_record(
        actor=actor,
        action="resource.updated",
        obj=dataset,
        data={
            "resource": resource.title,
            "resource_id": resource.pk,
            "fields": sorted(changed),
        },
    )
    Dataset.objects.filter(pk=dataset.pk).update(modified_at=timezone.now())
    return resource


@transaction.atomic
def resource_delete(*, actor: User, resource: Resource) -> None:
    """Delete a resource with all its versions; files go once the change commits.

    The resources after it move up, so positions stay without gaps.
    """
    dataset = resource.dataset
    _require(actor, "catalog.change_dataset", dataset)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    originals = [
        name for name in resource.versions.values_list("original", flat=True) if name
    ]
    audit_log_record(
        actor=actor,
        action="resource.deleted",
        obj=dataset,
        data={
            "resource": resource.title,
            "resource_id": resource.pk,
            "versions": len(originals),
        },
    )
    resource_id, position = resource.pk, resource.position
    # The shown version goes with the resource; unlink it first so no row
    # points at a version that is being deleted.
    Resource.objects.filter(pk=resource_id).update(current_version=None)
    resource.delete()
    for later in dataset.resources.filter(position__gt=position).order_by("position"):
        Resource.objects.filter(pk=later.pk).update(position=later.position - 1)
    Dataset.objects.filter(pk=dataset.pk).update(modified_at=timezone.now())

    def remove_files() -> None:
        tablestore.delete_resource(resource_id)
        for name in originals:
            files.private_storage().delete(name)

    transaction.on_commit(remove_files)


@transaction.atomic
def resource_upload_version(
    *, actor: User, resource: Resource, upload: UploadedFile
) -> ResourceVersion:
    """A new file for a resource; the old table stays served until it has loaded."""
    _require(actor, "catalog.change_dataset", resource.dataset)
    if resource.kind != Resource.Kind.UPLOAD:
        raise ValidationError(_("A link cannot get a new file."))
    version = _new_version(actor=actor, resource=resource, upload=upload)
    audit_log_record(
        actor=actor,
        action="resource.version_uploaded",
        obj=resource.dataset,
        data={
            "resource": resource.title,
            "resource_id": resource.pk,
            "version": version.number,
            "file": version.filename,
        },
    )
    return version


@transaction.atomic
def resource_fetch_again(*, actor: User, resource: Resource) -> ResourceVersion:
    """Fetch a linked file again as a new version; the old table stays served."""
    _require(actor, "catalog.change_dataset", resource.dataset)
    if resource.kind != Resource.Kind.LINK:
        raise ValidationError(_("Only a link can be fetched again."))
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if any(v.is_busy for v in resource.versions.filter(status__in=BUSY)):
        raise ValidationError(
            _("This file is being loaded. Please wait until it is done.")
        )
    version = _new_version(actor=actor, resource=resource, upload=None)
    audit_log_record(
        actor=actor,
        action="resource.fetch_requested",
        obj=resource.dataset,
        data={
            "resource": resource.title,
            "resource_id": resource.pk,
            "version": version.number,
            "url": resource.url,
        },
    )
    return version


@transaction.atomic
def version_reload(
    *,
    actor: User,
    version: ResourceVersion,
    overrides: dict[str, dict[str, str]],
) -> ResourceVersion:
    """Load a version again with the owner's column types and locales.

    Until the new load is complete the table as it was stays queryable.
    """
    dataset = version.resource.dataset
    _require(actor, "catalog.change_dataset", dataset)
    version = ResourceVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_busy:
        raise ValidationError(
            _("This file is being loaded. Please wait until it is done.")
        )
    version.options = {**version.options, "overrides": overrides}
    version.status = ResourceVersion.Status.QUEUED
    version.progress = 0.0
    version.stage = ""
    version.heartbeat_at = timezone.now()
    version.load_attempts = 0
    version.full_clean()
    version.save(
        update_fields=[
            "options",
            "status",
            "progress",
            "stage",
            "heartbeat_at",
            "load_attempts",
        ]
    )
    audit_log_record(
        actor=actor,
        action="resource.reload_requested",
        obj=dataset,
        data={
            "resource": version.resource.title,
            "resource_id": version.resource_id,
            "version": version.number,
            "overrides": overrides,
        },
    )
    from allmende.catalog.tasks import ingest_version
    from allmende.core.tasks import enqueue

    enqueue(ingest_version, version.pk)
    return version


def ingest_options(version: ResourceVersion) -> engine.IngestOptions:
    overrides = {
        name: engine.ColumnOverride(
            type=engine.ColumnType(spec["type"]) if spec.get("type") else None,
            number_locale=(
                engine.NumberLocale(spec["number_locale"])
                if spec.get("number_locale")
                else None
            ),
            date_order=(
                engine.DateOrder(spec["date_order"]) if spec.get("date_order") else None
            ),
        )
        for name, spec in (version.options.get("overrides") or {}).items()
    }
    limits = engine.Limits(max_file_bytes=settings.ALLMENDE_MAX_UPLOAD_BYTES)
    return engine.IngestOptions(overrides=overrides, limits=limits)


class _Progress:
    """Writes the load's progress to the version row, at most twice a second;
    stops the load when its heartbeat found it taken away."""

    def __init__(self, version_id: int, heartbeat: Heartbeat | None = None) -> None:
        self.version_id = version_id
        self.heartbeat = heartbeat
        self.last = 0.0

    def __call__(self, fraction: float, stage: str) -> None:
        if self.heartbeat is not None:
            self.heartbeat.check()
        now = time.monotonic()
        if now - self.last < 0.5 and fraction < 1.0:
            return
        self.last = now
        ResourceVersion.objects.filter(pk=self.version_id).update(
            progress=max(0.0, min(1.0, float(fraction))), stage=stage[:40]
        )


def version_ingest(*, version_id: int) -> ResourceVersion | None:
    """Load one queued version into its table (the body of the background job).

    Safe to run twice: only a queued version is taken, so a second run of the
    same job finds nothing to do. Not one transaction: progress must be
    visible while it runs, and the engine switches tables atomically itself.
    Each take counts as an attempt; a heartbeat shows that it is alive (see
    :mod:`allmende.catalog.loads` and :func:`loads_recover`).
    """
    taken = ResourceVersion.objects.filter(
        pk=version_id, status=ResourceVersion.Status.QUEUED
    ).update(
        status=ResourceVersion.Status.RUNNING,
        progress=0.0,
        stage="start",
        heartbeat_at=timezone.now(),
        load_attempts=F("load_attempts") + 1,
    )
    if not taken:
        return None
    version = ResourceVersion.objects.select_related("resource__dataset").get(
        pk=version_id
    )
    try:
        with Heartbeat(version.pk, version.load_attempts) as heartbeat:
            if not version.original:
                _fetch_original(version, heartbeat)
            if not version.checksum_sha256:
                version.checksum_sha256 = storage.sha256_of(version)
            with storage.local_original(version) as source:
                result = engine.ingest(
                    source,
                    tablestore.work_dir(version.resource_id, version.number),
                    options=ingest_options(version),
                    progress=_Progress(version.pk, heartbeat),
                )
            heartbeat.beat()
            heartbeat.check()
            key = tablestore.BuildKey(
                version.resource_id, version.number, result.paths.version_dir.name
            )
            try:
                tablestore.publish(key, result.paths.version_dir)
            except BaseException:
                tablestore.delete_build(key)
                raise
    except LoadEnded:
        # Deleted meanwhile (then what it wrote goes too), or queued again.
        with transaction.atomic():
            if not _gone_while_loading(version):
                logger.warning("Load of version %s was taken away", version_id)
        return None
    except (engine.IngestError, fetch.FetchError) as exc:
        return _ingest_failed(version, exc.template, exc.params)
    except SoftTimeLimitExceeded:
        return _ingest_failed(
            version,
            TIME_LIMIT_FAILURE,
            {"minutes": settings.ALLMENDE_LOAD_TIME_LIMIT_SECONDS // 60},
        )
    except Exception:
        logger.exception("Loading version %s failed", version_id)
        return _ingest_failed(version, UNEXPECTED_FAILURE, {})
    done = _ingest_done(version, result, key)
    if done is not None:
        _write_parquet(result, key)
    return done


def _write_parquet(result: engine.IngestResult, key: tablestore.BuildKey) -> None:
    """Write the Parquet download of a version that is already served, and
    put it into the table store.

    A failure here is logged and leaves the file to the first download, which
    writes it itself (see ``engine.write_parquet``).
    """
    try:
        # Not the per-process cache of open tables: a worker that loads many
        # files would keep each one open.
        table = engine.Resource(result.paths)
        try:
            engine.write_parquet(table)
        finally:
            table.close()
        tablestore.publish_file(key, result.paths.parquet)
    except Exception:
        logger.exception("Parquet file of %s could not be written", result.paths)


def _fetch_original(version: ResourceVersion, heartbeat: Heartbeat) -> None:
    """Download a link's file into the storage as the version's original."""
    progress = _Progress(version.pk, heartbeat)
    with tempfile.TemporaryDirectory(prefix="allmende-fetch-") as folder:
        fetched = fetch.fetch(
            version.resource.url,
            Path(folder),
            max_bytes=settings.ALLMENDE_MAX_UPLOAD_BYTES,
            allow_private=settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES,
            progress=lambda fraction: progress(fraction, "download"),
        )
        version.filename = _named_by_content(
            fetched.filename, engine_detect.read_head(fetched.path)
        )
        version.byte_size = fetched.size
        version.checksum_sha256 = fetched.sha256
        version.format = _format_of(version.filename)
        version.media_type = formats.media_type(version.format)
        with fetched.path.open("rb") as handle:
            version.original.save(version.filename, File(handle), save=False)
    version.save(
        update_fields=[
            "original",
            "filename",
            "byte_size",
            "checksum_sha256",
            "format",
            "media_type",
        ]
    )


UNEXPECTED_FAILURE = gettext_noop(
    "The file could not be loaded because of an error on our side. Please try "
    "again later; if it happens again, contact the site administrators."
)
TIME_LIMIT_FAILURE = gettext_noop(
    "Loading the file took longer than the limit of {minutes} minutes and was "
    "stopped. Please contact the site administrators."
)
INTERRUPTED_FAILURE = gettext_noop(
    "Loading the file was interrupted: the process loading it stopped, perhaps "
    "for lack of memory (attempts: {attempts}). Please try again later; if it "
    "happens again, contact the site administrators."
)
BUSY = (ResourceVersion.Status.QUEUED, ResourceVersion.Status.RUNNING)


def loads_recover(*, now: datetime | None = None) -> int:
    """Queue again, or fail, loads whose worker died; resend lost queued loads.

    A running load with no heartbeat for ``ALLMENDE_LOAD_STALE_SECONDS`` lost
    its process: it is queued again until it has been taken
    ``ALLMENDE_LOAD_MAX_ATTEMPTS`` times, then failed with a message (its
    owner can load it again). A queued load whose job has not started for
    ``ALLMENDE_LOAD_REQUEUE_SECONDS`` gets its job again (the job may have been
    lost with a restarted web process; a second job finds nothing to do).
    Returns the number of loads it changed or queued again.
    """
    from allmende.catalog.tasks import ingest_version
    from allmende.core.tasks import enqueue

    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.ALLMENDE_LOAD_STALE_SECONDS)
    stale = ResourceVersion.objects.filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True),
        status=ResourceVersion.Status.RUNNING,
    )
    changed = 0
    for version_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            version = (
                stale.select_for_update()
                .select_related("resource__dataset")
                .filter(pk=version_id)
                .first()
            )
            if version is None:
                continue  # finished or recovered meanwhile
            changed += 1
            attempts = version.load_attempts
            if attempts >= settings.ALLMENDE_LOAD_MAX_ATTEMPTS:
                _ingest_failed(version, INTERRUPTED_FAILURE, {"attempts": attempts})
                continue
            version.status = ResourceVersion.Status.QUEUED
            version.stage = ""
            version.progress = 0.0
            version.heartbeat_at = now
            version.save(update_fields=["status", "stage", "progress", "heartbeat_at"])
            audit_log_record(
                actor=None,
                action="resource.load_requeued",
                obj=version.resource.dataset,
                data={
                    "resource": version.resource.title,
                    "resource_id": version.resource_id,
                    "version": version.number,
                    "attempts": attempts,
                },
            )
            enqueue(ingest_version, version.pk)
    requeue_before = now - timedelta(seconds=settings.ALLMENDE_LOAD_REQUEUE_SECONDS)
    waiting = ResourceVersion.objects.alias(
        since=Coalesce("heartbeat_at", "created_at")
    ).filter(status=ResourceVersion.Status.QUEUED, since__lt=requeue_before)
    for version_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            if waiting.filter(pk=version_id).update(heartbeat_at=now):
                changed += 1
                enqueue(ingest_version, version_id)
    return changed


def _gone_while_loading(version: ResourceVersion) -> bool:
    """Lock the resource; when it (or the version) was deleted during the load,
    remove what the load wrote, since the deletion could not see it yet."""
    resource = Resource.objects.select_for_update().filter(pk=version.resource_id)
    resource_id, number = version.resource_id, version.number
    if not resource.exists():
        transaction.on_commit(lambda: tablestore.delete_resource(resource_id))
        return True
    if not ResourceVersion.objects.filter(pk=version.pk).exists():
        transaction.on_commit(lambda: tablestore.delete_version(resource_id, number))
        return True
    return False


@transaction.atomic
def _ingest_failed(
    version: ResourceVersion, template: str, params: dict[str, Any]
) -> ResourceVersion | None:
    if _gone_while_loading(version):
        return None
    version.status = ResourceVersion.Status.FAILED
    version.error_template = template
    version.error_params = {k: str(v) for k, v in params.items()}
    version.save(
        update_fields=["status", "error_template", "error_params", "checksum_sha256"]
    )
    audit_log_record(
        actor=None,
        action="resource.load_failed",
        obj=version.resource.dataset,
        data={
            "resource": version.resource.title,
            "resource_id": version.resource_id,
            "version": version.number,
            "error": error_text(template, params)[:500],
        },
    )
    return version


@transaction.atomic
def _ingest_done(
    version: ResourceVersion, result: engine.IngestResult, key: tablestore.BuildKey
) -> ResourceVersion | None:
    if _gone_while_loading(version):
        transaction.on_commit(lambda: tablestore.delete_build(key))
        return None
    previous = ResourceVersion.objects.get(pk=version.pk).table_build
    if previous and previous != key.build:
        # The build replaced by a new load of this version: readers that
        # opened it keep their open files; other nodes' sweeps drop their
        # copies.
        old = tablestore.BuildKey(key.resource_id, key.number, previous)
        transaction.on_commit(lambda: tablestore.delete_build(old))
    version.table_build = key.build
    version.status = ResourceVersion.Status.READY
    version.progress = 1.0
    version.stage = "done"
    version.error_template = ""
    version.error_params = {}
    version.loaded_at = timezone.now()
    version.row_count = result.row_count
    version.geometry_column = result.geometry_column or ""
    version.format = result.source_format[:20] or version.format
    version.media_type = formats.media_type(version.format) or version.media_type
    # A column whose type the owner chose was not typed by detection: it
    # keeps the type detected by the load before.
    chosen_types = {
        name
        for name, spec in (version.options.get("overrides") or {}).items()
        if spec.get("type")
    }
    detected_before = {
        c["name"]: c.get("detected_type") or c["type"] for c in version.columns or []
    }
    version.columns = [
        {
            "name": column.name,
            "original": column.original,
            "type": column.type.value,
            "detected_type": (
                detected_before.get(column.name, column.type.value)
                if column.name in chosen_types
                else column.type.value
            ),
            "null_count": column.null_count,
            "problem_count": column.problem_count,
            "number_locale": column.number_locale.value if column.number_locale else "",
            "date_order": column.date_order.value if column.date_order else "",
        }
        for column in result.columns
    ]
    version.report = {
        "problems": [
            {
                "row": p.row,
                "column": p.column,
                "value": p.value[:200],
                "kind": p.kind,
                "message": p.message,
                "template": p.template,
                "params": p.params,
            }
            for p in result.report.problems
        ],
        "total_problems": result.report.total_problems,
        "notices": list(result.report.notices),
        "notice_templates": list(result.report.notice_templates),
    }
    version.load_info = {
        "encoding": result.encoding,
        # Only a text file has a separator; a spreadsheet or JSON has none.
        "delimiter": result.delimiter if result.source_format == "csv" else "",
        "header_row": result.header_row,
        "seconds": result.timings.get("total"),
    }
    version.full_clean()
    version.save()
    resource = Resource.objects.select_for_update().get(pk=version.resource_id)
    current = resource.current_version
    if current is None or current.number <= version.number:
        resource.current_version = version
        resource.format = version.format
        resource.save(update_fields=["current_version", "format", "modified_at"])
    audit_log_record(
        actor=None,
        action="resource.loaded",
        obj=resource.dataset,
        data={
            "resource": resource.title,
            "resource_id": resource.pk,
            "version": version.number,
            "rows": result.row_count,
        },
    )
    return version


def table_cache_sweep() -> int:
    """Remove this node's copies of table builds that are no longer served
    (deleted, or replaced by a new load); the number removed. Safe to run
    on every node, at any time, any number of times."""
    live = [
        tablestore.BuildKey(resource_id, number, build)
        for resource_id, number, build in ResourceVersion.objects.exclude(
            table_build=""
        ).values_list("resource_id", "number", "table_build")
    ]
    versions = ResourceVersion.objects.values_list("resource_id", "number")
    return tablestore.sweep(live, list(versions))
