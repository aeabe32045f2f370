"""On-disk layout of an ingested resource and atomic publication.

A resource directory holds one sub-directory per loaded build::

    <dest_dir>/v-20240101T120000123456-ab12cd34/data.duckdb   table ``rows``
                                                  (+ view ``data``), facets
    <dest_dir>/v-.../data.parquet  typed download
    <dest_dir>/v-.../meta.json     columns, types, validation report

A new build is made in a hidden temporary directory and renamed to its name
only when complete. Which build is served is the caller's to record (the
catalog keeps it in its database); :func:`current_paths` finds the newest.
A failed load removes its temporary directory.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import errors

DATABASE = "data.duckdb"
PARQUET = "data.parquet"
META = "meta.json"
TMP_PREFIX = ".tmp-"
VERSION_PREFIX = "v-"
KEEP_VERSIONS = 2


@dataclass(frozen=True)
class ResourcePaths:
    version_dir: Path
    database: Path
    parquet: Path
    meta: Path

    @classmethod
    def of(cls, version_dir: Path) -> ResourcePaths:
        return cls(
            version_dir=version_dir,
            database=version_dir / DATABASE,
            parquet=version_dir / PARQUET,
            meta=version_dir / META,
        )


def new_work_dir(dest_dir: Path) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    work = dest_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
    work.mkdir()
    return work


def publish(work_dir: Path, dest_dir: Path) -> Path:
    """Move a finished build into place under a new, time-ordered name."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    version = dest_dir / f"{VERSION_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    work_dir.rename(version)
    _prune(dest_dir, keep=version)
    return version


def _prune(dest_dir: Path, keep: Path) -> None:
    """Remove old builds, keeping the newest few (open readers may use them,
    and the caller records the new one only after this)."""
    builds = sorted(
        (p for p in dest_dir.iterdir() if p.name.startswith(VERSION_PREFIX)),
        reverse=True,
    )
    for old in builds[KEEP_VERSIONS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def discard(work_dir: Path) -> None:
    shutil.rmtree(work_dir, ignore_errors=True)


def current_paths(dest_dir: Path) -> ResourcePaths:
    """Paths of the build ``dest_dir`` (a folder with ``meta.json``), or of
    the newest complete build in it."""
    if (dest_dir / META).exists():
        return ResourcePaths.of(dest_dir)
    try:
        builds = sorted(
            (p for p in dest_dir.iterdir() if p.name.startswith(VERSION_PREFIX)),
            reverse=True,
        )
    except OSError as exc:
        raise errors.ResourceNotReadyError() from exc
    for build in builds:
        if (build / META).exists():
            return ResourcePaths.of(build)
    raise errors.ResourceNotReadyError()
