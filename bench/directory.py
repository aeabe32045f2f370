"""Render time of the organization directory with many organizations.

    .venv/bin/python bench/directory.py [--organizations 2000] [--runs 50]

Builds a fresh SQLite database in a temporary data folder (or uses DATABASE_URL),
loads the demo data with the given number of organizations, then renders directory
pages in-process through Django's test client and prints the median and p95 of
each. No network is involved: this is the server-side cost of a page.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    os.environ.setdefault(
        "ALLMENDE_DATA_DIR", tempfile.mkdtemp(prefix="allmende-bench-")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    os.environ.setdefault("ALLMENDE_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command(
        "demo",
        organizations=args.organizations,
        people=200,
        stdout=io.StringIO(),
    )
    print(
        f"loaded {args.organizations} organizations in "
        f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
    )

    client = Client(headers={"accept-language": "de"})
    pages = {
        "first page": "/organizations/",
        "page 40": "/organizations/?page=40",
        "filter region + legal form": "/organizations/?region=SN&legal_form=ev",
        "filter focus area": "/organizations/?focus_area=umwelt",
        "full-text search": "/organizations/?q=digitalwerkstatt",
        "search + filter": "/organizations/?q=leipzig&verified=on",
        "map data (all)": "/organizations/map.json",
    }
    print("\n| page | median ms | p95 ms | queries |\n|---|---:|---:|---:|")
    for name, url in pages.items():
        client.get(url)  # warm caches
        timings = []
        for _ in range(args.runs):
            begin = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"| {name} | {statistics.median(timings):.1f} | {p95:.1f} "
            f"| {len(queries)} |"
        )


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    main()
