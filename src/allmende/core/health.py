"""What ``/-/health`` checks.

Two kinds of check:

* **serving**: what this node needs to answer requests (the database and its
  replicas, the cache, file storage, the table store, the job broker). When
  one fails the node answers 503, so a load balancer stops sending it people.
* **background**: the age of the last heartbeat of each worker queue and of the
  periodic scheduler (Celery mode only). When one is late the status is
  ``degraded`` but the answer stays 200: a stopped worker is an alarm for the
  operator, not a reason to take every web node out of service.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections

from allmende.core import files, heartbeats

logger = logging.getLogger(__name__)

# The queues a Celery deployment must have a worker for.
WORKER_QUEUES = ("celery", "mail", "loads")


@dataclass
class Report:
    checks: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.failed:
            return "error"
        return "degraded" if self.late else "ok"

    @property
    def serving(self) -> bool:
        return not self.failed


def _check_database(alias: str) -> Callable[[], None]:
    def check() -> None:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return check


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("value written to the cache could not be read back")
    cache.delete(key)


def _check_storage() -> None:
    for storage in (default_storage, files.private_storage()):
        name = storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        try:
            with storage.open(name) as fh:
                if fh.read() != b"ok":
                    raise RuntimeError("file written to storage could not be read back")
        finally:
            storage.delete(name)


def _check_tables() -> None:
    """The store of dataset tables answers and this node's folder of them works
    (see ``catalog.tablestore.check``)."""
    from allmende.catalog import tablestore

    tablestore.check()


def _check_broker() -> None:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as broker:
        broker.ensure_connection(max_retries=1, timeout=3)


def serving_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": _check_database("default")}
    for alias in settings.ALLMENDE_DATABASE_REPLICAS:
        checks[f"database:{alias}"] = _check_database(alias)
    checks.update(cache=_check_cache, storage=_check_storage, tables=_check_tables)
    if settings.ALLMENDE_TASK_MODE == "celery":
        checks["broker"] = _check_broker
    return checks


def background_names() -> list[str]:
    if settings.ALLMENDE_TASK_MODE != "celery":
        return []  # jobs and the scheduler run inside the web process
    return [f"worker:{queue}" for queue in WORKER_QUEUES] + ["scheduler"]


def run() -> Report:
    report = Report()
    for name, check in serving_checks().items():
        try:
            check()
            report.checks[name] = "ok"
        except Exception as exc:
            logger.exception("Health check %s failed", name)
            report.checks[name] = f"error: {type(exc).__name__}"
            report.failed.append(name)
    limit = settings.ALLMENDE_HEALTH_HEARTBEAT_SECONDS
    for name in background_names():
        try:
            age = heartbeats.age(name)
        except Exception as exc:
            report.checks[name] = f"error: {type(exc).__name__}"
            report.late.append(name)
            continue
        if age is None:
            report.checks[name] = "late: never seen"
            report.late.append(name)
        elif age > limit:
            report.checks[name] = f"late: last seen {int(age)} s ago"
            report.late.append(name)
        else:
            report.checks[name] = "ok"
    return report
