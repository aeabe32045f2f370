"""The sweep that queues again, or fails, loads whose worker died; and the
heartbeat that stops a load taken away from it."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.utils import timezone

from allmende.accounts.models import User
from allmende.catalog import engine, services
from allmende.catalog.models import ResourceVersion
from allmende.organizations.models import Organization
from tests.catalog.factories import DatasetFactory, add_table, jobs
from tests.conftest import client_for

S = ResourceVersion.Status
pytestmark = pytest.mark.django_db


def _version(actor: User, organization: Organization) -> ResourceVersion:
    resource = add_table(DatasetFactory(organization=organization), actor)
    version = resource.versions.get()
    assert version.status == S.READY
    assert version.load_attempts == 1
    return version


def _set(version: ResourceVersion, **values: Any) -> ResourceVersion:
    ResourceVersion.objects.filter(pk=version.pk).update(**values)
    version.refresh_from_db()
    return version


def test_sweep_queues_a_load_with_an_old_heartbeat_again_and_it_loads(
    org_admin: User, organization: Organization
) -> None:
    version = _version(org_admin, organization)
    old = timezone.now() - timedelta(minutes=10)
    _set(version, status=S.RUNNING, heartbeat_at=old, row_count=None)
    assert version.is_stale and not version.is_busy
    with jobs():
        assert services.loads_recover() == 1
    version.refresh_from_db()
    assert version.status == S.READY
    assert version.load_attempts == 2
    assert version.row_count == 4


def test_sweep_leaves_a_load_with_a_fresh_heartbeat_alone(
    org_admin: User, organization: Organization
) -> None:
    version = _version(org_admin, organization)
    _set(version, status=S.RUNNING, heartbeat_at=timezone.now())
    assert version.is_busy
    with jobs():
        assert services.loads_recover() == 0
    version.refresh_from_db()
    assert version.status == S.RUNNING
    with pytest.raises(ValidationError):
        services.version_reload(actor=org_admin, version=version, overrides={})


def test_sweep_fails_a_load_after_its_last_attempt_and_the_owner_may_reload(
    settings: Any, org_admin: User, organization: Organization
) -> None:
    settings.ALLMENDE_LOAD_MAX_ATTEMPTS = 3
    version = _version(org_admin, organization)
    old = timezone.now() - timedelta(minutes=10)
    _set(version, status=S.RUNNING, heartbeat_at=old, load_attempts=3)
    with jobs():
        assert services.loads_recover() == 1
    version.refresh_from_db()
    assert version.status == S.FAILED
    assert "attempts: 3" in services.error_text(
        version.error_template, version.error_params
    )
    # The table of the load before stays served.
    assert version.resource.current_version_id == version.pk
    with jobs():
        services.version_reload(actor=org_admin, version=version, overrides={})
    version.refresh_from_db()
    assert version.status == S.READY
    assert version.load_attempts == 1


def test_owner_may_reload_a_stale_load_before_the_sweep_comes(
    org_admin: User, organization: Organization
) -> None:
    version = _version(org_admin, organization)
    _set(version, status=S.RUNNING, heartbeat_at=None)
    with jobs():
        services.version_reload(actor=org_admin, version=version, overrides={})
    version.refresh_from_db()
    assert version.status == S.READY


def test_sweep_sends_the_job_of_a_load_queued_long_ago_again(
    settings: Any, org_admin: User, organization: Organization
) -> None:
    version = _version(org_admin, organization)
    waited = timezone.now() - timedelta(seconds=settings.ALLMENDE_LOAD_REQUEUE_SECONDS)
    _set(version, status=S.QUEUED, heartbeat_at=waited - timedelta(seconds=1))
    with jobs():
        assert services.loads_recover() == 1
    version.refresh_from_db()
    assert version.status == S.READY


@pytest.mark.django_db(transaction=True)
def test_load_stops_when_another_worker_took_it_over(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    org_admin: User,
    organization: Organization,
) -> None:
    settings.ALLMENDE_LOAD_HEARTBEAT_SECONDS = 0.05
    version = _version(org_admin, organization)
    _set(version, status=S.QUEUED)

    def taken_over(source: Path, dest: Path, **options: Any) -> Any:
        # The sweep queued the load again and another worker took it.
        ResourceVersion.objects.filter(pk=version.pk).update(load_attempts=9)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            options["progress"](0.5, "read")
            time.sleep(0.05)
        raise AssertionError("the load did not notice it was taken over")

    monkeypatch.setattr(engine, "ingest", taken_over)
    assert services.version_ingest(version_id=version.pk) is None
    version.refresh_from_db()
    # Left to the worker that has it now.
    assert version.status == S.RUNNING
    assert version.load_attempts == 9


def test_load_over_its_time_limit_fails_with_a_message(
    monkeypatch: pytest.MonkeyPatch, org_admin: User, organization: Organization
) -> None:
    version = _version(org_admin, organization)
    _set(version, status=S.QUEUED)

    def too_long(*args: Any, **kwargs: Any) -> Any:
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(engine, "ingest", too_long)
    services.version_ingest(version_id=version.pk)
    version.refresh_from_db()
    assert version.status == S.FAILED
    assert "longer than the limit of 120 minutes" in services.error_text(
        version.error_template, version.error_params
    )


def test_status_of_a_stale_load_says_it_will_be_started_again(
    org_admin: User, organization: Organization
) -> None:
    version = _version(org_admin, organization)
    _set(version, status=S.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1))
    resource = version.resource
    response = client_for(org_admin).get(
        f"/datasets/{resource.dataset.slug}/resources/{resource.pk}/status/"
    )
    assert response.status_code == 200
    assert "stopped unexpectedly" in response.content.decode()
    assert 'hx-trigger="every 10s"' in response.content.decode()
