"""Exactly one active periodic scheduler among several ``allmende worker --beat``.

:class:`SingleBeatScheduler` is Celery beat's in-memory scheduler (so no
schedule file is written into the current folder) that sends jobs only while
it holds a lock in Redis. The holder renews the lock every third of its
lifetime (``ALLMENDE_BEAT_LOCK_SECONDS``); a scheduler that dies stops renewing,
the lock expires and the next standing-by scheduler takes it on its next try.
Taking over runs every periodic job once at once, which the jobs allow: they
are idempotent (see :mod:`allmende.core.scheduler`).

Fencing is by expiry only: a holder that stalls for longer than the lock's
lifetime (a paused virtual machine) may overlap with its successor for one
tick. The jobs tolerate that; they never rely on running exactly once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

import redis
from celery.beat import Scheduler
from django.conf import settings

from allmende.core import heartbeats

logger = logging.getLogger(__name__)

LOCK_KEY = "allmende:beat:lock"

# Renew the lock if this process holds it, or take it if nobody does; 1 when
# the caller holds it afterwards. One script, so no other scheduler can come
# between the read and the write.
_HOLD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    redis.call('pexpire', KEYS[1], ARGV[2])
    return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLock:
    """A lock with a lifetime, held by one process at a time."""

    def __init__(self, url: str, *, key: str = LOCK_KEY, seconds: float) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.key = key
        self.seconds = seconds
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self) -> bool:
        """Take or renew the lock; ``False`` when another process holds it or
        Redis does not answer (then nobody may count on holding it)."""
        try:
            held = self.client.eval(
                _HOLD, 1, self.key, self.token, int(self.seconds * 1000)
            )
        except redis.RedisError:
            logger.warning("The scheduler lock could not be reached", exc_info=True)
            return False
        return bool(held)

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else None

    def release(self) -> None:
        try:
            self.client.eval(_RELEASE, 1, self.key, self.token)
        except redis.RedisError:
            logger.warning("The scheduler lock could not be released", exc_info=True)


def lock_url() -> str:
    url = settings.REDIS_URL or settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise RuntimeError(
            "The periodic scheduler needs Redis (REDIS_URL) to make sure only "
            "one of several schedulers sends jobs."
        )
    return str(url)


class SingleBeatScheduler(Scheduler):
    """Celery beat's scheduler, active only while it holds the Redis lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lock = RedisLock(lock_url(), seconds=settings.ALLMENDE_BEAT_LOCK_SECONDS)
        self.state = "starting"
        super().__init__(*args, **kwargs)

    @property
    def renew_every(self) -> float:
        return max(0.1, self.lock.seconds / 3)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.lock.hold():
            if self.state != "standby":
                logger.warning(
                    "Scheduler %s standing by: %s schedules",
                    self.lock.token,
                    self.lock.holder(),
                )
                self.state = "standby"
            return self.renew_every
        if self.state != "active":
            logger.warning("Scheduler %s is now the active scheduler", self.lock.token)
            self.state = "active"
            self._all_due()
        heartbeats.record("scheduler")
        return float(min(super().tick(*args, **kwargs), self.renew_every))

    def _all_due(self) -> None:
        """Make every job due now: the scheduler before this one may have died
        just before sending it."""
        for entry in self.schedule.values():
            run_every = getattr(entry.schedule, "run_every", None)
            if isinstance(run_every, timedelta):
                entry.last_run_at = entry.default_now() - run_every
        self._heap = None

    def close(self) -> None:
        self.lock.release()
        super().close()
