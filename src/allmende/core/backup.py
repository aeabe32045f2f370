"""A whole installation in one archive, and back.

The archive (a ``.tar.gz``) holds:

``database.jsonl``
    Every row, as Django's ``dumpdata`` writes it in JSON Lines with natural
    foreign keys: portable between SQLite and PostgreSQL, read back one line
    at a time. Primary keys are kept (table builds are named after resource
    ids). Left out, because ``migrate`` creates them again and every
    reference to them is written by natural key: content types and
    permissions. Left out because they are transient and tied to the secret
    key: sessions.
``files/<storage>/<name>``
    Every uploaded file of the ``default`` (media) and ``private`` storages,
    read through Django's storage API, so a local folder and S3 work alike.
``tables/<key>/...``
    The current build of every loaded table (see
    :func:`allmende.catalog.storage.current_builds`).
``manifest.json``
    Format version, rows per model and the SHA-256 of every other member.

The database is read as one consistent snapshot without stopping the
platform: on SQLite, the ``sqlite3`` backup API copies the database (WAL mode
lets writers go on meanwhile) and the dump reads the copy; on PostgreSQL the
dump runs in one ``REPEATABLE READ`` read-only transaction. Files and table
builds are written once under new names and never changed in place, so a file
that a row names is present unless it was deleted during the backup.

The secret key is not in the archive: restore with the same
``ALLMENDE_SECRET_KEY`` (or the data folder's ``secret_key`` file), or links
already mailed out stop working.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import sqlite3
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.jsonl"
FILE_STORAGES = ("default", "private")
# Rebuilt by ``migrate`` (and referenced by natural key), or transient.
EXCLUDED_MODELS = ("contenttypes", "auth.permission", "sessions")
SNAPSHOT_ALIAS = "backup_snapshot"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    bytes: int = 0

    def text(self) -> str:
        tables = sum(1 for name in self.files if name.startswith("tables/"))
        stored = sum(1 for name in self.files if name.startswith("files/"))
        return (
            f"{sum(self.rows.values())} rows of {len(self.rows)} models, "
            f"{stored} files, {tables} table files, "
            f"{self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s"
        )


def dumped_models() -> list[type[models.Model]]:
    """The models whose rows go into the archive."""
    chosen = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        if meta.app_label in EXCLUDED_MODELS or meta.label_lower in EXCLUDED_MODELS:
            continue
        chosen.append(model)
    return chosen


def row_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    return {
        model._meta.label_lower: model._base_manager.using(using).count()
        for model in dumped_models()
    }


def walk(
    storage: Storage, folder: str = "", skip: frozenset[str] = frozenset()
) -> Iterator[str]:
    """Every file name in ``storage`` under ``folder`` (sorted), without the
    folders named in ``skip``."""
    try:
        folders, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        path = f"{folder}/{sub}" if folder else sub
        if path in skip:
            continue
        yield from walk(storage, path, skip)


def _nested_prefix(outer: Storage, inner: Storage) -> str:
    """The folder of ``outer`` that is ``inner`` (one bucket, two prefixes)."""
    bucket = getattr(outer, "bucket_name", None)
    if bucket is None or bucket != getattr(inner, "bucket_name", None):
        return ""
    if str(getattr(outer, "location", "") or ""):
        return ""
    return str(getattr(inner, "location", "") or "").strip("/")


def stored_files() -> Iterator[tuple[str, str]]:
    """``(storage alias, name)`` of every uploaded file.

    Where the public files lie at the top of the bucket that also holds the
    private files and the table store (one bucket, several prefixes), those
    prefixes are not read as public files: they are backed up as what they are.
    """
    private = _nested_prefix(storages["default"], storages["private"])
    skip = frozenset({private} if private else set())
    if private or (
        getattr(storages["default"], "bucket_name", None)
        == getattr(storages["private"], "bucket_name", "")
        and not str(getattr(storages["default"], "location", "") or "")
    ):
        skip |= {str(settings.ALLMENDE_S3_TABLES_PREFIX).strip("/")}
    for alias in FILE_STORAGES:
        yield from ((alias, name) for name in walk(storages[alias], skip=skip))


def build_files(build: Path) -> list[Path]:
    """The files of a table build (not the engine's hidden lock files)."""
    return sorted(
        path
        for path in build.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )


class _Hashing(io.RawIOBase):
    """A reader that computes the SHA-256 of what passes through it."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _add(archive: tarfile.TarFile, name: str, source: IO[bytes], size: int) -> str:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(time.time())
    info.mode = 0o640
    reader = _Hashing(source)
    archive.addfile(info, reader)
    return reader.digest.hexdigest()


@contextlib.contextmanager
def database_snapshot() -> Iterator[str]:
    """A database alias that reads one consistent state of the database."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        with tempfile.TemporaryDirectory(prefix="allmende-backup-") as folder:
            copy_path = Path(folder) / "snapshot.sqlite3"
            source = sqlite3.connect(connection.settings_dict["NAME"], timeout=60)
            target = sqlite3.connect(copy_path)
            try:
                # One step (pages=-1): a read transaction on the source, so the
                # copy is one committed state; WAL lets writers go on.
                source.backup(target)
            finally:
                target.close()
                source.close()
            snapshot = copy.deepcopy(connection.settings_dict)
            snapshot["NAME"] = str(copy_path)
            snapshot["OPTIONS"].pop("init_command", None)
            connections.settings[SNAPSHOT_ALIAS] = snapshot
            try:
                yield SNAPSHOT_ALIAS
            finally:
                connections[SNAPSHOT_ALIAS].close()
                del connections[SNAPSHOT_ALIAS]
                del connections.settings[SNAPSHOT_ALIAS]
        return
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        yield DEFAULT_DB_ALIAS


def _write(
    target: Path, mode: str, summary: Summary, log: Callable[[str], None]
) -> None:
    from allmende.catalog import storage as catalog_storage

    with tarfile.open(target, mode) as archive:  # type: ignore[call-overload]
        with tempfile.TemporaryDirectory(prefix="allmende-backup-") as folder:
            dump = Path(folder) / DATABASE
            with database_snapshot() as alias:
                log("Reading the database")
                summary.rows = row_counts(alias)
                call_command(
                    "dumpdata",
                    *[m._meta.label for m in dumped_models()],
                    format="jsonl",
                    database=alias,
                    natural_foreign=True,
                    use_base_manager=True,
                    output=str(dump),
                    verbosity=0,
                )
            with dump.open("rb") as source:
                summary.files[DATABASE] = _add(
                    archive, DATABASE, source, dump.stat().st_size
                )
        log("Reading uploaded files")
        for alias, name in stored_files():
            store = storages[alias]
            member = f"files/{alias}/{name}"
            with store.open(name, "rb") as source:
                summary.files[member] = _add(archive, member, source, store.size(name))
        log("Reading table builds")
        for key, build in catalog_storage.current_builds():
            for path in build_files(build):
                member = f"tables/{key}/{path.relative_to(build).as_posix()}"
                with path.open("rb") as source:
                    summary.files[member] = _add(
                        archive, member, source, path.stat().st_size
                    )
        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
            "rows": summary.rows,
            "files": summary.files,
        }
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        _add(archive, MANIFEST, io.BytesIO(body), len(body))


def backup(output: Path, *, log: Callable[[str], None] = lambda _: None) -> Summary:
    """Write the archive of this installation to ``output``."""
    started = time.monotonic()
    summary = Summary()
    partial = output.with_name(f".{output.name}.partial")
    mode = "w:gz" if output.name.endswith(("gz", ".tgz")) else "w"
    try:
        _write(partial, mode, summary, log)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)
    summary.bytes = output.stat().st_size
    summary.seconds = time.monotonic() - started
    return summary


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError:
        raise BackupError("The archive has no manifest.json.") from None
    if member is None:
        raise BackupError("The archive's manifest.json is not a file.")
    manifest: dict[str, Any] = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"The archive has format {manifest.get('format')!r}; "
            f"this version reads format {FORMAT}."
        )
    return manifest


def existing_data() -> list[str]:
    """What makes this installation not empty (nothing for an empty one)."""
    from allmende.accounts.models import User
    from allmende.catalog import tablestore
    from allmende.catalog.models import Dataset
    from allmende.organizations.models import Organization

    found = []
    for model, what in (
        (User, "accounts"),
        (Organization, "organizations"),
        (Dataset, "datasets"),
    ):
        count = model._base_manager.count()
        if count:
            found.append(f"the database holds {count} {what}")
    for alias, name in stored_files():
        found.append(f"the {alias} storage holds files such as {name}")
        break
    stored = [
        name
        for name in tablestore.stored_names()
        if name != tablestore.HEALTH_OBJECT and not name.startswith(".")
    ]
    if stored:
        found.append(f"the table store holds tables such as {stored[0]}")
    return found


def _checked(source: IO[bytes], expected: str, name: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    for chunk in iter(lambda: source.read(CHUNK), b""):
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != expected:
        raise BackupError(f"{name} does not match its checksum in the manifest.")


def restore(
    archive_path: Path, *, log: Callable[[str], None] = lambda _: None
) -> Summary:
    """Bring the installation in the archive back into this empty one."""
    from allmende.catalog import storage as catalog_storage
    from allmende.core import search

    started = time.monotonic()
    with tarfile.open(archive_path, "r:*") as archive:
        manifest = read_manifest(archive)
        expected: dict[str, str] = manifest["files"]
        # A new data folder may not exist yet (it holds the SQLite database).
        Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
        log("Creating the database tables")
        call_command("migrate", interactive=False, verbosity=0)
        found = existing_data()
        if found:
            raise BackupError(
                "Restore needs an empty installation, but "
                + "; ".join(found)
                + ". Use a new data folder and a new database."
            )
        # Rows that migrations create (seeded categories, groups) would stay
        # beside the archive's: the archive's rows replace them all. Content
        # types, permissions and the site come back by the post-migrate signal.
        call_command("flush", interactive=False, verbosity=0)
        with tempfile.TemporaryDirectory(prefix="allmende-restore-") as folder:
            work = Path(folder)
            builds: set[str] = set()
            for member in archive:
                if not member.isfile() or member.name == MANIFEST:
                    continue
                name = member.name
                if name not in expected:
                    raise BackupError(f"{name} is not in the manifest.")
                source = archive.extractfile(member)
                assert source is not None  # noqa: S101 - checked isfile() above
                chunks = _checked(source, expected[name], name)
                if name == DATABASE or name.startswith("tables/"):
                    target = work / name
                    if not target.resolve().is_relative_to(work.resolve()):
                        raise BackupError(f"{name} leaves the restore folder.")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("wb") as out:
                        for chunk in chunks:
                            out.write(chunk)
                    if name.startswith("tables/"):
                        builds.add("/".join(name.split("/")[1:3]))
                    continue
                _, alias, stored = name.split("/", 2)
                if alias not in FILE_STORAGES:
                    raise BackupError(f"{name} names an unknown storage.")
                upload = work / "upload"
                with upload.open("wb") as out:
                    for chunk in chunks:
                        out.write(chunk)
                with upload.open("rb") as content:
                    saved = storages[alias].save(stored, File(content))
                upload.unlink()
                if saved != stored:
                    raise BackupError(f"{name} was stored as {saved}.")
            log("Loading the database")
            with transaction.atomic():
                call_command("loaddata", str(work / DATABASE), verbosity=0)
                search.rebuild_index()
            log("Restoring table builds")
            for key in sorted(builds):
                catalog_storage.restore_build(key, work / "tables" / key)
    summary = Summary(rows=row_counts(), files=dict(expected))
    _verify(manifest, summary)
    summary.bytes = archive_path.stat().st_size
    summary.seconds = time.monotonic() - started
    return summary


def _verify(manifest: dict[str, Any], summary: Summary) -> None:
    """Compare what is now installed with the manifest."""
    from allmende.catalog import storage as catalog_storage

    wrong = [
        f"{label}: {summary.rows.get(label, 0)} rows, archive {count}"
        for label, count in manifest["rows"].items()
        if summary.rows.get(label, 0) != count
    ]
    for alias, name in stored_files():
        with storages[alias].open(name, "rb") as source:
            digest = hashlib.file_digest(source, "sha256").hexdigest()
        if manifest["files"].get(f"files/{alias}/{name}") != digest:
            wrong.append(f"files/{alias}/{name}: checksum differs")
    for key, build in catalog_storage.current_builds():
        for path in build_files(build):
            member = f"tables/{key}/{path.relative_to(build).as_posix()}"
            with path.open("rb") as source:
                digest = hashlib.file_digest(source, "sha256").hexdigest()
            if manifest["files"].get(member) != digest:
                wrong.append(f"{member}: checksum differs")
    restored = {
        name for name in manifest["files"] if name.startswith(("files/", "tables/"))
    }
    present = {f"files/{a}/{n}" for a, n in stored_files()} | {
        f"tables/{key}/{p.relative_to(build).as_posix()}"
        for key, build in catalog_storage.current_builds()
        for p in build_files(build)
    }
    wrong += [f"{name}: missing" for name in sorted(restored - present)]
    if wrong:
        raise BackupError("Restored, but not as archived: " + "; ".join(wrong))
