"""How long the periodic scheduler is without an active instance after a crash.

Run from the repository root, with Redis on 127.0.0.1:6379::

    .venv/bin/python bench/scheduler_failover.py              # default lock
    .venv/bin/python bench/scheduler_failover.py --lock 10 --rounds 3

Starts two ``allmende worker --beat`` (each taking only the ``mail`` queue),
waits until one is active, kills it and its children with SIGKILL and measures
the seconds until the other says it is the active scheduler; then starts a new
stand-by and repeats. Prints the figures (seconds); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
ACTIVE = "is now the active scheduler"


def start(
    folder: Path, name: str, url: str, lock: float
) -> tuple[subprocess.Popen[bytes], Path]:
    log = folder / f"{name}.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "REDIS_URL": url,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
        "ALLMENDE_DATA_DIR": str(folder / name),
        "ALLMENDE_SECRET_KEY": "bench-key",
        "ALLMENDE_BEAT_LOCK_SECONDS": str(lock),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "allmende",
            "worker",
            "--beat",
            "--queues=mail",
            "--concurrency=1",
        ],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=folder,
    )
    return process, log


def wait_for(log: Path, text: str, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise SystemExit(f"{log.name}: no {text!r} within {timeout} s")
        time.sleep(0.05)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--lock", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    redis.Redis.from_url(args.redis).flushdb()
    gaps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="allmende-failover-") as tmp:
        folder = Path(tmp)
        active = start(folder, "s0", args.redis, args.lock)
        wait_for(active[1], ACTIVE)
        standby = start(folder, "s1", args.redis, args.lock)
        wait_for(standby[1], "standing by")
        try:
            for number in range(args.rounds):
                killed = time.monotonic()
                os.killpg(active[0].pid, signal.SIGKILL)
                active[0].wait()
                gaps.append(wait_for(standby[1], ACTIVE) - killed)
                print(f"round {number + 1}: take-over after {gaps[-1]:.1f} s")
                active = standby
                standby = start(folder, f"s{number + 2}", args.redis, args.lock)
                wait_for(standby[1], "standing by")
        finally:
            for process, _log in (active, standby):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
    print(
        f"lock {args.lock:g} s: take-over median {statistics.median(gaps):.1f} s, "
        f"max {max(gaps):.1f} s over {len(gaps)} rounds"
    )
    redis.Redis.from_url(args.redis).flushdb()


if __name__ == "__main__":
    main()
