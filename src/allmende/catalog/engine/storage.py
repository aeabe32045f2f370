"""On-disk layout of an ingested resource and atomic publication.

A resource directory holds one sub-directory per loaded version and a
``current`` symbolic link naming the version that is served::

    <dest_dir>/current -> v-20240101T120000-ab12cd34
    <dest_dir>/v-.../data.duckdb   table ``rows`` (+ view ``data``), facets
    <dest_dir>/v-.../data.parquet  typed download
    <dest_dir>/v-.../meta.json     columns, types, validation report

A new version is built in a hidden temporary directory and only linked as
``current`` when complete, by an atomic rename of the link.  A failed load
removes its temporary directory and leaves ``current`` untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import errors

CURRENT = "current"
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
    """Move a finished build into place and point ``current`` at it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    version = dest_dir / f"{VERSION_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}"
    work_dir.rename(version)
    link_tmp = dest_dir / f"{TMP_PREFIX}link-{uuid.uuid4().hex}"
    os.symlink(version.name, link_tmp)
    os.replace(link_tmp, dest_dir / CURRENT)
    _prune(dest_dir, keep=version)
    return version


def _prune(dest_dir: Path, keep: Path) -> None:
    """Remove old versions, keeping the newest few (open readers may use them)."""
    versions = sorted(
        (p for p in dest_dir.iterdir() if p.name.startswith(VERSION_PREFIX)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[KEEP_VERSIONS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def discard(work_dir: Path) -> None:
    shutil.rmtree(work_dir, ignore_errors=True)


def current_paths(dest_dir: Path) -> ResourcePaths:
    """Paths of the version currently served from ``dest_dir``."""
    link = dest_dir / CURRENT
    try:
        target = os.readlink(link)
    except OSError as exc:
        raise errors.ResourceNotReadyError() from exc
    return ResourcePaths.of(dest_dir / target)
