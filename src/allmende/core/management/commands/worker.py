"""Start a Celery worker for background jobs (needs REDIS_URL)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run a background-job worker (Celery) against the configured broker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concurrency", type=int, default=2)
        parser.add_argument(
            "--queues",
            default="celery,loads",
            help="Queues to take jobs from: 'celery' (mail and other jobs) and "
            "'loads' (loading data files). Run a worker with '--queues loads "
            "--concurrency N' to cap the loads that run at a time.",
        )
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument(
            "--beat", action="store_true", help="Also run the periodic scheduler."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.CELERY_BROKER_URL.startswith("memory://"):
            raise CommandError(
                "No broker configured. Set REDIS_URL (for example "
                "redis://127.0.0.1:6379/0) to run separate workers; without it "
                "jobs run inside the web process and no worker is needed."
            )
        from allmende.config.celery import app

        argv = [
            "worker",
            f"--concurrency={options['concurrency']}",
            f"--loglevel={options['loglevel']}",
            f"--queues={options['queues']}",
        ]
        if options["beat"]:
            argv.append("--beat")
        app.worker_main(argv)
