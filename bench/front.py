"""Latency of the start page and the personal dashboard under load.

    .venv/bin/python bench/front.py [--organizations 10000] [--events 10000]
                                    [--registrations 100000] [--datasets 1000]
                                    [--connections 20] [--duration 10]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL), fills it with organizations, events, registrations and
published datasets, logs a member in (a session in the database), starts
gunicorn with two workers on 127.0.0.1 only and drives each page with ``wrk``
(Debian package ``wrk``) at the given number of concurrent connections.
Prints requests per second and the 50th/95th/99th percentile latency, and the
number of queries each page runs.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50=%.2f p95=%.2f p99=%.2f errors=%d\\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fill(
    args: argparse.Namespace,
) -> tuple[str, dict[str, int], dict[str, tuple[float, float, float]]]:
    """Fill the database; the member's session key, the queries per page and
    the server time of each page in this process (median and p95 in ms)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from allmende.accounts.models import User
    from allmende.catalog.models import Dataset
    from allmende.catalog.vocabularies import LICENCE_BASE
    from allmende.core.models import FocusArea
    from allmende.events.models import Event, EventFormat, EventType, Registration
    from allmende.events.models.registrations import RegistrationState as S
    from allmende.organizations.models import (
        LegalForm,
        Membership,
        Organization,
        Region,
    )

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    rng = random.Random(14)
    started = time.perf_counter()
    now = timezone.now()
    reuse = User.objects.filter(username="bench-member").exists()
    if reuse:
        # A database of an earlier run (DATABASE_URL or ALLMENDE_DATA_DIR).
        print("reusing the data of an earlier run")
    else:
        with transaction.atomic():
            areas = [
                FocusArea.objects.get_or_create(
                    slug=f"thema-{i}",
                    defaults={"name_de": f"Thema {i}", "name_en": f"Topic {i}"},
                )[0]
                for i in range(12)
            ]
            Organization.objects.bulk_create(
                [
                    Organization(
                        name=f"Verein {i}",
                        slug=f"verein-{i}",
                        legal_form=rng.choice(LegalForm.values),
                        region=rng.choice(Region.values),
                        city="Leipzig",
                        description_de="Ein Verein für das Gemeinwohl."
                        if i % 3
                        else "",
                        is_verified=i % 2 == 0,
                        verified_at=now if i % 2 == 0 else None,
                    )
                    for i in range(args.organizations)
                ],
                batch_size=2000,
            )
            org_ids = list(Organization.objects.values_list("pk", flat=True))
            through = Organization.focus_areas.through
            through.objects.bulk_create(
                [
                    through(organization_id=pk, focusarea_id=rng.choice(areas).pk)
                    for pk in org_ids
                ],
                batch_size=5000,
            )
            per_event = max(1, args.registrations // args.events)
            events = []
            for i in range(args.events):
                starts = now + timedelta(hours=rng.randint(-24 * 90, 24 * 365))
                full = i % 4 == 0
                events.append(
                    Event(
                        title_de=f"Werkstatt {i}: Daten im Verein",
                        title_en=f"Workshop {i}: data in associations",
                        slug=f"werkstatt-{i}",
                        event_type=rng.choice(EventType.values),
                        format=rng.choice(EventFormat.values),
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=2),
                        capacity=per_event if full else per_event + 5,
                        places_taken=per_event,
                        city="Leipzig",
                        organization_id=rng.choice(org_ids),
                        reminder_minutes=[1440, 60],
                    )
                )
            Event.objects.bulk_create(events, batch_size=2000)
            event_ids = list(Event.objects.values_list("pk", flat=True))
            batch = []
            for index in range(args.registrations):
                batch.append(
                    Registration(
                        event_id=event_ids[index % len(event_ids)],
                        email=f"person{index}@example.org",
                        name=f"Person {index}",
                        state=S.CONFIRMED,
                        nonce=secrets.token_hex(16),
                    )
                )
                if len(batch) == 5000:
                    Registration.objects.bulk_create(batch)
                    batch = []
            Registration.objects.bulk_create(batch)
            Dataset.objects.bulk_create(
                [
                    Dataset(
                        organization_id=rng.choice(org_ids),
                        slug=f"datensatz-{i}",
                        title_de=f"Datensatz {i}",
                        licence=LICENCE_BASE + "cc-by/4.0",
                        status=Dataset.Status.PUBLISHED,
                        issued_at=now,
                        is_private=i % 10 == 0,
                    )
                    for i in range(args.datasets)
                ],
                batch_size=1000,
            )

            # The member whose dashboard is measured: three organizations (one
            # she administers, without a description) and ten upcoming events.
            member = User.objects.create_user(
                username="bench-member", email="member@example.org", password=None
            )
            member.emailaddress_set.create(
                email=member.email, verified=True, primary=True
            )
            for position, org_id in enumerate(org_ids[:3]):
                Membership.objects.create(
                    user=member,
                    organization_id=org_id,
                    role=Membership.Role.ADMIN
                    if position == 0
                    else Membership.Role.MEMBER,
                )
            upcoming = Event.objects.filter(starts_at__gte=now).order_by("starts_at")
            for event in upcoming[:10]:
                Registration.objects.create(
                    event=event,
                    user=member,
                    email=member.email,
                    name="Bench Member",
                    state=S.CONFIRMED,
                    nonce=secrets.token_hex(16),
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    if not reuse:
        print(
            f"loaded {args.organizations} organizations, {args.events} events, "
            f"{args.registrations} registrations and {args.datasets} datasets in "
            f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
    member = User.objects.get(username="bench-member")

    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()

    queries: dict[str, int] = {}
    server_times: dict[str, tuple[float, float, float]] = {}
    client = Client(headers={"accept-language": "de"})
    member_client = Client(headers={"accept-language": "de"})
    member_client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key or ""
    for name, page_client, path in (
        ("start page", client, "/"),
        ("start page, logged in", member_client, "/"),
        ("dashboard", member_client, "/dashboard/"),
    ):
        page_client.get(path)
        with CaptureQueriesContext(connection) as captured:
            response = page_client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        queries[name] = len(captured)
        server_times[name] = _server_time(page_client, path)
    return session.session_key or "", queries, server_times


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _server_time(client: Any, path: str, count: int = 60) -> tuple[float, float, float]:
    """Median and 95th percentile in ms of ``count`` requests in this process,
    one after the other (no waiting for other requests), and the median CPU
    time of this process (on SQLite it includes the queries)."""
    times, cpu = [], []
    for _ in range(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    times.sort()
    return (
        statistics.median(times),
        times[int(count * 0.95) - 1],
        statistics.median(cpu),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--datasets", type=int, default=1_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    data_dir = os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ.setdefault("ALLMENDE_ALLOWED_HOSTS", "127.0.0.1,testserver")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    session_key, queries, server_times = _fill(args)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "allmende.config.wsgi",
        ],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lua = Path(data_dir) / "report.lua"
    lua.write_text(LUA)
    from django.conf import settings

    cookie = f"Cookie: {settings.SESSION_COOKIE_NAME}={session_key}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/-/health", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        pages = [
            ("start page", "/", None),
            ("start page, logged in", "/", cookie),
            ("dashboard", "/dashboard/", cookie),
        ]
        print(
            f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
            f"server: gunicorn, {args.workers} workers (DEBUG off), "
            f"{connection_vendor()}; load average before: {_load()}\n"
        )
        print(
            "| page | requests/s | p50 ms | p95 ms | p99 ms | errors | queries "
            "| server median ms | server p95 ms | CPU median ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, path, header in pages:
            extra = ["-H", header] if header else []
            output = subprocess.run(
                [
                    "wrk",
                    f"-t{args.threads}",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "30s",
                    "-H",
                    "Accept-Language: de",
                    *extra,
                    "-s",
                    str(lua),
                    base + path,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            match = re.search(
                r"RESULT rps=([\d.]+) p50=([\d.]+) p95=([\d.]+) p99=([\d.]+) "
                r"errors=(\d+)",
                output,
            )
            assert match, output
            rps, p50, p95, p99, errors = match.groups()
            median, p95_server, cpu = server_times[name]
            print(
                f"| {name} | {rps} | {p50} | {p95} | {p99} | {errors} "
                f"| {queries[name]} | {median:.1f} | {p95_server:.1f} | {cpu:.1f} |"
            )
        print(f"\nload average after: {_load()}")
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
