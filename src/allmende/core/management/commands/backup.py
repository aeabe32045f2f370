"""``allmende backup``: the whole installation in one archive.

See :mod:`allmende.core.backup` for what the archive holds and how the
database is read as one consistent state while the platform keeps running
(SQLite: the ``sqlite3`` backup API into a temporary copy; PostgreSQL: one
``REPEATABLE READ`` transaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from allmende.core import backup


class Command(BaseCommand):
    help = (
        "Write one archive with the database (portable JSON), uploaded files, "
        "table builds and a manifest of counts and checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="Archive to write (.tar.gz compresses, .tar does not); "
            "default: allmende-backup-<time>.tar.gz in the current folder.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        output: Path = options["output"] or Path(f"allmende-backup-{stamp}.tar.gz")
        summary = backup.backup(output, log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}: {summary.text()}"))
