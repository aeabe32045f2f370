"""``make run`` prints what a person needs, not warnings and a line a minute."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_runserver_starts_quietly_and_says_where_mail_goes(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs the embedded default (SQLite)")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "ALLMENDE_DATA_DIR": str(tmp_path),
        "ALLMENDE_DEBUG": "1",
        "ALLMENDE_TASK_MODE": "thread",
        "ALLMENDE_LOG_LEVEL": "DEBUG",
        "PYTHONWARNINGS": "default",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "allmende", "runserver", "--noreload"]
        + [f"127.0.0.1:{_free_port()}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    started = threading.Event()
    jobs_done = threading.Event()

    def read(stream: Any) -> None:
        for line in stream:
            lines.append(line)
            if "Stop the server with Ctrl+C." in line:
                started.set()
            if "Periodic job harvest.start_due done" in line:
                jobs_done.set()

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        for event in (started, jobs_done):
            assert event.wait(max(0.0, deadline - time.monotonic())), "".join(lines)
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = "".join(lines)
    assert f"kept in {tmp_path / 'mail'}/" in output
    assert "RuntimeWarning" not in output
    assert "during app initialization" not in output
    assert "succeeded in" not in output
