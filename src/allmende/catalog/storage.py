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
