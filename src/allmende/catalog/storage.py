"""Where the catalog keeps the uploaded originals.

Uploaded originals go through the private storage (a local folder outside the
media root, or a private prefix in S3), so they are backed up with the other
uploads but reached only through the permission-checked download view.
Queryable tables (the engine's builds) are kept by ``tablestore``.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from allmende.core import files

if TYPE_CHECKING:
    from allmende.catalog.models import ResourceVersion


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


def current_builds() -> Iterator[tuple[str, Path]]:
    """``(key, folder)`` of the build each loaded version serves, as a folder
    on this node (fetched from the table store when it lies in S3).

    The key (``resource-<id>/v<number>``) names the version; backups store
    each build under it and :func:`restore_build` puts it back.
    """
    from allmende.catalog import tablestore
    from allmende.catalog.engine import errors as engine_errors
    from allmende.catalog.models import ResourceVersion

    versions = (
        ResourceVersion.objects.filter(status=ResourceVersion.Status.READY)
        .exclude(table_build__in=["", "missing"])
        .order_by("resource_id", "number")
        .values_list("resource_id", "number", "table_build")
    )
    for resource_id, number, build in versions:
        try:
            folder = tablestore.local_build(
                tablestore.BuildKey(resource_id, number, build)
            )
        except engine_errors.ResourceNotReadyError:
            continue
        if folder.is_dir():
            yield f"resource-{resource_id}/v{number}", folder


def restore_build(key: str, source: Path) -> None:
    """Put the build in ``source`` back as the one version ``key`` serves (the
    restored database names it), into the table store."""
    from allmende.catalog import tablestore
    from allmende.catalog.models import ResourceVersion

    resource, _, version = key.partition("/")
    try:
        resource_id = int(resource.removeprefix("resource-"))
        number = int(version.removeprefix("v"))
    except ValueError:
        raise ValueError(f"Not a table build key: {key}") from None
    build = (
        ResourceVersion.objects.filter(resource_id=resource_id, number=number)
        .values_list("table_build", flat=True)
        .first()
    )
    if not build:
        raise ValueError(f"No loaded version for the table build {key}")
    target = tablestore.BuildKey(resource_id, number, build)
    dest = tablestore.local_root() / target.relative
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, dest)
    tablestore.publish(target, dest)
