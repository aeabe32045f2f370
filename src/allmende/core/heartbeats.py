"""Heartbeats of the processes behind the web nodes: workers and the scheduler.

Each Celery worker records, every :data:`INTERVAL` seconds, that it consumes
its queues; the active scheduler records each time it holds its lock. They go
to the shared cache (Redis whenever Celery runs), where ``/-/health`` reads
their age on any node.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

PREFIX = "allmende:heartbeat:"
INTERVAL = 30.0
# Kept long after they stop, so that health can say "last seen 2 hours ago".
KEEP_SECONDS = 7 * 24 * 60 * 60


def record(name: str) -> None:
    """Note that ``name`` (``scheduler``, ``worker:<queue>``) is alive now."""
    try:
        cache.set(PREFIX + name, time.time(), timeout=KEEP_SECONDS)
    except Exception:
        # A heartbeat must never stop the work it reports on.
        logger.warning("Heartbeat %s could not be recorded", name, exc_info=True)


def age(name: str) -> float | None:
    """Seconds since the last heartbeat of ``name``; ``None`` if never seen."""
    value = cache.get(PREFIX + name)
    if not isinstance(value, int | float):
        return None
    return max(0.0, time.time() - float(value))


def start_worker_heartbeats(queues: list[str]) -> threading.Thread:
    """Record ``worker:<queue>`` for each queue, in a thread, until the
    process ends."""

    def loop() -> None:
        while True:
            for queue in queues:
                record(f"worker:{queue}")
            time.sleep(INTERVAL)

    thread = threading.Thread(target=loop, name="worker-heartbeat", daemon=True)
    thread.start()
    return thread
