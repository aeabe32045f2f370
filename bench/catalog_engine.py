"""Benchmark of the Allmende dataset engine against common alternatives.

Run from the repository root::

    .venv/bin/python bench/catalog_engine.py            # 1,000,000 rows
    .venv/bin/python bench/catalog_engine.py --rows 10000000 --only-engine

It generates a reproducible German-style CSV under ``bench/out/``, measures
ingest (wall time and peak memory, each system in its own child process) and
query latency (median of repeated runs), prints a markdown table and writes it
to ``docs/performance.md`` (unless ``--no-docs``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
DOCS = ROOT / "docs" / "performance.md"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

PAGE = 50
DEEP_PAGE = 500
REPEAT = 20
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
TEXT_COLUMNS = ("Vereinsnummer", "Name", "Stadt", "PLZ", "Kategorie", "Beschreibung")


# --- work run in child processes ---------------------------------------------


def child_ingest(csv_path: str, dest: str, parquet: str = "") -> dict[str, Any]:
    """Load the file until its table can be queried; with ``parquet``, also
    write the Parquet download, as the load job does right after."""
    from allmende.catalog.engine import (
        IngestOptions,
        Limits,
        Resource,
        ingest,
        write_parquet,
    )

    # The default upload limit (500 MB) would refuse the 10M-row file.
    options = IngestOptions(limits=Limits(max_file_bytes=10 * 1024**3))
    result = ingest(Path(csv_path), Path(dest), options=options)
    timings = dict(result.timings)
    if parquet:
        started = time.perf_counter()
        resource = Resource(result.paths)
        write_parquet(resource)
        resource.close()
        timings["parquet, after publishing"] = round(time.perf_counter() - started, 4)
    return {"rows": result.row_count, "timings": timings}


def child_floor(csv_path: str, parquet: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(config={"threads": 2, "memory_limit": "512MB"})
    source = f"read_csv('{csv_path}')"  # bench-generated paths only
    con.execute(f"COPY (SELECT * FROM {source}) TO '{parquet}' (FORMAT parquet)")  # noqa: S608
    return {}


def child_postgres(csv_path: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as con:
        with open(csv_path, encoding="utf-8") as handle:
            header = handle.readline().rstrip("\n").split(";")
        columns = ", ".join(f'"{name}" text' for name in header)
        con.execute("DROP TABLE IF EXISTS bench_rows")
        con.execute(f"CREATE TABLE bench_rows ({columns})")
        started = time.perf_counter()
        with (
            con.cursor() as cur,
            cur.copy(
                "COPY bench_rows FROM STDIN "
                "WITH (FORMAT csv, DELIMITER ';', HEADER true)"
            ) as copy,
            open(csv_path, "rb") as handle,
        ):
            while block := handle.read(1024 * 1024):
                copy.write(block)
        copied = time.perf_counter() - started
        document = " || ' ' || ".join(f"coalesce(\"{c}\", '')" for c in TEXT_COLUMNS)
        con.execute(
            "CREATE INDEX bench_rows_fts ON bench_rows "
            f"USING GIN (to_tsvector('german', {document}))"
        )
        indexed = time.perf_counter() - started - copied
        con.execute("DROP TABLE bench_rows")
    return {"copy": round(copied, 2), "index": round(indexed, 2)}


CHILD_JOBS: dict[str, Callable[..., dict[str, Any]]] = {
    "ingest": child_ingest,
    "floor": child_floor,
    "postgres": child_postgres,
}


def measure(command: list[str]) -> dict[str, Any]:
    """Run ``command`` in a child and report its wall time and peak RSS.

    A small wrapper process runs the command, so ``RUSAGE_CHILDREN`` covers
    exactly that one command (and its own children).
    """
    wrapper = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime\n"
        "print(json.dumps({'wall': wall, 'rss_mb': rss / 1024, 'rc': p.returncode,"
        " 'cpu': cpu,"
        " 'out': p.stdout[-2000:], 'err': p.stderr[-2000:]}))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", wrapper, *command],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    if result["rc"] != 0:
        print(f"  ! {' '.join(command[:4])} failed: {result['err'][-500:]}")
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, with the median CPU time and the
    highest peak memory of all runs."""
    ok = [r for r in runs if r["rc"] == 0] or runs
    chosen = dict(sorted(ok, key=lambda r: r["wall"])[len(ok) // 2])
    chosen["cpu"] = statistics.median(r["cpu"] for r in ok)
    chosen["rss_mb"] = max(r["rss_mb"] for r in ok)
    chosen["walls"] = [round(r["wall"], 2) for r in runs]
    return chosen


def run_child(name: str, *args: str) -> dict[str, Any]:
    result = measure([sys.executable, __file__, "--child", name, *args])
    if result["rc"] == 0 and result["out"].strip():
        result["detail"] = json.loads(result["out"].strip().splitlines()[-1])
    return result


# --- query benchmarks --------------------------------------------------------------

FLOOR = "DuckDB read_csv → Parquet (floor)"
QUERYABLE = "Allmende ingest (table queryable)"
WITH_PARQUET = "Allmende ingest, then the Parquet file"
FIRST_QUERY = "First query after opening the table"
FIRST_SORTED = "First filter + sort page (starts building the sorted projection)"
PROJECTION_BUILD = "That projection ready (built in the background), after"


def median_ms(action: Callable[[], Any], repeat: int = REPEAT) -> float:
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def engine_queries(
    dest: Path, cold: dict[str, float] | None = None
) -> dict[str, float]:
    """Median of each query class.  ``cold`` gets the time of the very first
    query (opening the table and reading its stored figures included), of
    the first sorted page, which starts building the version's sorted
    projection in the background, and of that build."""
    from allmende.catalog.engine import Filter, Resource, Sort, query

    cold = {} if cold is None else cold
    started = time.perf_counter()
    resource = Resource.open(dest)
    city = [Filter("Stadt", "eq", "München")]
    by_amount = [Sort("Beitrag", descending=True)]
    query(resource, filters=city, count=True, limit=1)
    cold[FIRST_QUERY] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    query(resource, filters=city, sort=by_amount, limit=PAGE)
    cold[FIRST_SORTED] = (time.perf_counter() - started) * 1000
    resource.wait_for_projections()
    cold[PROJECTION_BUILD] = (time.perf_counter() - started) * 1000

    def run(**kwargs: Any) -> Callable[[], Any]:
        return lambda: json.dumps(query(resource, **kwargs))

    by_members = [Sort("Mitglieder", descending=True)]
    token = query(resource, sort=by_members, limit=PAGE)["next"]
    resource.wait_for_projections()  # the walk's first page started a build
    for _ in range(DEEP_PAGE - 2):
        token = query(resource, sort=by_members, limit=PAGE, after=token)["next"]
    return {
        "filter + sort, first page": median_ms(
            run(filters=city, sort=by_amount, limit=PAGE)
        ),
        "filter + sort, first page, sorting the table": median_ms(
            run(filters=city, sort=by_amount, limit=PAGE, projections=False)
        ),
        f"deep page (keyset, page {DEEP_PAGE})": median_ms(
            run(sort=by_members, limit=PAGE, after=token)
        ),
        f"deep page {DEEP_PAGE}, sorting the table": median_ms(
            run(sort=by_members, limit=PAGE, after=token, projections=False)
        ),
        "count with filter": median_ms(run(filters=city, count=True, limit=1)),
        "facet on a column": median_ms(run(facets=["Kategorie"], limit=1)),
        "filter + facet": median_ms(run(filters=city, facets=["Kategorie"], limit=1)),
        "contains text search": median_ms(
            run(filters=[Filter("Beschreibung", "contains", "sommerfest")], limit=PAGE)
        ),
        "plain first page": median_ms(run(limit=PAGE)),
        "full-text q over all text columns": median_ms(
            run(q="sommerfest münchen", limit=PAGE)
        ),
        "contains, rare term (full scan)": median_ms(
            run(filters=[Filter("Beschreibung", "contains", "xyzzy")], limit=PAGE)
        ),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def datasette_queries(
    db: Path, extra: list[str], tokens: dict[str, str]
) -> dict[str, Any]:
    import httpx

    port = free_port()
    datasette = Path(sys.executable).parent / "datasette"
    server = subprocess.Popen(  # noqa: S603 - installed datasette, fixed arguments
        [str(datasette), "serve", str(db), "-p", str(port), "-h", "127.0.0.1", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/{db.stem}/rows.json"
    try:
        with httpx.Client(timeout=60) as client:
            for _ in range(100):
                try:
                    client.get(f"http://127.0.0.1:{port}/-/versions.json")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)

            def get(params: dict[str, str]) -> Callable[[], Any]:
                url = f"{base}?{urlencode(params)}"
                return lambda: client.get(url).raise_for_status().json()

            sort = {"_sort_desc": "Beitrag", "_size": str(PAGE)}

            def timed(action: Callable[[], Any], repeat: int) -> float | None:
                try:
                    return median_ms(action, repeat)
                except httpx.HTTPStatusError:
                    return None  # Datasette stopped the query at its time limit

            if "deep" not in tokens:
                # Reach the start of page DEEP_PAGE with few, large pages (the
                # token only encodes the last row's sort value and rowid).
                deep_sort = {"_sort_desc": "Mitglieder"}
                skip = (DEEP_PAGE - 1) * PAGE
                params = {**deep_sort, "_size": str(min(skip, 1000))}
                url = f"{base}?{urlencode(params)}"
                try:
                    while skip > 0:
                        data = client.get(url).raise_for_status().json()
                        skip -= len(data["rows"])
                        size = min(skip, 1000) if skip > 0 else PAGE
                        url = re.sub(r"_size=\d+", f"_size={size}", data["next_url"])
                    tokens["deep"] = url.split("?", 1)[1]
                except httpx.HTTPStatusError as exc:
                    print(f"  deep walk stopped: {exc.response.text[:200]}")
                    tokens["deep"] = ""
            deep_url = f"{base}?{tokens['deep']}" if tokens["deep"] else ""

            def deep() -> Any:
                return client.get(deep_url).raise_for_status().json()

            repeat = REPEAT if extra else 5
            return {
                "filter + sort, first page": timed(
                    get({"Stadt": "München", **sort}), repeat
                ),
                f"deep page (keyset, page {DEEP_PAGE})": (
                    timed(deep, repeat) if deep_url else None
                ),
                "count with filter": timed(
                    get({"Stadt": "München", "_size": "1"}), repeat
                ),
                "facet on a column": timed(
                    get({"_facet": "Kategorie", "_size": "1"}), repeat
                ),
                "filter + facet": timed(
                    get({"Stadt": "München", "_facet": "Kategorie", "_size": "1"}),
                    repeat,
                ),
                "contains text search": timed(
                    get({"Beschreibung__contains": "Sommerfest", "_size": str(PAGE)}),
                    repeat,
                ),
                "plain first page": timed(get({"_size": str(PAGE)}), repeat),
            }
    finally:
        server.terminate()
        server.wait(10)


def tune_sqlite(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    con = sqlite3.connect(target)
    for column in ("Stadt", "Kategorie", "Beitrag", "Mitglieder"):
        con.execute(f'CREATE INDEX "idx_{column}" ON rows ("{column}")')
    con.execute('CREATE INDEX "idx_Stadt_Beitrag" ON rows ("Stadt", "Beitrag")')
    con.commit()
    con.close()


# --- report --------------------------------------------------------------------------


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f} ms" if value < 1000 else f"{value / 1000:,.2f} s"


def ingest_table(results: dict[str, dict[str, Any]], floor: float) -> list[str]:
    lines = [
        "| System | Wall time | vs. floor | CPU time | vs. floor | Peak RSS "
        "| Each run (wall) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    floor_cpu = next(iter(results.values())).get("cpu") or 0
    for name, result in results.items():
        if result.get("skipped"):
            lines.append(f"| {name} | skipped: {result['skipped']} | | | | | |")
            continue
        ratio = result["wall"] / floor if floor else 0
        cpu = result.get("cpu")
        cpu_text = f"{cpu:.2f} s" if cpu is not None else "–"
        cpu_ratio = f"{cpu / floor_cpu:.1f}x" if cpu is not None and floor_cpu else "–"
        note = " (earlier run)" if result.get("reused") else ""
        walls = ", ".join(f"{w:.2f}" for w in result.get("walls", [result["wall"]]))
        lines.append(
            f"| {name}{note} | {result['wall']:.2f} s | {ratio:.1f}x | {cpu_text} | "
            f"{cpu_ratio} | {result['rss_mb']:.0f} MB | {walls} s |"
        )
    return lines


def query_table(
    ours: dict[str, float], tuned: dict[str, Any], default: dict[str, Any]
) -> list[str]:
    lines = [
        "| Query | Allmende engine | Datasette tuned | tuned ÷ engine "
        "| Datasette default |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, value in ours.items():
        other = tuned.get(name)
        ratio = f"{other / value:.1f}x" if other else "–"
        lines.append(
            f"| {name} | {fmt_ms(value)} | {fmt_ms(other)} | {ratio} | "
            f"{fmt_ms(default.get(name))} |"
        )
    return lines


def measure_ingest(
    args: argparse.Namespace,
    csv_path: Path,
    dest: Path,
    sqlite_db: Path,
    previous: dict[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Floor and engine are always measured; the slow comparison loads are
    taken from ``previous`` (an earlier run) when given."""
    results: dict[str, dict[str, Any]] = {}
    # The floor and Allmende take turns, and each figure is the median of
    # its runs: the machine's speed drifts by a third between runs.
    runs: dict[str, list[dict[str, Any]]] = {FLOOR: [], QUERYABLE: [], WITH_PARQUET: []}
    # The previous run's output is removed before each timed run, not in it.
    floor_file = OUT / "floor.parquet"
    for turn in range(args.repeat):
        print(f"Ingest, round {turn + 1} of {args.repeat} …")
        floor_file.unlink(missing_ok=True)
        runs[FLOOR].append(run_child("floor", str(csv_path), str(floor_file)))
        shutil.rmtree(dest, ignore_errors=True)
        runs[QUERYABLE].append(run_child("ingest", str(csv_path), str(dest)))
        shutil.rmtree(dest, ignore_errors=True)
        runs[WITH_PARQUET].append(
            run_child("ingest", str(csv_path), str(dest), "parquet")
        )
    for name, taken in runs.items():
        results[name] = median_run(taken)
    if not args.only_engine and previous:
        for name, result in previous.items():
            if name not in results:
                results[name] = {**result, "reused": True}
    elif not args.only_engine:
        print("sqlite-utils insert --csv …")
        sqlite_db.unlink(missing_ok=True)
        sqlite_utils = Path(sys.executable).parent / "sqlite-utils"
        results["sqlite-utils insert --csv"] = measure(
            [
                str(sqlite_utils),
                "insert",
                str(sqlite_db),
                "rows",
                str(csv_path),
                "--csv",
                "--delimiter",
                ";",
            ]
        )
        print("PostgreSQL COPY + GIN tsvector index …")
        try:
            import psycopg

            psycopg.connect(PG_DSN).close()
            results["PostgreSQL COPY (text) + GIN index"] = run_child(
                "postgres", str(csv_path)
            )
        except Exception as exc:  # noqa: BLE001 - any connection problem skips
            results["PostgreSQL COPY (text) + GIN index"] = {"skipped": str(exc)[:80]}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only-engine", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--no-queries", action="store_true")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="ingest runs of the floor and of Allmende, taken in turns (median)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse sqlite-utils and PostgreSQL load figures of an earlier run",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILD_JOBS[args.child[0]](*args.child[1:])))
        return

    from datagen import generate

    OUT.mkdir(exist_ok=True)
    csv_path = OUT / f"data_{args.rows}.csv"
    if not csv_path.exists():
        print(f"Generating {args.rows:,} rows …")
        generate(csv_path, args.rows)
    size_mb = csv_path.stat().st_size / 1024 / 1024
    print(f"CSV: {csv_path.name}, {size_mb:.0f} MB")
    dest = OUT / f"engine_{args.rows}"
    sqlite_db = OUT / "data.db"
    saved = OUT / f"ingest_{args.rows}.json"
    previous: dict[str, dict[str, Any]] = {}
    if args.reuse and saved.exists() and sqlite_db.exists():
        previous = json.loads(saved.read_text())
    results = measure_ingest(args, csv_path, dest, sqlite_db, previous)
    saved.write_text(json.dumps(results))
    floor = results[FLOOR]["wall"]
    ingest_lines = ingest_table(results, floor)
    engine_detail = results[WITH_PARQUET].get("detail", {})
    print("\n".join(ingest_lines))
    print("Engine stage timings:", engine_detail.get("timings"))

    if args.no_queries or results[QUERYABLE]["rc"] != 0:
        return
    print("Query latency: engine …")
    cold: dict[str, float] = {}
    ours = engine_queries(dest, cold)
    for name, value in cold.items():
        print(f"{name}: {value:.1f} ms")
    print(json.dumps({k: round(v, 2) for k, v in ours.items()}, ensure_ascii=False))
    tuned: dict[str, Any] = {}
    default: dict[str, Any] = {}
    if not args.only_engine:
        tokens: dict[str, str] = {}
        tuned_db = OUT / "data_tuned.db"
        tune_sqlite(sqlite_db, tuned_db)
        print("Query latency: Datasette tuned …")
        tuned = datasette_queries(
            tuned_db,
            [
                "--setting",
                "suggest_facets",
                "off",
                "--setting",
                "sql_time_limit_ms",
                "5000",
            ],
            tokens,
        )
        print("Query latency: Datasette default …")
        default = datasette_queries(sqlite_db, [], tokens)
    query_lines = query_table(ours, tuned, default)
    query_lines += ["", *(f"{name}: {value:.1f} ms." for name, value in cold.items())]
    print("\n".join(query_lines))
    if not args.no_docs:
        write_docs(
            args.rows, size_mb, ingest_lines, query_lines, engine_detail, args.repeat
        )


def write_docs(
    rows: int,
    size_mb: float,
    ingest_lines: list[str],
    query_lines: list[str],
    engine_detail: dict[str, Any],
    repeat: int,
) -> None:
    machine = (
        f"{os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}"
    )
    text = f"""# Dataset engine performance

Measured with `bench/catalog_engine.py` on {machine}
({rows:,} rows, {size_mb:.0f} MB semicolon-separated CSV with German number and date
formats, umlauts, quoted text, postal codes with leading zeros and empty cells).

## Reproduce

```sh
python3 -m venv .venv
.venv/bin/pip install duckdb==2.0.0 pyarrow==26.0.1 charset-normalizer==3.5.2 \\
    openpyxl==3.1.5 sqlite-utils==4.2.1 datasette==0.65.5 "psycopg[binary]==3.3.9" httpx
.venv/bin/python bench/catalog_engine.py                 # 1M rows, all systems
.venv/bin/python bench/catalog_engine.py --rows 10000000 --only-engine --no-docs \\
    --no-queries
```

PostgreSQL is expected on 127.0.0.1:5432 (user `postgres`, database `test`, trust
authentication); it is skipped with a note when unreachable.

## Ingest

Each system runs in its own child process; peak RSS is that process's maximum
resident memory and CPU time its user + system time
(`getrusage(RUSAGE_CHILDREN)`). The machine is shared, so wall times drift
between runs: the floor and Allmende take turns, {repeat} rounds, and each
figure is the median (the last column lists every run). For PostgreSQL it is
the client only; the server's memory is not included.

"Table queryable" covers detection, inference over every value, validation,
and the DuckDB table with its row-id index and precomputed facets, published:
the end of the load as a person sees it. The load job then writes the typed
Parquet download from that table; "then the Parquet file" includes it.

{chr(10).join(ingest_lines)}

Allmende stage timings (seconds): `{json.dumps(engine_detail.get("timings", {}))}`

## Query latency

Median of {REPEAT} runs after one warm-up (default Datasette: 5 runs). Allmende is
called in-process and includes JSON serialisation of the result; Datasette is
called over HTTP on localhost with httpx (JSON API), so its figures include HTTP
overhead. "Tuned" Datasette runs with `--setting suggest_facets off`, a 5 s
instead of 1 s SQL time limit (so that the deep-page walk completes) and indexes
on `Stadt`, `Kategorie`, `Beitrag`, `Mitglieder` and `(Stadt, Beitrag)`. A dash
for Datasette means it stopped the query at its default 1 s time limit (or, in
the extra engine rows, that there is no counterpart). Deep page: page
{DEEP_PAGE} of {PAGE} rows sorted by `Mitglieder` descending, reached by keyset
token (Datasette stores the column as text, so its order is lexicographic).

{chr(10).join(query_lines)}
"""
    scaling = OUT / "ingest_10000000.json"
    if rows != 10_000_000 and scaling.exists():
        big = json.loads(scaling.read_text())
        floor_wall = big["DuckDB read_csv → Parquet (floor)"]["wall"]
        text += f"""
## Scaling: 10,000,000 rows

Same generator, ten times the rows (about 1.5 GB), engine only
(`--rows 10000000 --only-engine --no-queries`). DuckDB streams the file and
spills to disk beyond its 512 MB limit, so peak memory stays well under 1 GB; it
does grow somewhat with the row count (compare the peak RSS at 1M rows above),
mainly for the ART index on `_row` and the row-number update held until the
checkpoint.

{chr(10).join(ingest_table(big, floor_wall))}

Allmende stage timings (seconds):
`{json.dumps(big[WITH_PARQUET].get("detail", {}).get("timings", {}))}`
"""
    # The written analysis and the HTTP, directory and events sections that
    # follow are kept as they are.
    kept = ""
    if DOCS.exists():
        previous = DOCS.read_text(encoding="utf-8")
        marker = "## Where ingest stands against its target"
        if marker in previous:
            kept = "\n" + previous[previous.index(marker) :]
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text(text + kept, encoding="utf-8")
    print(f"Wrote {DOCS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
