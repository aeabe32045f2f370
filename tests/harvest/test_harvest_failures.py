"""Sources that cannot be read, runs that stop half way, and runs at once."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from allmende.accounts.models import User
from allmende.catalog.models import Dataset
from allmende.core import scheduler
from allmende.core.http import FetchError, check_address
from allmende.harvest import services
from allmende.harvest.models import HarvestedRecord, HarvestRun, HarvestSource
from allmende.organizations.models import Organization
from tests.accounts.factories import StaffFactory
from tests.harvest.conftest import harvest, make_source
from tests.organizations.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("/missing", "dcat", "answered with HTTP status 404"),
        ("/error", "dcat", "answered with HTTP status 500"),
        ("/not-rdf.html", "dcat", "answered with a web page (HTML)"),
        ("/broken.ttl", "dcat", "could not be read as Turtle"),
        ("/generic/not-rdf.html", "dcat", "is not an RDF format"),
        ("/catalog.rdf", "ckan", "answered with HTTP status 404"),
    ],
)
def test_bad_source_fails_the_run_with_a_clear_message(
    staff: User,
    organization: Organization,
    remote: str,
    path: str,
    kind: str,
    expected: str,
) -> None:
    source = make_source(staff, organization, remote + path, kind=kind)
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.FAILED
    assert expected in run.error_text
    assert run.finished_at is not None
    assert not Dataset.objects.exists()


def test_unreachable_source(staff: User, organization: Organization) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/catalog.ttl"
    run = harvest(make_source(staff, organization, url), staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "could not be reached" in run.error_text


def test_slow_source_times_out(
    staff: User, organization: Organization, remote: str, settings: Any
) -> None:
    settings.ALLMENDE_HARVEST_TIMEOUT = 0.5
    run = harvest(make_source(staff, organization, f"{remote}/slow/catalog.rdf"), staff)
    assert "did not answer in time" in run.error_text


def test_oversize_answer_is_not_read(
    staff: User, organization: Organization, remote: str, settings: Any
) -> None:
    settings.ALLMENDE_HARVEST_MAX_BYTES = 500
    run = harvest(make_source(staff, organization, f"{remote}/catalog.rdf"), staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "is larger than 500" in run.error_text


def test_ckan_answer_that_is_not_json(
    staff: User, organization: Organization, remote: str
) -> None:
    # /generic/... serves the HTML page for any path ending in its name.
    source = make_source(
        staff, organization, f"{remote}/ckan", kind=HarvestSource.Kind.CKAN
    )
    HarvestSource.objects.filter(pk=source.pk).update(url=f"{remote}/nothing-here")
    source.refresh_from_db()
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "404" in run.error_text


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/c.ttl", "gopher://x", "http://"]
)
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="Only addresses starting with http"):
        check_address(url, allow_private=True)


def test_run_that_stops_half_way_keeps_what_it_did(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog-dangling.ttl")
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "404" in run.error_text
    assert run.created == 2
    assert Dataset.objects.count() == 2
    assert HarvestedRecord.objects.count() == 2
    # Withdrawals are only judged after a complete listing.
    assert run.withdrawn == 0


def test_crash_in_the_middle_is_recorded_and_loses_nothing(
    staff: User, organization: Organization, remote: str, monkeypatch: Any
) -> None:
    real_sync = services._sync
    calls = {"n": 0}

    def crash_on_second(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk on fire")
        real_sync(*args)

    monkeypatch.setattr(services, "_sync", crash_on_second)
    source = make_source(staff, organization, f"{remote}/catalog-page1.ttl")
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.FAILED
    assert "error on our side" in run.error_text
    assert run.created == 1
    assert run.entries.count() == 1
    assert Dataset.objects.count() == 1 == HarvestedRecord.objects.count()

    monkeypatch.setattr(services, "_sync", real_sync)
    again = harvest(source, staff)
    assert again.status == HarvestRun.Status.SUCCEEDED
    assert (again.unchanged, again.created) == (1, 2)


def test_job_that_runs_twice_harvests_once(
    staff: User, organization: Organization, remote: str
) -> None:
    source = make_source(staff, organization, f"{remote}/catalog.rdf")
    run = harvest(source, staff)
    assert services.run_execute(run_id=run.pk) is None
    assert HarvestRun.objects.get().created == 1


def test_database_refuses_a_second_active_run(
    staff: User, organization: Organization
) -> None:
    from django.db import IntegrityError, transaction

    source = make_source(staff, organization, "https://example.org/c.ttl")
    HarvestRun.objects.create(source=source)
    with pytest.raises(IntegrityError), transaction.atomic():
        HarvestRun.objects.create(source=source)


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_start_one_run(monkeypatch: Any) -> None:
    queued: list[int] = []
    monkeypatch.setattr(
        "allmende.core.tasks.enqueue", lambda task, run_id: queued.append(run_id)
    )
    staff = StaffFactory()
    source = make_source(staff, OrganizationFactory(), "https://example.org/c.ttl")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def click() -> None:
        try:
            barrier.wait(timeout=10)
            services.run_start(actor=staff, source=source)
            outcomes.append("started")
        except services.AlreadyRunning:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "started"]
    assert HarvestRun.objects.count() == 1
    assert len(queued) == 1


def test_scheduler_harvests_sources_whose_interval_has_passed(
    staff: User, organization: Organization, remote: str
) -> None:
    assert "harvest.start_due" in [job.name for job in scheduler.jobs()]
    daily = make_source(
        staff, organization, f"{remote}/catalog.rdf", name="daily", interval_hours=24
    )
    make_source(staff, organization, f"{remote}/catalog.jsonld", name="by hand")
    make_source(
        staff,
        organization,
        f"{remote}/catalog.rdf",
        name="off",
        interval_hours=1,
        is_active=False,
    )
    from tests.catalog.factories import jobs

    with jobs():
        assert services.runs_start_due() == 1
    run = HarvestRun.objects.get()
    assert run.source == daily and run.started_by is None
    assert run.status == HarvestRun.Status.SUCCEEDED and run.created == 1
    assert services.runs_start_due() == 0  # not due yet
    later = timezone.now() + timedelta(hours=25)
    with jobs():
        assert services.runs_start_due(now=later) == 1
    assert HarvestRun.objects.filter(source=daily).count() == 2


def test_scheduled_run_fails_clearly_when_nobody_may_act_for_the_source(
    staff: User, organization: Organization, remote: str
) -> None:
    make_source(staff, organization, f"{remote}/catalog.rdf", interval_hours=1)
    User.objects.filter(pk=staff.pk).update(is_staff=False)
    from tests.catalog.factories import jobs

    with jobs():
        services.runs_start_due()
    run = HarvestRun.objects.get()
    assert run.status == HarvestRun.Status.FAILED
    assert "no staff rights" in run.error_text
    assert not Dataset.objects.exists()


def test_interrupted_run_is_marked_failed_and_frees_the_source(
    staff: User, organization: Organization
) -> None:
    source = make_source(staff, organization, "https://example.org/c.ttl")
    long_ago = timezone.now() - timedelta(hours=2)
    HarvestRun.objects.create(
        source=source,
        status=HarvestRun.Status.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    assert services.runs_mark_interrupted() == 1
    run = HarvestRun.objects.get()
    assert run.status == HarvestRun.Status.FAILED
    assert "interrupted" in run.error_text
    queued = services.run_start(actor=staff, source=source)
    assert queued.status == "queued"
    # A queued run whose job was lost does not block the source for ever.
    HarvestRun.objects.filter(pk=queued.pk).update(queued_at=long_ago)
    assert services.runs_mark_interrupted() == 1
    queued.refresh_from_db()
    assert queued.status == HarvestRun.Status.FAILED
    assert "did not start" in queued.error_text


def test_run_taken_for_interrupted_stops_at_its_next_step(
    staff: User, organization: Organization, remote: str, monkeypatch: Any
) -> None:
    real_sync = services._sync

    def end_from_outside(run: HarvestRun, *args: Any) -> None:
        real_sync(run, *args)
        HarvestRun.objects.filter(pk=run.pk).update(
            status=HarvestRun.Status.FAILED, finished_at=timezone.now()
        )

    monkeypatch.setattr(services, "_sync", end_from_outside)
    source = make_source(staff, organization, f"{remote}/catalog-page1.ttl")
    run = harvest(source, staff)
    assert run.status == HarvestRun.Status.FAILED
    # The first record was done before; the second, at work when the run was
    # found ended, was rolled back, and nothing came after it.
    assert Dataset.objects.count() == 1
    assert run.entries.count() == 1 == run.created
