"""Query API latency over HTTP: Allmende's API next to Datasette's JSON API.

Run from the repository root after ``bench/catalog_engine.py`` (which generates
``bench/out/data_<rows>.csv`` and the sqlite-utils database Datasette serves)::

    .venv/bin/python bench/catalog_http.py [--rows 1000000] [--no-datasette]

Allmende runs on SQLite in a fresh data folder, served as in production by
gunicorn with one worker per core (Django's development server adds a fixed
delay of tens of milliseconds per request and is not what is measured). The
CSV is uploaded through the catalog's services, loaded by its background job,
and the dataset published.
Both systems are then asked the same query classes over HTTP with httpx, each
the median of 20 requests after one warm-up. Datasette runs tuned
(``suggest_facets`` off, indexes on the filtered columns) and with its defaults.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from catalog_engine import (  # noqa: E402
    DEEP_PAGE,
    OUT,
    PAGE,
    datasette_queries,
    free_port,
    median_ms,
    tune_sqlite,
)

PROJECTION_READY = "filter + sort: projection ready after"
QUERIES = [
    "filter + sort, first page",
    f"deep page (keyset, page {DEEP_PAGE})",
    "count with filter",
    "facet on a column",
    "filter + facet",
    "contains text search",
    "plain first page",
]


def load_into_allmende(csv_path: Path, data_dir: Path) -> tuple[int, float]:
    """Upload the CSV through the services; return the resource id and seconds."""
    os.environ["ALLMENDE_DATA_DIR"] = str(data_dir)
    os.environ["ALLMENDE_TASK_MODE"] = "sync"
    os.environ["ALLMENDE_MAX_UPLOAD_BYTES"] = str(10 * 1024**3)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command

    from allmende.accounts.models import User
    from allmende.catalog import services
    from allmende.catalog.models import ResourceVersion
    from allmende.organizations.services import organization_create

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", "bench@example.org", "bench-password")
    organization = organization_create(
        actor=user, name="Benchmark e.V.", legal_form="ev", region="BE"
    )
    dataset = services.dataset_create(
        actor=user,
        organization=organization,
        title_de="Vereine in Deutschland",
        licence="http://dcat-ap.de/def/licenses/cc-by/4.0",
    )
    started = time.perf_counter()
    with csv_path.open("rb") as handle:
        resource = services.resource_create(
            actor=user,
            dataset=dataset,
            upload=File(handle, name=csv_path.name),
            title_de="Vereine",
        )
    seconds = time.perf_counter() - started
    version = ResourceVersion.objects.filter(resource=resource).latest("number")
    if version.status != ResourceVersion.Status.READY:
        raise SystemExit(f"Loading failed: {version.status} {version.error_template}")
    services.dataset_set_published(actor=user, dataset=dataset, published=True)
    return resource.pk, seconds


def wait_for_projections(data_dir: Path, count: int) -> float:
    """Wait until ``count`` sorted projections are complete on disk (the
    server builds them in the background); return the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < 300:
        folders = list(data_dir.glob("tables/*/*/v-*/sorted"))
        done = sum(len(list(f.glob("*.duckdb"))) for f in folders)
        building = any(p.name.startswith(".tmp-") for f in folders for p in f.iterdir())
        if done >= count and not building:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit("The sorted projections were not built within 5 minutes")


def allmende_queries(
    base: str, data_dir: Path, cold: dict[str, float]
) -> dict[str, float]:
    """Median of each query class; ``cold`` gets the time of its first request
    (the first of the class after the server started, so it includes opening
    the table and reading the per-version figures stored at ingest).  A first
    sorted request starts building a sorted projection in the background;
    the medians are taken once it is built."""
    import httpx

    with httpx.Client(timeout=60) as client:

        def get(params: dict[str, str]) -> Callable[[], Any]:
            url = f"{base}?{urlencode(params)}"
            return lambda: client.get(url).raise_for_status().json()

        def first(name: str, action: Callable[[], Any]) -> Callable[[], Any]:
            started = time.perf_counter()
            action()
            cold[name] = (time.perf_counter() - started) * 1000
            return action

        deep_sort = {"_sort": "-Mitglieder", "_size": str(PAGE)}
        city = {"Stadt": "München"}
        actions = {
            QUERIES[0]: get({**city, "_sort": "-Beitrag", "_size": "50"}),
            QUERIES[2]: get({**city, "_count": "1", "_size": "1"}),
            QUERIES[3]: get({"_facet": "Kategorie", "_size": "1"}),
            QUERIES[4]: get({**city, "_facet": "Kategorie", "_size": "1"}),
            QUERIES[5]: get(
                {"Beschreibung__contains": "sommerfest", "_size": str(PAGE)}
            ),
            QUERIES[6]: get({"_size": str(PAGE)}),
        }
        for name, action in actions.items():
            first(name, action)
            if name == QUERIES[0]:
                cold[PROJECTION_READY] = (
                    wait_for_projections(data_dir, 1) * 1000 + cold[name]
                )
        token = client.get(f"{base}?{urlencode(deep_sort)}").json()["next"]
        wait_for_projections(data_dir, 2)
        for _ in range(DEEP_PAGE - 2):
            params = {**deep_sort, "_next": token}
            token = client.get(f"{base}?{urlencode(params)}").json()["next"]
        actions[QUERIES[1]] = first(QUERIES[1], get({**deep_sort, "_next": token}))
        return {name: median_ms(actions[name]) for name in QUERIES}


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ALLMENDE_DATA_DIR": str(data_dir),
        "ALLMENDE_DEBUG": "0",
        "ALLMENDE_ALLOWED_HOSTS": "127.0.0.1",
        "ALLMENDE_SCHEDULER_THREAD": "0",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    return subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            str(os.cpu_count() or 2),
            "--bind",
            f"127.0.0.1:{port}",
            "allmende.config.wsgi",
        ],  # fmt: skip
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(url: str) -> None:
    import httpx

    for _ in range(150):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"Allmende did not answer at {url}")


def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def ratio(theirs: float | None, ours: float) -> str:
    return "–" if theirs is None else f"{theirs / ours:.1f}x"


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-datasette", action="store_true")
    args = parser.parse_args()
    csv_path = OUT / f"data_{args.rows}.csv"
    if not csv_path.exists():
        raise SystemExit(f"{csv_path} is missing: run bench/catalog_engine.py first")

    data_dir = Path(tempfile.mkdtemp(prefix="allmende-http-bench-"))
    resource_id, load_seconds = load_into_allmende(csv_path, data_dir)
    print(f"Uploaded and loaded {csv_path.name} through the services in "
          f"{load_seconds:.1f} s")  # fmt: skip
    port = free_port()
    server = serve(data_dir, port)
    try:
        wait_for(f"http://127.0.0.1:{port}/-/health")
        base = f"http://127.0.0.1:{port}/api/catalog/resources/{resource_id}/rows"
        cold: dict[str, float] = {}
        ours = allmende_queries(base, data_dir, cold)
    finally:
        server.terminate()
        server.wait(10)

    tuned: dict[str, Any] = {}
    default: dict[str, Any] = {}
    sqlite_db = OUT / "data.db"
    if not args.no_datasette and sqlite_db.exists():
        tuned_db = OUT / "data_tuned.db"
        if not tuned_db.exists():
            tune_sqlite(sqlite_db, tuned_db)
        tokens: dict[str, str] = {}
        tuned = datasette_queries(
            tuned_db,
            [
                "--setting",
                "suggest_facets",
                "off",
                "--setting",
                "sql_time_limit_ms",
                "5000",
            ],  # fmt: skip
            tokens,
        )
        default = datasette_queries(sqlite_db, [], tokens)

    print(
        "\n| Query (HTTP, median of 20) | Allmende API | Allmende first request "
        "| Datasette tuned | tuned ÷ Allmende | Datasette default |"
        "\n|---|---:|---:|---:|---:|---:|"
    )
    for name in QUERIES:
        print(
            f"| {name} | {fmt(ours[name])} | {fmt(cold.get(name))} "
            f"| {fmt(tuned.get(name))} | {ratio(tuned.get(name), ours[name])} "
            f"| {fmt(default.get(name))} |"
        )
    print(
        "\nThe first filter + sort request started building the sorted "
        f"projection, which was ready {fmt(cold[PROJECTION_READY])} after it began."
    )


if __name__ == "__main__":
    main()
