"""Where table builds live: the data folder, or object storage and a cache.

A *build* is one load of one version of a resource: the DuckDB table file,
its Parquet download and ``meta.json``, in a folder named by the engine
(``v-<time>-<random>``). The database names the build of each version that is
served (``ResourceVersion.table_build``); nothing on a disk says which.

Without S3 (the embedded default) builds are kept in ``DATA_DIR/tables`` and
read there. With S3 (the private storage is S3, see ``ALLMENDE_S3_*``) the
bucket is the only place a build is kept for good, under
``ALLMENDE_S3_TABLES_PREFIX``; each node reads from a local cache
(``ALLMENDE_TABLE_CACHE_DIR``) that fetches a build on first use and keeps at
most ``ALLMENDE_TABLE_CACHE_BYTES``, pushing out the least recently used
builds. Losing a node's cache loses nothing.

Both layouts are ``resource-<id>/v<number>/<build>/<file>``. Several processes
of a node share its cache: a build is fetched under a file lock into a
temporary folder that is renamed into place when complete, so a reader sees
a whole build or none. ``meta.json`` is uploaded last, so a build in the
bucket without it is incomplete and never fetched.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
)
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from allmende.catalog import engine
from allmende.catalog.engine import storage as layout

if TYPE_CHECKING:
    from allmende.catalog.models import ResourceVersion

logger = logging.getLogger(__name__)

USED_MARK = ".used"
LOCKS = ".locks"
LOCK_SLOTS = 64
# Folders being fetched or removed; a sweep clears those left by a process
# that died, once they are older than this.
STALE_SECONDS = 3600
# Files of a build that belong in the store, ``meta.json`` last. Sorted
# projections and other files a node writes for itself stay local.
STORED_FILES = (layout.DATABASE, layout.PARQUET, layout.META)
# What a node fetches to answer queries: the Parquet download is handed out
# by the store itself (a signed address), so it is not copied to the node.
FETCHED_FILES = (layout.DATABASE, layout.META)


@dataclass(frozen=True)
class BuildKey:
    resource_id: int
    number: int
    build: str

    @classmethod
    def of(cls, version: ResourceVersion) -> BuildKey:
        return cls(version.resource_id, version.number, version.table_build)

    @property
    def relative(self) -> str:
        return f"{version_prefix(self.resource_id, self.number)}{self.build}"


def resource_prefix(resource_id: int) -> str:
    return f"resource-{resource_id}/"


def version_prefix(resource_id: int, number: int) -> str:
    return f"{resource_prefix(resource_id)}v{number}/"


# --- configuration ------------------------------------------------------------


def s3_options() -> dict[str, Any] | None:
    """The S3 connection of the private storage, or ``None`` without S3."""
    private: Any = settings.STORAGES.get("private", {})
    if not str(private.get("BACKEND", "")).endswith("S3Storage"):
        return None
    return dict(private.get("OPTIONS") or {})


def is_remote() -> bool:
    return s3_options() is not None


def local_root() -> Path:
    """The folder builds are read from: the store itself, or the node's cache."""
    if not is_remote():
        return Path(settings.DATA_DIR) / "tables"
    configured = settings.ALLMENDE_TABLE_CACHE_DIR
    return Path(configured) if configured else Path(settings.DATA_DIR) / "table-cache"


def _prefix() -> str:
    return str(settings.ALLMENDE_S3_TABLES_PREFIX).strip("/") + "/"


@cache
def _client(endpoint: str | None, access: str | None, secret: str | None,
            region: str | None) -> Any:  # fmt: skip
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        region_name=region,
        config=Config(max_pool_connections=16, retries={"max_attempts": 3}),
    )


def _s3() -> tuple[Any, str]:
    options = s3_options()
    if options is None:
        raise RuntimeError("The table store is not S3.")
    client = _client(
        options.get("endpoint_url"),
        options.get("access_key"),
        options.get("secret_key"),
        options.get("region_name"),
    )
    return client, str(options["bucket_name"])


@receiver(setting_changed)
def _forget_client(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGES":
        _client.cache_clear()


# --- health ---------------------------------------------------------------------

HEALTH_OBJECT = "health-check"


def check() -> None:
    """Raise unless this node can read the table store and write its folder.

    With S3, the store's known object (written on first use) is read back and
    the node's cache folder must be writable; without, the tables folder, which
    is the store, must be writable and readable.
    """
    root = local_root()
    root.mkdir(parents=True, exist_ok=True)
    probe = root / f".health-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"ok")
        if probe.read_bytes() != b"ok":
            raise RuntimeError("a file written to the tables folder reads back wrong")
    finally:
        probe.unlink(missing_ok=True)
    if not is_remote():
        return
    client, bucket = _s3()
    key = _prefix() + HEALTH_OBJECT
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except client.exceptions.NoSuchKey:
        client.put_object(Bucket=bucket, Key=key, Body=b"ok")
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    if body != b"ok":
        raise RuntimeError("the table store's health object reads back wrong")


# --- writing --------------------------------------------------------------------


def work_dir(resource_id: int, number: int) -> Path:
    """The folder in which the engine builds a version's table (on this node)."""
    return local_root() / version_prefix(resource_id, number)


def publish(key: BuildKey, folder: Path) -> None:
    """Put a finished build into the store (a no-op for the data folder)."""
    if not is_remote():
        return
    client, bucket = _s3()
    for name in STORED_FILES:
        path = folder / name
        if path.exists():
            client.upload_file(str(path), bucket, f"{_prefix()}{key.relative}/{name}")
    _touch(folder)


def publish_file(key: BuildKey, path: Path) -> None:
    """Add a file written after publication (the Parquet download)."""
    if is_remote():
        client, bucket = _s3()
        client.upload_file(str(path), bucket, f"{_prefix()}{key.relative}/{path.name}")


# --- reading --------------------------------------------------------------------


def local_build(key: BuildKey) -> Path:
    """The build's folder on this node, fetched from the store when needed.

    Raises the engine's ``ResourceNotReadyError`` when the build is not
    (completely) in the store.
    """
    folder = local_root() / key.relative
    if not is_remote():
        return folder
    if (folder / layout.META).exists():
        _touch(folder)
        return folder
    _fetch(key, folder)
    evict(keep=folder)
    return folder


def open_table(key: BuildKey) -> engine.Resource:
    """The engine's table of a build, from this node's disk.

    Raises the engine's ``ResourceNotReadyError`` when the build is missing
    or cannot be opened (or fetched).
    """
    try:
        return engine.Resource.open(local_build(key))
    except engine.errors.ResourceNotReadyError:
        raise
    except (engine.EngineError, OSError, duckdb.Error, BotoCoreError,
            ClientError) as exc:  # fmt: skip
        logger.warning("Table build %s cannot be opened", key.relative)
        raise engine.errors.ResourceNotReadyError() from exc


def download_url(key: BuildKey, name: str, *, filename: str,
                 content_type: str) -> str | None:  # fmt: skip
    """A short-lived signed address of a stored file of a build, or ``None``
    without S3 or when the file is not in the store."""
    if not is_remote():
        return None
    from django.utils.http import content_disposition_header

    client, bucket = _s3()
    object_key = f"{_prefix()}{key.relative}/{name}"
    try:
        client.head_object(Bucket=bucket, Key=object_key)
    except (BotoCoreError, ClientError):
        return None  # not in the store (yet), or the store cannot be reached
    return str(
        client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket,
                "Key": object_key,
                "ResponseContentDisposition": content_disposition_header(
                    as_attachment=True, filename=filename
                ),
                "ResponseContentType": content_type,
            },
            ExpiresIn=settings.S3_SIGNED_SECONDS,
        )
    )


def build_file(download: str) -> str:
    """The file of a build that holds a download written at load time."""
    return {"parquet": layout.PARQUET}[download]


def _touch(folder: Path) -> None:
    """Mark a build as used now (the cache pushes out the least recent)."""
    mark = folder / USED_MARK
    try:
        os.utime(mark)
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            mark.touch()


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """An exclusive lock between the processes of this node. Names share a
    fixed set of lock files, so none is ever removed (removing a lock file
    another process waits on would let two in)."""
    locks = local_root() / LOCKS
    locks.mkdir(parents=True, exist_ok=True)
    slot = zlib.crc32(name.encode()) % LOCK_SLOTS
    with open(locks / f"{slot:02d}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fetch(key: BuildKey, folder: Path) -> None:
    client, bucket = _s3()
    prefix = f"{_prefix()}{key.relative}/"
    with _locked(key.relative):
        if (folder / layout.META).exists():
            return  # fetched by another process meanwhile
        listing = client.list_objects_v2(Bucket=bucket, Prefix=prefix)
        names = {o["Key"][len(prefix) :] for o in listing.get("Contents", [])}
        if layout.META not in names:
            raise engine.errors.ResourceNotReadyError()
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = folder.parent / f".fetch-{key.build}-{uuid.uuid4().hex}"
        work.mkdir()
        try:
            for name in FETCHED_FILES:
                if name in names:
                    client.download_file(bucket, prefix + name, str(work / name))
            (work / USED_MARK).touch()
            if folder.exists():  # an incomplete folder of a crashed process
                _remove(folder)
            os.rename(work, folder)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)


# --- removing ---------------------------------------------------------------------


def _remove(folder: Path) -> None:
    """Remove a folder, and its parents up to the root once empty; readers
    see it whole or gone (it is renamed away first)."""
    if folder.exists():
        trash = folder.parent / f".trash-{folder.name}-{uuid.uuid4().hex}"
        try:
            os.rename(folder, trash)
        except OSError:
            trash = folder
        engine.Resource.forget(folder)
        shutil.rmtree(trash, ignore_errors=True)
    root = local_root()
    parent = folder.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()  # only when empty
        except OSError:
            break
        parent = parent.parent


def delete(prefix: str) -> None:
    """Remove every build under ``prefix`` (a resource's, a version's or one
    build's) from the store and from this node's disk."""
    if is_remote():
        client, bucket = _s3()
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=_prefix() + prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=bucket, Delete={"Objects": keys})
    _remove(local_root() / prefix.rstrip("/"))


def delete_resource(resource_id: int) -> None:
    delete(resource_prefix(resource_id))


def delete_version(resource_id: int, number: int) -> None:
    delete(version_prefix(resource_id, number))


def delete_build(key: BuildKey) -> None:
    delete(key.relative + "/")


def stored_names(prefix: str = "") -> list[str]:
    """The names of every stored object (or file) under ``prefix``."""
    if is_remote():
        client, bucket = _s3()
        paginator = client.get_paginator("list_objects_v2")
        start = _prefix() + prefix
        return sorted(
            o["Key"][len(_prefix()) :]
            for page in paginator.paginate(Bucket=bucket, Prefix=start)
            for o in page.get("Contents", [])
        )
    root = local_root()
    base = root / prefix
    if not base.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.is_file())


# --- the node's cache -----------------------------------------------------------


@dataclass(frozen=True)
class CachedBuild:
    folder: Path
    relative: str
    size: int
    used: float
    created: float


def cached_builds() -> list[CachedBuild]:
    """The complete builds on this node's disk, least recently used first."""
    root = local_root()
    found = []
    for folder in root.glob("resource-*/v*/*"):
        if folder.name.startswith(".") or not (folder / layout.META).exists():
            continue
        size = 0
        for path in folder.rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_file():
                    size += path.stat().st_size
        try:
            created = folder.stat().st_mtime
        except OSError:
            continue
        try:
            used = (folder / USED_MARK).stat().st_mtime
        except OSError:
            used = created
        found.append(
            CachedBuild(folder, str(folder.relative_to(root)), size, used, created)
        )
    return sorted(found, key=lambda b: b.used)


def evict(*, keep: Path | None = None) -> int:
    """Remove the least recently used builds until the cache is within its
    limit (never ``keep``); the number removed. Only for the S3 cache."""
    if not is_remote():
        return 0
    limit = settings.ALLMENDE_TABLE_CACHE_BYTES
    builds = cached_builds()
    total = sum(b.size for b in builds)
    removed = 0
    for build in builds:
        if total <= limit:
            break
        if keep is not None and build.folder == keep:
            continue
        _remove(build.folder)
        total -= build.size
        removed += 1
    return removed


def sweep(live: Iterable[BuildKey], versions: Iterable[tuple[int, int]]) -> int:
    """Remove what this node's cache keeps of builds that are no longer
    served; the number of builds removed. Without S3 only leftovers of
    processes that died are removed.

    ``live`` are the served builds, ``versions`` the ``(resource id, number)``
    of every version that exists. A build of a deleted version goes at once;
    another build of an existing version only once it is older than
    :data:`STALE_SECONDS`, since a load may have just written it and not yet
    recorded it. Folders left by processes that died go too.
    """
    wanted = {key.relative for key in live}
    existing = {version_prefix(r, n) for r, n in versions}
    removed = 0
    root = local_root()
    now = time.time()
    # In the data folder the builds are the store itself: only a deletion
    # removes them, never a sweep that may be run against the wrong database.
    builds = cached_builds() if is_remote() else []
    for build in builds:
        if build.relative in wanted:
            continue
        prefix = build.relative.rsplit("/", 1)[0] + "/"
        if prefix in existing and now - build.created < STALE_SECONDS:
            continue
        _remove(build.folder)
        removed += 1
    for leftover in root.glob("resource-*/v*/.*"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
    evict()
    return removed


_sweeper: threading.Thread | None = None
_sweeper_lock = threading.Lock()


def start_sweeper(sweep: Callable[[], int]) -> bool:
    """Sweep this node's cache every ``ALLMENDE_TABLE_CACHE_SWEEP_SECONDS``
    from a thread of a web process (with S3 only). A web node runs no
    periodic jobs of its own, and its cache must still lose deleted builds;
    of the node's processes one sweeps per interval (a mark in the cache)."""
    global _sweeper
    if not is_remote():
        return False
    with _sweeper_lock:
        if _sweeper is not None:
            return False
        _sweeper = threading.Thread(
            target=_sweep_loop, args=(sweep,), name="table-cache-sweep", daemon=True
        )
        _sweeper.start()
    return True


def _sweep_loop(sweep: Callable[[], int]) -> None:
    from django.db import close_old_connections

    interval = settings.ALLMENDE_TABLE_CACHE_SWEEP_SECONDS
    mark = local_root() / ".swept"
    while True:
        time.sleep(interval)
        try:
            mark.parent.mkdir(parents=True, exist_ok=True)
            with _locked("sweep"):
                if mark.exists() and time.time() - mark.stat().st_mtime < interval:
                    continue  # another process of this node swept
                mark.touch()
                sweep()
        except Exception:
            logger.exception("Sweeping the table cache failed")
        finally:
            close_old_connections()
