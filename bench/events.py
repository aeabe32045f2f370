"""Throughput of the events list and an event page under load.

    .venv/bin/python bench/events.py [--events 10000] [--registrations 100000]
                                     [--duration 10] [--connections 8]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL), fills it with events and registrations, starts Allmende's
server on 127.0.0.1 only, and drives it with ``wrk`` (Debian package ``wrk``).
Prints requests per second and the 50th/95th/99th percentile latency of each
page.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

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


def _fill(events: int, registrations: int) -> str:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from allmende.core.models import FocusArea
    from allmende.events.models import (
        Event,
        EventFormat,
        EventType,
        Level,
        Registration,
    )
    from allmende.events.models.registrations import RegistrationState as S

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    rng = random.Random(7)
    started = time.perf_counter()
    areas = [
        FocusArea.objects.get_or_create(
            slug=f"thema-{i}",
            defaults={"name_de": f"Thema {i}", "name_en": f"Topic {i}"},
        )[0]
        for i in range(12)
    ]
    now = timezone.now()
    per_event = max(1, registrations // events)
    with transaction.atomic():
        objects = []
        for i in range(events):
            starts = now + timedelta(hours=rng.randint(1, 24 * 365))
            objects.append(
                Event(
                    title_de=f"Werkstatt {i}: Daten im Verein",
                    title_en=f"Workshop {i}: data in associations",
                    slug=f"werkstatt-{i}",
                    event_type=rng.choice(EventType.values),
                    format=rng.choice(EventFormat.values),
                    level=rng.choice(Level.values),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    capacity=per_event + 5,
                    places_taken=per_event,
                    city="Leipzig",
                    description_de="Eine **Werkstatt** mit Übungen.\n\n- eins\n- zwei",
                    reminder_minutes=[1440, 60],
                )
            )
        Event.objects.bulk_create(objects, batch_size=2000)
        ids = list(Event.objects.values_list("pk", flat=True))
        through = Event.topics.through
        through.objects.bulk_create(
            [through(event_id=pk, focusarea_id=rng.choice(areas).pk) for pk in ids],
            batch_size=5000,
        )
        batch = []
        for index in range(registrations):
            batch.append(
                Registration(
                    event_id=ids[index % len(ids)],
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
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"loaded {events} events and {registrations} registrations in "
        f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    return str(Event.objects.order_by("starts_at").values_list("slug", flat=True)[50])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    data_dir = os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    slug = _fill(args.events, args.registrations)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # Served as in production: Django's development server adds a fixed delay
    # of tens of milliseconds to every request.
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(os.cpu_count() or 2),
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
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/-/health", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        pages = {
            "events list": "/events/",
            "events list, filtered": "/events/?event_type=workshop&level=beginner",
            "event page": f"/events/{slug}/",
        }
        print(
            f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
            "server: gunicorn, one worker per core (DEBUG off)\n"
        )
        print("| page | requests/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, path in pages.items():
            urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310
            output = subprocess.run(
                [
                    "wrk",
                    f"-t{args.threads}",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "-H",
                    "Accept-Language: de",
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
            print(f"| {name} | {rps} | {p50} | {p95} | {p99} | {errors} |")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
