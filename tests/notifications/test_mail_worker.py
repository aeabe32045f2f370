"""The mail jobs through a real Redis broker and a separate Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from allmende.config.celery import app as celery_app
from allmende.core.tasks import run_job
from allmende.notifications.models import Notification, NotificationMail
from allmende.notifications.tasks import send_digests, send_immediate_mails
from tests.accounts.factories import UserFactory


def _redis_url() -> str:
    return os.environ.get("ALLMENDE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reset_broker_pool() -> None:
    # Celery keeps its connection pool, and a producer pool bound to it, from
    # the first job on; both are dropped so the next job (of this test, or a
    # later one) connects to the broker configured then.
    from kombu import pools

    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


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


def _database_url() -> str:
    """The test database, for the worker process to share."""
    data = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{data['NAME']}"
    user = data.get("USER") or ""
    password = f":{data['PASSWORD']}" if data.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{data['PORT']}" if data.get("PORT") else ""
    return f"postgres://{credentials}{data.get('HOST') or ''}{port}/{data['NAME']}"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_mail_jobs_run_twice_in_a_worker_send_each_mail_once(
    settings: Any, tmp_path: Path, redis_broker: str
) -> None:
    import redis

    now = timezone.now()
    person = UserFactory(email="leser@example.org")
    for channel, age in (("immediate", 10), ("immediate", 9), ("daily", 3000)):
        Notification.objects.create(
            recipient=person,
            type="tests.worker",
            channel=channel,
            object_label="Etwas Neues",
            created_at=now - timedelta(minutes=age),
        )
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "REDIS_URL": redis_broker,
        "ALLMENDE_DATA_DIR": str(tmp_path),
        "ALLMENDE_EMAIL_FILE_PATH": str(mail_dir),
        "ALLMENDE_SECRET_KEY": "worker-test-key",
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "allmende", "worker", "--concurrency=2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    old_broker = celery_app.conf.broker_url
    broker = redis.Redis.from_url(redis_broker)
    try:
        settings.ALLMENDE_TASK_MODE = "celery"
        celery_app.conf.broker_url = redis_broker
        _reset_broker_pool()
        for _ in range(2):
            run_job(send_immediate_mails)
            run_job(send_digests)
        deadline = time.monotonic() + 180
        done = False
        while time.monotonic() < deadline and not done:
            queued = broker.llen("celery") + broker.llen("mail")
            idle = queued == 0 and broker.hlen("unacked") == 0
            sent = NotificationMail.objects.filter(state="sent").count()
            done = idle and sent == 2
            time.sleep(0.2)
        assert done, "the worker did not send both mails within 180 s"
        text = "".join(p.read_text() for p in mail_dir.glob("*.log"))
        assert text.count("Auto-Submitted: auto-generated") == 2
        assert text.count("To: leser@example.org") == 2
        assert "2 new notifications" in text or "2 neue Benachrichtigungen" in text
        assert set(NotificationMail.objects.values_list("kind", flat=True)) == {
            "immediate",
            "daily",
        }
    finally:
        celery_app.conf.broker_url = old_broker
        _reset_broker_pool()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
