"""Latency of the site-wide search under load.

    .venv/bin/python bench/search.py [--organizations 10000] [--events 10000]
                                     [--datasets 1000] [--duration 10]
                                     [--connections 20]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL), fills it with organizations, events and datasets indexed through
each module's own index function, starts Allmende under gunicorn with two
workers on 127.0.0.1 only, and drives ``/search/`` with ``wrk`` (Debian package
``wrk``), as an anonymous visitor and as a logged-in member of organizations
with private datasets. Prints requests per second and the 50th/95th/99th
percentile latency of each page.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
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

CITIES = ("Leipzig", "Dresden", "Rostock", "Kiel", "Görlitz", "Jena", "Erfurt")
TOPICS = (
    "Umweltschutz",
    "Nachbarschaftshilfe",
    "Jugendarbeit",
    "Fahrradwerkstätten",
    "Lebensmittelrettung",
    "Digitale Bildung",
    "Kulturarbeit",
    "Gärten",
)
WORDS = (
    "Wir unterstützen Vereine und Initiativen in der Region mit Beratung, "
    "Werkstätten und offenen Daten. Ehrenamtliche treffen sich jede Woche."
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fill(organizations: int, events: int, datasets: int) -> str:
    """Create and index the data; return the session key of a member."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from allmende.accounts.models import User
    from allmende.catalog.models import Dataset
    from allmende.catalog.services import dataset_index
    from allmende.catalog.vocabularies import LICENCE_BASE
    from allmende.events.models import Event, EventFormat, EventStatus, EventType
    from allmende.events.services.events import event_index
    from allmende.organizations.models import Membership, Organization
    from allmende.organizations.services import organization_index

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    rng = random.Random(7)
    started = time.perf_counter()
    now = timezone.now()
    if User.objects.filter(username="mitglied").exists():
        # A data folder of an earlier run (ALLMENDE_DATA_DIR): measure again.
        print("reusing the data of an earlier run")
        organizations = events = datasets = 0
    with transaction.atomic():
        Organization.objects.bulk_create(
            [
                Organization(
                    name=f"{rng.choice(TOPICS)} {rng.choice(CITIES)} {i} e.V.",
                    slug=f"verein-{i}",
                    legal_form="ev",
                    region="SN",
                    city=rng.choice(CITIES),
                    description_de=f"Verein für {rng.choice(TOPICS)}. {WORDS}",
                )
                for i in range(organizations)
            ],
            batch_size=2000,
        )
        orgs = list(Organization.objects.order_by("pk"))
        if orgs and organizations:
            member = User.objects.create_user(
                username="mitglied", email="m@example.org"
            )
            Membership.objects.bulk_create(
                [Membership(organization=o, user=member) for o in orgs[:50]]
            )
        starts = [
            now + timedelta(hours=rng.randint(-24 * 90, 24 * 365))
            for _ in range(events)
        ]
        Event.objects.bulk_create(
            [
                Event(
                    title_de=f"Werkstatt {i}: {rng.choice(TOPICS)} im Verein",
                    title_en=f"Workshop {i}",
                    slug=f"werkstatt-{i}",
                    event_type=rng.choice(EventType.values),
                    format=rng.choice(EventFormat.values),
                    status=EventStatus.DRAFT if i % 10 == 0 else EventStatus.PUBLISHED,
                    starts_at=starts[i],
                    ends_at=starts[i] + timedelta(hours=2),
                    capacity=20,
                    city=rng.choice(CITIES),
                    organization=orgs[i % len(orgs)],
                    description_de=f"Eine Werkstatt mit Übungen. {WORDS}",
                    reminder_minutes=[1440, 60],
                )
                for i in range(events)
            ],
            batch_size=2000,
        )
        Dataset.objects.bulk_create(
            [
                Dataset(
                    organization=orgs[i % len(orgs)],
                    slug=f"datensatz-{i}",
                    title_de=f"{rng.choice(TOPICS)} in {rng.choice(CITIES)} {i}",
                    description_de=f"Daten der Vereine. {WORDS}",
                    licence=LICENCE_BASE + "cc-by/4.0",
                    keywords=["Verein", "Ehrenamt"],
                    status="published",
                    is_private=i % 5 == 0,
                    issued_at=now,
                )
                for i in range(datasets)
            ],
            batch_size=1000,
        )
        if organizations:
            for organization in Organization.objects.prefetch_related("focus_areas"):
                organization_index(organization)
            for event in Event.objects.prefetch_related("topics"):
                event_index(event)
            for dataset in Dataset.objects.select_related("organization"):
                dataset_index(dataset)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded and indexed {organizations} organizations, {events} events and "
        f"{datasets} datasets in {time.perf_counter() - started:.1f} s "
        f"({connection.vendor})"
    )
    member = User.objects.get(username="mitglied")
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _server_time(path: str, cookie: str, count: int = 30) -> tuple[float, float, float]:
    """Median and 95th percentile in ms of ``count`` requests of ``path`` in
    this process, one after the other (no waiting for other requests), and
    the median CPU time of this process (on SQLite it includes the queries)."""
    from django.test import Client

    client = Client(headers={"accept-language": "de"})
    if cookie:
        name, _, value = cookie.partition("=")
        client.cookies[name] = value
    client.get(path)
    times, cpu = [], []
    for _ in range(count):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
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
    cookie = _fill(args.organizations, args.events, args.datasets)

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
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/-/health", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        pages = {
            "common word (most entries match)": ("/search/?q=verein", ""),
            "inflected form": ("/search/?q=Werkst%C3%A4tten", ""),
            "two words": ("/search/?q=garten+leipzig", ""),
            "type filter": ("/search/?q=daten&type=dataset", ""),
            "page 100": ("/search/?q=verein&page=100", ""),
            "rare word": ("/search/?q=werkstatt+4711", ""),
            "operators and quotes": ("/search/?q=%22verein%22+OR+NEAR(a*+b)", ""),
            "common word, logged-in member": ("/search/?q=verein", cookie),
        }
        # Warm both workers (imports, URL patterns, stems) before measuring.
        for path, session in list(pages.values()) * args.workers * 2:
            request = urllib.request.Request(  # noqa: S310
                base + path, headers={"Cookie": session} if session else {}
            )
            urllib.request.urlopen(request, timeout=60).read()  # noqa: S310
        server_times = {
            name: _server_time(path, session) for name, (path, session) in pages.items()
        }
        from django.db import connection

        print(
            f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
            f"server: gunicorn, {args.workers} workers (DEBUG off), "
            f"{connection.vendor}; load average before: {_load()}\n"
        )
        print(
            "| search | requests/s | p50 ms | p95 ms | p99 ms | errors "
            "| server median ms | server p95 ms | CPU median ms |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, (path, session) in pages.items():
            headers = ["-H", "Accept-Language: de"]
            if session:
                headers += ["-H", f"Cookie: {session}"]
            output = subprocess.run(
                [
                    "wrk",
                    f"-t{args.threads}",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    *headers,
                    "--timeout",
                    "10s",
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
                f"| {median:.1f} | {p95_server:.1f} | {cpu:.1f} |"
            )
        print(f"\nload average after: {_load()}")
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
