"""Loads survive a worker that dies: real Redis, real worker processes, kill -9."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog import services
from allmende.catalog.models import Resource, ResourceVersion
from allmende.config.celery import app as celery_app
from allmende.core.models import AuditLogEntry
from allmende.organizations.models import Organization
from tests.catalog.factories import DatasetFactory, csv_upload
from tests.core.processes import (
    Process,
    database_url,
    require_redis,
    reset_broker_pool,
    wait_until,
)

S = ResourceVersion.Status
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(settings: Any) -> Iterator[str]:
    url = require_redis()
    old = celery_app.conf.broker_url
    settings.ALLMENDE_TASK_MODE = "celery"
    settings.ALLMENDE_LOAD_STALE_SECONDS = 2.0
    celery_app.conf.broker_url = url
    reset_broker_pool()
    yield url
    celery_app.conf.broker_url = old
    reset_broker_pool()


@pytest.fixture
def gate(tmp_path: Path) -> Path:
    folder = tmp_path / "gate"
    folder.mkdir()
    (folder / "hold").touch()
    return folder


def _worker(broker: str, gate: Path, tmp_path: Path, name: str) -> Process:
    return Process(
        ["-m", "tests.catalog.gated_worker", "--queues=loads", "--concurrency=1"],
        env={
            "REDIS_URL": broker,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "allmende.config.settings",
            "ALLMENDE_DATA_DIR": str(tmp_path / "worker-data"),
            "ALLMENDE_PRIVATE_ROOT": str(tmp_path / "private"),
            "ALLMENDE_SECRET_KEY": "worker-test-key",
            "ALLMENDE_LOAD_HEARTBEAT_SECONDS": "0.5",
            "ALLMENDE_TEST_GATE_DIR": str(gate),
        },
        log=tmp_path / f"{name}.log",
    )


def _started(gate: Path) -> list[int]:
    return [int(p.name.split("-")[1]) for p in gate.glob("started-*")]


def _upload(actor: User, organization: Organization) -> ResourceVersion:
    dataset = DatasetFactory(organization=organization)
    resource = services.resource_create(
        actor=actor, dataset=dataset, upload=csv_upload(), title_de="Städte"
    )
    version = resource.versions.get()
    assert version.status == S.QUEUED
    return version


def _status(version: ResourceVersion) -> str:
    version.refresh_from_db()
    return version.status


def test_load_of_a_killed_worker_is_queued_again_and_completes_after_restart(
    broker: str, gate: Path, tmp_path: Path, org_admin: User, organization: Organization
) -> None:
    first = _worker(broker, gate, tmp_path, "first")
    second: Process | None = None
    try:
        version = _upload(org_admin, organization)
        wait_until(lambda: _started(gate), what="the load starting", timeout=180)
        assert _status(version) == S.RUNNING
        first.kill()  # kill -9 of the whole worker, in the middle of the load
        # The heartbeat stops; the sweep queues the load again.
        wait_until(services.loads_recover, what="the sweep noticing the dead load")
        assert _status(version) == S.QUEUED
        (gate / "hold").unlink()
        second = _worker(broker, gate, tmp_path, "second")
        wait_until(lambda: _status(version) == S.READY, timeout=180, what="ready")
        version.refresh_from_db()
        assert version.load_attempts == 2
        assert version.row_count == 4
        assert Resource.objects.get().current_version_id == version.pk
        requeued = AuditLogEntry.objects.filter(action="resource.load_requeued")
        assert requeued.count() == 1
    finally:
        first.kill()
        if second is not None:
            second.stop()


def test_load_whose_pool_process_dies_fails_with_a_message_then_reloads(
    settings: Any,
    broker: str,
    gate: Path,
    tmp_path: Path,
    org_admin: User,
    organization: Organization,
) -> None:
    settings.ALLMENDE_LOAD_MAX_ATTEMPTS = 1
    worker = _worker(broker, gate, tmp_path, "worker")
    try:
        version = _upload(org_admin, organization)
        pids = wait_until(lambda: _started(gate), what="the load starting", timeout=180)
        os.kill(pids[0], signal.SIGKILL)  # the pool process, not the worker
        wait_until(services.loads_recover, what="the sweep noticing the dead load")
        version.refresh_from_db()
        assert version.status == S.FAILED
        assert "was interrupted" in services.error_text(
            version.error_template, version.error_params
        )
        assert "attempts: 1" in services.error_text(
            version.error_template, version.error_params
        )
        # The owner may load it again; the worker itself lived on.
        (gate / "hold").unlink()
        services.version_reload(actor=org_admin, version=version, overrides={})
        wait_until(lambda: _status(version) == S.READY, timeout=180, what="ready")
        assert worker.popen.poll() is None
    finally:
        worker.stop()
