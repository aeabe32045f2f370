"""The heartbeat of a running load.

While a load runs, a thread of the process that runs it writes the time to
the version's ``heartbeat_at`` every ``ALLMENDE_LOAD_HEARTBEAT_SECONDS``,
whatever the engine is busy with. It dies with the process, so a load whose
worker was killed (SIGKILL of the pool process, ``kill -9`` of the worker, a
lost node) stops beating, and :func:`allmende.catalog.services.loads_recover`
queues it again or fails it. The heartbeat also notices when the load was
taken away (queued again by the sweep, or the version deleted): the load then
stops at its next progress report instead of working beside its successor.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from allmende.catalog.models import ResourceVersion

logger = logging.getLogger(__name__)


class LoadEnded(Exception):
    """The load is no longer this process's to finish."""


class Heartbeat:
    def __init__(self, version_id: int, attempt: int) -> None:
        self.version_id = version_id
        self.attempt = attempt
        self.ended = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"load-heartbeat-{version_id}", daemon=True
        )

    def beat(self) -> None:
        """Write the heartbeat; note it if the load is not ours any more."""
        alive = ResourceVersion.objects.filter(
            pk=self.version_id,
            status=ResourceVersion.Status.RUNNING,
            load_attempts=self.attempt,
        ).update(heartbeat_at=timezone.now())
        if not alive:
            self.ended = True

    def check(self) -> None:
        if self.ended:
            raise LoadEnded

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.ALLMENDE_LOAD_HEARTBEAT_SECONDS):
                try:
                    self.beat()
                except DatabaseError:
                    # A database that does not answer for a moment must not end
                    # the heartbeat; a long silence makes the load stale.
                    logger.warning("Heartbeat of a load failed", exc_info=True)
                    continue
                if self.ended:
                    return
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
