"""Start a Celery worker for background jobs (needs REDIS_URL)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

QUEUES = ("celery", "mail", "loads")


class Command(BaseCommand):
    help = "Run a background-job worker (Celery) against the configured broker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument(
            "--queues",
            default=",".join(QUEUES),
            help="Queues to take jobs from, comma-separated: 'loads' (loading "
            "data files), 'mail' (outgoing messages) and 'celery' (every other "
            "job). Run one worker with '--queues loads --concurrency N' to cap "
            "the loads that run at a time, and another with '--queues "
            "mail,celery', so that mail never waits behind a long load.",
        )
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument(
            "--beat",
            action="store_true",
            help="Also run the periodic scheduler. Several workers may run it: "
            "one schedules, the others stand by and take over when it stops.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CELERY_BROKER_URL.startswith("memory://"):
            raise CommandError(
                "No broker configured. Set REDIS_URL (for example "
                "redis://127.0.0.1:6379/0) to run separate workers; without it "
                "jobs run inside the web process and no worker is needed."
            )
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()]
        unknown = sorted(set(queues) - set(QUEUES))
        if not queues or unknown:
            raise CommandError(
                f"Unknown queue {', '.join(unknown) or '(none given)'}: choose "
                f"from {', '.join(QUEUES)}."
            )
        from allmende.config.celery import app

        argv = [
            "worker",
            f"--concurrency={options['concurrency']}",
            f"--loglevel={options['loglevel']}",
            f"--queues={','.join(queues)}",
        ]
        if options["beat"]:
            argv.append("--beat")
        app.worker_main(argv)
