"""Of several ``allmende worker --beat``, exactly one schedules; another takes
over when it dies. Real Redis, real worker processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from allmende.core import heartbeats, scheduler
from allmende.core.beat import LOCK_KEY, RedisLock
from tests.core.processes import Process, require_redis, wait_until

SENT = re.compile(r"Sending due task ")
ACTIVE = re.compile(r"Scheduler (\S+) is now the active scheduler")


def _beat(url: str, tmp_path: Path, name: str) -> Process:
    return Process(
        ["-m", "allmende", "worker", "--beat", "--queues=mail", "--concurrency=1"],
        env={
            "REDIS_URL": url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'beat.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
            "ALLMENDE_DATA_DIR": str(tmp_path / name),
            "ALLMENDE_SECRET_KEY": "beat-test-key",
            # A short lock, so that the test sees the fail-over quickly.
            "ALLMENDE_BEAT_LOCK_SECONDS": "3",
        },
        log=tmp_path / f"{name}.log",
    )


def _sent(process: Process) -> int:
    return len(SENT.findall(process.output()))


@pytest.mark.redis
def test_one_of_two_schedulers_sends_jobs_and_the_other_takes_over(
    tmp_path: Path,
) -> None:
    url = require_redis()
    client = redis.Redis.from_url(url)
    first = _beat(url, tmp_path, "first")
    second = _beat(url, tmp_path, "second")
    processes = {"first": first, "second": second}
    try:
        # One becomes active and sends every periodic job at once; the other
        # says it stands by.
        active_name = wait_until(
            lambda: next((n for n, p in processes.items() if _sent(p)), None),
            what="one scheduler sending jobs",
        )
        standby_name = "second" if active_name == "first" else "first"
        active, standby = processes[active_name], processes[standby_name]
        wait_until(lambda: "standing by" in standby.output(), what="stand-by")
        token = ACTIVE.search(active.output())
        assert token is not None
        holder = client.get(LOCK_KEY)
        assert holder is not None and holder.decode() == token.group(1)
        # The active one sends every periodic job; the stand-by none.
        wait_until(
            lambda: _sent(active) >= len(scheduler.jobs()), what="every job sent"
        )
        assert _sent(standby) == 0
        # Heartbeats for /-/health, in the shared cache: the queue each worker
        # takes, and the active scheduler.
        for name in ("worker:mail", "scheduler"):
            wait_until(
                lambda name=name: client.keys(f"*{heartbeats.PREFIX}{name}"),
                what=f"heartbeat {name}",
            )

        active.kill()  # the node with the active scheduler is lost
        wait_until(lambda: _sent(standby) > 0, timeout=60, what="take-over")
        assert "is now the active scheduler" in standby.output()
        # Celery beat's schedule is in memory: no state file where they ran.
        assert not list(tmp_path.glob("celerybeat-schedule*"))
    finally:
        first.kill()
        second.kill()
        client.flushdb()


def test_lock_is_held_by_one_holder_at_a_time_and_renewed_only_by_it() -> None:
    url = require_redis()
    first = RedisLock(url, key="allmende:test:lock", seconds=5)
    second = RedisLock(url, key="allmende:test:lock", seconds=5)
    assert first.hold()
    assert not second.hold()
    assert first.hold()  # renewing
    assert first.holder() == first.token
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()
    redis.Redis.from_url(url).flushdb()


def test_heartbeat_age_is_none_before_the_first_and_small_after() -> None:
    assert heartbeats.age("worker:tests") is None
    heartbeats.record("worker:tests")
    age = heartbeats.age("worker:tests")
    assert age is not None and age < 5


def test_embedded_scheduler_runs_in_one_process_of_an_installation(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    other = (
        "import fcntl, sys\n"
        f"handle = open({str(tmp_path / 'scheduler.lock')!r}, 'ab')\n"
        "try:\n"
        "    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "except OSError:\n"
        "    sys.exit(3)\n"
    )
    # A lock this test process took earlier (another test's data folder, a
    # server started in it) is set aside: this test takes the one of its own.
    earlier, scheduler._lock_file = scheduler._lock_file, None
    try:
        assert scheduler.hold_file_lock()
        try:
            assert subprocess.run([sys.executable, "-c", other]).returncode == 3
        finally:
            assert scheduler._lock_file is not None
            scheduler._lock_file.close()
            scheduler._lock_file = None
        assert subprocess.run([sys.executable, "-c", other]).returncode == 0
    finally:
        scheduler._lock_file = earlier
