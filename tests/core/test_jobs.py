from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from celery import shared_task
from django.core import mail
from django.core.mail import send_mail
from django.db import connection, transaction

from allmende.config.celery import app as celery_app
from allmende.core.tasks import run_job

_gate = threading.Event()
_seen_threads: list[str] = []


@shared_task(name="tests.wait_for_gate")
def wait_for_gate() -> None:
    _seen_threads.append(threading.current_thread().name)
    assert _gate.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_mail_is_queued_after_commit_and_never_for_a_rollback() -> None:
    with transaction.atomic():
        send_mail("Hallo", "Text", None, ["a@example.org"])
        assert mail.outbox == []  # not inside the transaction
    assert [m.subject for m in mail.outbox] == ["Hallo"]

    with pytest.raises(RuntimeError), transaction.atomic():
        send_mail("Verworfen", "Text", None, ["b@example.org"])
        raise RuntimeError("roll back")
    assert [m.subject for m in mail.outbox] == ["Hallo"]


def test_thread_mode_runs_the_job_without_blocking_the_caller(settings: Any) -> None:
    settings.ALLMENDE_TASK_MODE = "thread"
    _gate.clear()
    future = run_job(wait_for_gate)
    assert future is not None
    time.sleep(0.2)
    assert not future.done(), "the caller should not wait for the job"
    _gate.set()
    future.result(timeout=10)
    assert _seen_threads[-1].startswith("job")


def _redis_url() -> str:
    # The test empties its Redis database: the SQLite and the PostgreSQL run of
    # ``make test`` go side by side, so each has a database of its own.
    number = 15 if connection.vendor == "sqlite" else 14
    return os.environ.get("ALLMENDE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{number}")


def _reset_broker_pool() -> None:
    # Celery builds its connection pool from broker_url on first use and keeps
    # it; dropping it makes the next job connect to the broker now configured.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None


@pytest.fixture
def redis_broker() -> str:
    import redis

    url = _redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI ({url})")
        pytest.skip(f"Redis is not reachable at {url}")
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_mail_goes_through_redis_to_a_separate_worker_process(
    settings: Any, tmp_path: Path, redis_broker: str
) -> None:
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "REDIS_URL": redis_broker,
        "ALLMENDE_DATA_DIR": str(tmp_path),
        "ALLMENDE_EMAIL_FILE_PATH": str(mail_dir),
        "ALLMENDE_SECRET_KEY": "worker-test-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "allmende", "worker", "--concurrency=1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    old_broker = celery_app.conf.broker_url
    try:
        settings.ALLMENDE_TASK_MODE = "celery"
        celery_app.conf.broker_url = redis_broker
        _reset_broker_pool()
        with transaction.atomic():
            send_mail("Über Redis", "Zugestellt vom Worker", None, ["c@example.org"])
        assert mail.outbox == [], "the web process must not deliver the mail"
        deadline = time.monotonic() + 60
        delivered: list[Path] = []
        while time.monotonic() < deadline and not delivered:
            delivered = list(mail_dir.glob("*.log")) if mail_dir.exists() else []
            time.sleep(0.2)
        assert delivered, "the worker did not deliver the mail within 60 s"
        text = delivered[0].read_text()
        assert "Zugestellt vom Worker" in text
        assert "c@example.org" in text
    finally:
        celery_app.conf.broker_url = old_broker
        _reset_broker_pool()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_worker_command_explains_that_it_needs_a_broker(tmp_path: Path) -> None:
    env = {**os.environ, "ALLMENDE_DATA_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "allmende.config.settings"
    result = subprocess.run(
        [sys.executable, "-m", "allmende", "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_worker_command_refuses_a_queue_it_does_not_know(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ALLMENDE_DATA_DIR": str(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "allmende", "worker", "--queues", "loads,mails"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Unknown queue mails: choose from celery, mail, loads." in result.stderr


def test_mail_and_loads_have_queues_of_their_own(settings: Any) -> None:
    from allmende.catalog.tasks import ingest_version
    from allmende.core.tasks import send_email

    routes = settings.CELERY_TASK_ROUTES
    assert routes[send_email.name] == {"queue": "mail"}
    assert routes[ingest_version.name] == {"queue": "loads"}
    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    limit = ingest_version.time_limit
    assert celery_app.conf.broker_transport_options["visibility_timeout"] > limit
