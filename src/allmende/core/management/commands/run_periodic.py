"""Run every due periodic job once (for cron, or to catch up by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from allmende.core import scheduler


class Command(BaseCommand):
    help = "Run each periodic job that is due (or every job with --all) once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Run every job, due or not."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = scheduler.run_due(force=options["all"])
        for name in names:
            self.stdout.write(f"ran {name}")
        if not names:
            self.stdout.write("nothing due")
