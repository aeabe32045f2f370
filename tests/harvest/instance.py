"""A second Allmende instance in its own process, for round-trip tests.

It runs under gunicorn with its own SQLite database, data folder and address;
``remote_instance.py`` fills it through the catalog's services. Its DCAT-AP.de
catalog is paged with two datasets per page. The CKAN round trip uses the
same instance once it serves the CKAN Action API.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    """``template``: a migrated database to start from (see
    :func:`migrated_database`), which saves running every migration again."""

    def __init__(self, tmp_path: Path, template: Path | None = None) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data = tmp_path / "remote"
        data.mkdir()
        (data / "static").mkdir()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ALLMENDE_", "DATABASE_", "REDIS_", "CELERY_"))
        }
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
                "DATABASE_URL": f"sqlite:///{data / 'remote.sqlite3'}",
                "ALLMENDE_DATA_DIR": str(data),
                "ALLMENDE_SECRET_KEY": "remote-instance-test-key",
                "ALLMENDE_SITE_URL": self.url,
                "ALLMENDE_ALLOWED_HOSTS": "127.0.0.1",
                "ALLMENDE_DCAT_PAGE_SIZE": "2",
                "ALLMENDE_TASK_MODE": "sync",
                "ALLMENDE_SCHEDULER_THREAD": "0",
                "ALLMENDE_DEBUG": "0",
            }
        )
        self.server: subprocess.Popen[bytes] | None = None
        if template is not None:
            shutil.copyfile(template, data / "remote.sqlite3")

    def script(self, step: str) -> None:
        subprocess.run(
            [sys.executable, str(HERE / "remote_instance.py"), step],
            env=self.env,
            check=True,
            timeout=300,
        )

    def start(self) -> None:
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.server = subprocess.Popen(
            [
                str(gunicorn),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
                "allmende.config.wsgi",
            ],
            env=self.env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/-/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.server.poll() is not None:
                break
            time.sleep(0.3)
        raise RuntimeError("The second instance did not start.")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()


def migrated_database(tmp_path: Path) -> Path:
    """An empty database of the second instance with every migration applied."""
    instance = Instance(tmp_path)
    instance.script("migrate")
    return tmp_path / "remote" / "remote.sqlite3"
