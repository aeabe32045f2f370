"""``allmende restore ARCHIVE``: an archive of ``allmende backup`` into an
empty installation (a new data folder and a new, empty database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from allmende.core import backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by 'allmende backup' into an empty "
        "installation, then check it against the archive's manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"No archive at {archive}.")
        try:
            summary = backup.restore(archive, log=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive}: {summary.text()}; counts and checksums match "
                "the manifest."
            )
        )
