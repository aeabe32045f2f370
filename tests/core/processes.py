"""Real Redis, real worker and scheduler processes, for the operations tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from allmende.config.celery import app as celery_app

REPOSITORY = Path(__file__).resolve().parents[2]


def redis_url() -> str:
    """A Redis database of these tests' own: the SQLite and the PostgreSQL run
    of the suite may go side by side, and each empties its database."""
    number = 13 if connection.vendor == "sqlite" else 12
    return os.environ.get(
        "ALLMENDE_TEST_OPS_REDIS_URL", f"redis://127.0.0.1:6379/{number}"
    )


def require_redis() -> str:
    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI ({url})")
        pytest.skip(f"Redis is not reachable at {url}")
    redis.Redis.from_url(url).flushdb()
    return url


def database_url() -> str:
    """The test database, for the worker process to share."""
    data = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{data['NAME']}"
    user = data.get("USER") or ""
    password = f":{data['PASSWORD']}" if data.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{data['PORT']}" if data.get("PORT") else ""
    return f"postgres://{credentials}{data.get('HOST') or ''}{port}/{data['NAME']}"


def reset_broker_pool() -> None:
    # Celery keeps its connection pool, and a producer pool bound to it, from
    # the first job on; both are dropped so the next job connects to the
    # broker configured then.
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


def wait_until(
    condition: Callable[[], Any], *, timeout: float = 120, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not reached in {timeout} s"
        time.sleep(0.1)


class Process:
    """A command in its own process group, its output in a file."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, *argv],
            env={**os.environ, "PYTHONPATH": _pythonpath(), **env},
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=log.parent,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """``kill -9`` of the process and every child it started (a lost node)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._out.close()

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)
        self._out.close()


def _pythonpath() -> str:
    parts = [str(REPOSITORY / "src"), str(REPOSITORY)]
    if os.environ.get("PYTHONPATH"):
        parts.append(os.environ["PYTHONPATH"])
    return os.pathsep.join(parts)
