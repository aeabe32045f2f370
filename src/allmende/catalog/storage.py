"""Where the catalog keeps its files; the only module that knows the layout.

Uploaded originals go through the private storage (a local folder outside the
media root, or a private prefix in S3), so they are backed up with the other
uploads but reached only through the permission-checked download view.
Queryable tables are DuckDB and Parquet files that must live on a local disk:
one folder per resource version under ``DATA_DIR/tables``. The engine builds
each load in a temporary folder and switches to it only when it is complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from allmende.catalog.engine import errors as engine_errors
from allmende.catalog.engine import storage as engine_storage
from allmende.core import files

if TYPE_CHECKING:
    from allmende.catalog.models import ResourceVersion


def tables_root() -> Path:
    return Path(settings.DATA_DIR) / "tables"


def table_dir(version: ResourceVersion) -> Path:
    """The engine's folder for one version of a resource."""
    return version_table_dir(version.resource_id, version.number)


def version_table_dir(resource_id: int, number: int) -> Path:
    """The engine's folder for version ``number`` of resource ``resource_id``."""
    return tables_root() / f"resource-{resource_id}" / f"v{number}"


def original_upload_to(version: ResourceVersion, filename: str) -> str:
    """Storage name of an original: chosen by the platform, with the extension
    of the type found in the content (``version.format``). The uploader's
    file name is kept on the version for downloads."""
    folder = f"catalog/originals/resource-{version.resource_id}/v{version.number}"
    return files.stored_name(folder, version.format or "bin")


@contextlib.contextmanager
def local_original(version: ResourceVersion) -> Iterator[Path]:
    """The original as a local file (copied from the storage when it is remote)."""
    name = str(version.original.name)
    try:
        local: Path | None = Path(files.private_storage().path(name))
    except NotImplementedError:
        local = None
    if local is not None:
        yield local
        return
    suffix = Path(name).suffix
    with tempfile.TemporaryDirectory(prefix="allmende-ingest-") as folder:
        target = Path(folder) / f"original{suffix}"
        private = files.private_storage()
        with private.open(name, "rb") as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield target


def sha256_of(version: ResourceVersion) -> str:
    digest = hashlib.sha256()
    with files.private_storage().open(str(version.original.name), "rb") as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def delete_tables(resource_id: int) -> None:
    shutil.rmtree(tables_root() / f"resource-{resource_id}", ignore_errors=True)


def current_builds() -> Iterator[tuple[str, Path]]:
    """``(key, folder)`` of the build each loaded version serves.

    The key (``resource-<id>/v<number>``) names the version; backups store
    each build under it and :func:`restore_build` puts it back.
    """
    root = tables_root()
    if not root.is_dir():
        return
    for resource in sorted(root.glob("resource-*")):
        for version in sorted(resource.glob("v*")):
            try:
                build = engine_storage.current_paths(version).version_dir
            except engine_errors.ResourceNotReadyError:
                continue
            if build.is_dir():
                yield f"{resource.name}/{version.name}", build


def restore_build(key: str, source: Path) -> None:
    """Publish the build in ``source`` as the current one of version ``key``."""
    resource, _, version = key.partition("/")
    if not (resource.startswith("resource-") and version.startswith("v")):
        raise ValueError(f"Not a table build key: {key}")
    dest = tables_root() / resource / version
    work = engine_storage.new_work_dir(dest)
    for path in source.iterdir():
        shutil.move(path, work / path.name)
    engine_storage.publish(work, dest)
