"""Loads run in their own job pool, never in the request that queued them,
and at most ``ALLMENDE_MAX_CONCURRENT_LOADS`` at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from allmende.accounts.models import User
from allmende.catalog import engine
from allmende.catalog.models import Dataset, ResourceVersion
from allmende.organizations.models import Organization
from tests.catalog.factories import DatasetFactory, csv_upload
from tests.conftest import client_for

S = ResourceVersion.Status


def _wait_until(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def _upload(client: Any, dataset: Dataset, title: str, key: str) -> int:
    started = time.monotonic()
    response = client.post(
        f"/datasets/{dataset.slug}/resources/new/",
        {"title_de": title, "file": csv_upload(), "submission_key": key},
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 30
    return ResourceVersion.objects.get(resource__title_de=title).pk


@pytest.mark.django_db(transaction=True)
def test_upload_answers_before_its_load_and_loads_run_one_after_another(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    org_member: User,
    organization: Organization,
) -> None:
    settings.ALLMENDE_TASK_MODE = "thread"
    settings.ALLMENDE_JOB_THREADS = {"celery": 2, "loads": 1}
    gate = threading.Event()
    started: list[tuple[float, str]] = []
    finished: list[float] = []
    real_ingest = engine.ingest

    def gated_ingest(source: Path, dest: Path, **options: Any) -> Any:
        started.append((time.monotonic(), threading.current_thread().name))
        assert gate.wait(timeout=120)
        try:
            return real_ingest(source, dest, **options)
        finally:
            finished.append(time.monotonic())

    monkeypatch.setattr(engine, "ingest", gated_ingest)
    dataset = DatasetFactory(organization=organization)
    client = client_for(org_member)
    try:
        first = _upload(
            client, dataset, "Erste", "6c0f1d4e-0b43-4c41-9a59-1f3a3c8e0a01"
        )
        # The request has answered; its load waits at the gate in a job thread.
        _wait_until(lambda: len(started) == 1)
        assert ResourceVersion.objects.get(pk=first).status == S.RUNNING
        second = _upload(
            client, dataset, "Zweite", "6c0f1d4e-0b43-4c41-9a59-1f3a3c8e0a02"
        )
        # With one load at a time, the second waits in the queue.
        assert ResourceVersion.objects.get(pk=second).status == S.QUEUED
    finally:
        gate.set()
    _wait_until(
        lambda: (
            set(
                ResourceVersion.objects.filter(pk__in=[first, second]).values_list(
                    "status", flat=True
                )
            )
            == {S.READY}
        )
    )
    assert len(started) == 2
    assert started[1][0] >= finished[0], "the second load overlapped the first"
    assert all(name.startswith("job-loads") for _, name in started)
