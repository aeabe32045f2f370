"""Periodic jobs: a registry, and three ways to run what is due.

An app registers its periodic jobs in its ``tasks.py``::

    scheduler.register("events.expire_offers", timedelta(minutes=1), expire_offers)

The registry then drives whichever runner the deployment uses:

* Celery: :func:`beat_schedule` becomes Celery beat's schedule
  (``allmende worker --beat``; of several, one schedules, see
  :mod:`allmende.core.beat`);
* the embedded default: a daemon thread in the web process
  (:func:`start_thread`) runs due jobs every minute, in one process of the
  installation at a time (a lock file in the data folder);
* cron or tests: ``allmende run_periodic`` runs every due job once.

The scheduler gives no guarantee of running a job exactly once. Jobs must be
idempotent, with the database deciding what has been done already (for
example a unique constraint on a sent-reminder record).
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

CACHE_PREFIX = "allmende:periodic:"
TICK_SECONDS = 60


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: timedelta
    task: Any  # a Celery task; called with no arguments

    def run(self) -> None:
        self.task.apply(throw=True)


_registry: dict[str, PeriodicJob] = {}
_discovered = False
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def register(name: str, interval: timedelta, task: Any) -> None:
    _registry[name] = PeriodicJob(name=name, interval=interval, task=task)


def autodiscover() -> None:
    """Import ``<app>.tasks`` of every Allmende app, which registers its jobs."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        if not config.name.startswith("allmende."):
            continue
        try:
            import_module(f"{config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tasks":
                raise
    _discovered = True


def jobs() -> list[PeriodicJob]:
    autodiscover()
    return sorted(_registry.values(), key=lambda job: job.name)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """The registry in the form of Celery's ``beat_schedule`` setting."""
    return {
        job.name: {"task": job.task.name, "schedule": job.interval.total_seconds()}
        for job in jobs()
    }


def _last_run(job: PeriodicJob) -> datetime | None:
    value = cache.get(CACHE_PREFIX + job.name)
    return value if isinstance(value, datetime) else None


def due_jobs(now: datetime | None = None) -> list[PeriodicJob]:
    now = now or timezone.now()
    due = []
    for job in jobs():
        last = _last_run(job)
        if last is None or now - last >= job.interval:
            due.append(job)
    return due


def run_due(now: datetime | None = None, *, force: bool = False) -> list[str]:
    """Run each due job (every job with ``force``) once; return their names.

    The time of the last run is kept in the cache, so with a shared cache (Redis)
    several processes do not repeat each other's work needlessly; with the local
    cache a fresh process runs every job, which idempotent jobs allow.
    """
    now = now or timezone.now()
    done = []
    for job in jobs() if force else due_jobs(now):
        try:
            job.run()
        except Exception:
            logger.exception("Periodic job %s failed", job.name)
            continue
        cache.set(CACHE_PREFIX + job.name, now, timeout=None)
        logger.debug("Periodic job %s done", job.name)
        done.append(job.name)
    return done


_lock_file: IO[bytes] | None = None


def hold_file_lock() -> bool:
    """Take (once) the scheduler's lock file in the data folder.

    Several web processes of one installation (gunicorn workers) each start the
    thread; only the one holding the lock runs the jobs. The operating system
    releases the lock when that process ends, and the next tick of another
    process takes it.
    """
    global _lock_file
    if _lock_file is not None:
        return True
    folder = Path(settings.DATA_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / "scheduler.lock").open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _lock_file = handle
    return True


def _loop(stop: threading.Event, sleep: Callable[[float], Any]) -> None:
    # The thread starts while Django is still loading the apps; the jobs query
    # the database, which waits until every app is ready.
    apps.ready_event.wait()
    while not stop.is_set():
        close_old_connections()
        try:
            if hold_file_lock():
                run_due()
        except Exception:
            logger.exception("Periodic jobs failed")
        finally:
            close_old_connections()
        sleep(TICK_SECONDS)


def start_thread() -> bool:
    """Start the in-process scheduler once per process, if this deployment uses it.

    Only the embedded deployment (jobs in threads) runs it; with Celery the beat
    process does the same work, and tests drive :func:`run_due` themselves.
    """
    global _thread
    if (
        settings.ALLMENDE_TASK_MODE != "thread"
        or not settings.ALLMENDE_SCHEDULER_THREAD
    ):
        return False
    with _thread_lock:
        if _thread is not None:
            return False
        stop = threading.Event()
        _thread = threading.Thread(
            target=_loop,
            args=(stop, lambda seconds: stop.wait(seconds)),
            name="periodic-jobs",
            daemon=True,
        )
        _thread.start()
    return True
