"""The knowledge hub at scale: the tool list with filters, the site search,
the JSON API, and the link-check job.

    .venv/bin/python bench/knowledge.py [--tools 10000] [--reports 20000]
                                        [--pages 5000] [--requests 60]
                                        [--check 2000]

Builds a fresh SQLite database in a temporary data folder (or uses
DATABASE_URL, e.g. ``DATABASE_URL=postgres:///bench_knowledge`` on an empty
database), fills it with tools, published experience reports and published
guide pages, each indexed through the module's own index function, and then
measures in-process (Django's test client, no network) the 50th and 95th
percentile time of:

* ``/tools/`` with each filter alone and with several together;
* ``/tools/?q=…`` and ``/search/?q=…`` (the site-wide search over all types);
* ``/api/knowledge/tools`` with filters.

Last, the maintenance check of ``--check`` tools whose addresses all point to
one local HTTP server (so at most one request at a time goes to it): wall time
and requests per second.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WORDS = (  # noqa: SIM905 - easier to read than a list of 30 quoted words
    "verein videokonferenz umfrage newsletter karte daten cloud chat mitglieder "
    "buchhaltung website offen lizenz werkzeug ehrenamt projekt spenden planung "
    "protokoll archiv schulung beratung nachbarschaft sport kultur umwelt "
    "bildung jugend senioren integration"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return (
        f"p50 {statistics.median(ordered) * 1000:6.1f} ms, "
        f"p95 {p95 * 1000:6.1f} ms, max {ordered[-1] * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tools", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--check", type=int, default=2_000)
    args = parser.parse_args()

    os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ["ALLMENDE_DEBUG"] = "0"
    os.environ["ALLMENDE_SCHEDULER_THREAD"] = "0"
    os.environ["ALLMENDE_TASK_MODE"] = "sync"
    os.environ.setdefault("ALLMENDE_LOG_LEVEL", "WARNING")
    os.environ.setdefault("ALLMENDE_SITE_URL", "https://allmende.example.org")

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from allmende.knowledge.licences import licence_family
    from allmende.knowledge.models import (
        Book,
        Category,
        Chapter,
        Page,
        PageRevision,
        Report,
        ReportState,
        Tool,
    )
    from allmende.knowledge.services import tool_index, tools_check_due
    from allmende.knowledge.services.handbook import page_index
    from allmende.knowledge.services.reports import report_index
    from allmende.organizations.models import Organization

    settings.ALLOWED_HOSTS = ["*"]
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("migrate", verbosity=0)
    rng = random.Random(20261203)  # noqa: S311 - test data
    print(
        f"database: {connection.vendor}, tools: {args.tools:,}, "
        f"reports: {args.reports:,}, guide pages: {args.pages:,}"
    )

    started = time.perf_counter()
    categories = list(Category.objects.all())
    licences = ["AGPL-3.0-or-later", "MIT", "Apache-2.0", "GPL-2.0-or-later"]
    tools = Tool.objects.bulk_create(
        [
            Tool(
                name=f"Werkzeug {i}",
                slug=f"werkzeug-{i}",
                purpose_de=_text(rng, 6),
                purpose_en=_text(rng, 6),
                description_de=_text(rng, 60),
                licence=(licence := rng.choice(licences)),
                licence_family=licence_family(licence),
                hosting=rng.sample(["self_hosted", "programme", "saas"], 2),
                platforms=rng.sample(["web", "linux", "android", "ios"], 2),
                languages=["de", "en"],
                cost=rng.choice(["free", "subscription"]),
                difficulty=rng.choice(["beginner", "intermediate", "advanced"]),
            )
            for i in range(args.tools)
        ],
        batch_size=1000,
    )
    Tool.categories.through.objects.bulk_create(
        [
            Tool.categories.through(
                tool_id=tool.pk, category_id=rng.choice(categories).pk
            )
            for tool in tools
        ],
        batch_size=2000,
    )
    organizations = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Verein {i}", slug=f"verein-{i}", legal_form="ev", region="SN"
            )
            for i in range(200)
        ]
    )
    now = timezone.now()
    reports = Report.objects.bulk_create(
        [
            Report(
                organization=rng.choice(organizations),
                title=_text(rng, 5),
                summary=_text(rng, 15),
                tried=_text(rng, 80),
                worked=_text(rng, 40),
                state=ReportState.PUBLISHED,
                published_at=now,
                helpful_count=rng.randrange(20),
            )
            for _ in range(args.reports)
        ],
        batch_size=1000,
    )
    Report.tools.through.objects.bulk_create(
        [
            Report.tools.through(report_id=report.pk, tool_id=rng.choice(tools).pk)
            for report in reports
        ],
        batch_size=2000,
    )
    book = Book.objects.create(slug="handbuch", title="Handbuch")
    chapter = Chapter.objects.create(book=book, title="Kapitel")
    pages = Page.objects.bulk_create(
        [
            Page(book=book, chapter=chapter, slug=f"seite-{i}", title=_text(rng, 4))
            for i in range(args.pages)
        ],
        batch_size=1000,
    )
    revisions = PageRevision.objects.bulk_create(
        [
            PageRevision(page=page, number=1, title=page.title, body=_text(rng, 150))
            for page in pages
        ],
        batch_size=1000,
    )
    for page, revision in zip(pages, revisions, strict=True):
        page.published_revision = revision
        page.published_at = now
        page.state = "published"
    Page.objects.bulk_update(
        pages, ["published_revision", "published_at", "state"], batch_size=1000
    )
    print(f"rows created in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    for tool in Tool.objects.prefetch_related("categories"):
        tool_index(tool)
    for report in Report.objects.select_related("organization").prefetch_related(
        "tools"
    ):
        report_index(report)
    for page in Page.objects.select_related("book", "published_revision"):
        page_index(page)
    print(f"indexed in {time.perf_counter() - started:.1f} s")

    client = Client()

    def measure(label: str, addresses: list[str]) -> None:
        for address in addresses[:2]:
            client.get(address)  # warm up
        samples = []
        for index in range(args.requests):
            address = addresses[index % len(addresses)]
            cache.clear()
            begun = time.perf_counter()
            response = client.get(address)
            samples.append(time.perf_counter() - begun)
            if response.status_code != 200:
                raise SystemExit(f"{address} answered {response.status_code}")
        print(f"{label:<34} {_percentiles(samples)}  ({len(samples)} requests)")

    slug = rng.choice(categories).slug
    measure("/tools/ (no filter)", ["/tools/", "/tools/?page=40"])
    measure(
        "/tools/ one filter each",
        [
            f"/tools/?category={slug}",
            "/tools/?licence_family=copyleft",
            "/tools/?hosting=programme",
            "/tools/?platform=android",
            "/tools/?cost=free",
            "/tools/?difficulty=advanced",
            "/tools/?language=de",
        ],
    )
    measure(
        "/tools/ all filters together",
        [
            f"/tools/?category={slug}&hosting=programme&platform=web&cost=free"
            "&difficulty=beginner&language=de",
            "/tools/?licence_family=permissive&hosting=saas&platform=linux"
            "&cost=subscription&difficulty=advanced",
        ],
    )
    measure(
        "/tools/?q= (full text)",
        [f"/tools/?q={word}" for word in ("umfrage", "karte datenschutz", "offen")],
    )
    measure(
        "/search/?q= (site-wide)",
        [f"/search/?q={word}" for word in ("umfrage", "verein karte", "lizenz")],
    )
    measure(
        "/api/knowledge/tools with filters",
        [
            "/api/knowledge/tools?platform=web&cost=free&limit=50",
            "/api/knowledge/tools?q=umfrage&limit=50",
        ],
    )

    # The link check: every address of --check tools on one local server.
    hits = 0

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            nonlocal hits
            hits += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_HEAD(self) -> None:
            self.do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    Tool.objects.update(checked_at=now)
    chosen = list(
        Tool.objects.order_by("pk").values_list("pk", flat=True)[: args.check]
    )
    for pk in chosen:
        Tool.objects.filter(pk=pk).update(
            homepage_url=f"{base}/home/{pk}", checked_at=None
        )
    started = time.perf_counter()
    checked = tools_check_due(limit=args.check)
    seconds = time.perf_counter() - started
    server.shutdown()
    print(
        f"link check of {checked:,} tools (one host): {seconds:.1f} s, "
        f"{hits / seconds:.0f} requests/s, {hits:,} requests"
    )


if __name__ == "__main__":
    main()
