"""What running user SQL in the worker pool costs per query.

Run from the repository root::

    .venv/bin/python bench/sql_latency.py              # 100,000 rows
    .venv/bin/python bench/sql_latency.py --rows 1000000 --repeat 500

It generates the benchmark's German-style CSV (see ``bench/datagen.py``),
loads it with the engine, and runs the same simple SELECTs in the web process
(``run_sql``, as before the pool) and through the pool of worker processes
(``run_sandboxed``). It prints the median and 95th percentile of each, the
difference (the pool's overhead per query), the first query (which starts
a worker process) and the first query after a worker was killed
at its deadline (which starts a new one).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

from datagen import generate  # noqa: E402

from allmende.catalog.engine import (  # noqa: E402
    Resource,
    SqlLimits,
    errors,
    ingest,
    run_sandboxed,
    run_sql,
)
from allmende.catalog.engine.sandbox import close_pools  # noqa: E402

QUERIES = {
    "one row by number": "SELECT * FROM data WHERE _row = 4711",
    "count with filter": "SELECT count(*) FROM data WHERE Stadt = 'Köln'",
    "first 100 rows": "SELECT * FROM data LIMIT 100",
}
MEMORY = 512 * 1024 * 1024


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    limits = SqlLimits(timeout_seconds=2.0)
    with tempfile.TemporaryDirectory(prefix="sql-latency-") as directory:
        base = Path(directory)
        source = generate(base / "data.csv", args.rows)
        ingest(source, base / "resource")
        table = Resource.open(base / "resource")

        def sandboxed(sql: str) -> Callable[[], object]:
            return lambda: run_sandboxed(
                table, sql, limits=limits, workers=2, memory_bytes=MEMORY
            )

        first = timed(sandboxed("SELECT 1"))
        print(f"{args.rows:,} rows, {args.repeat} runs per query, times in ms")
        print(f"first query (a worker starts): {first:.1f}")
        print("| query | in process median / p95 | pool median / p95 | overhead |")
        print("|---|---|---|---|")
        for label, sql in QUERIES.items():
            for _ in range(5):  # warm both
                run_sql(table, sql, limits=limits)
                sandboxed(sql)()
            local = [
                timed(lambda sql=sql: run_sql(table, sql, limits=limits))
                for _ in range(args.repeat)
            ]
            pooled = [timed(sandboxed(sql)) for _ in range(args.repeat)]
            print(
                f"| {label} | {statistics.median(local):.2f} / "
                f"{percentile(local, 0.95):.2f} | {statistics.median(pooled):.2f} / "
                f"{percentile(pooled, 0.95):.2f} | "
                f"{statistics.median(pooled) - statistics.median(local):+.2f} |"
            )
        slow = "SELECT levenshtein(repeat('ab', 50000), repeat('ba', 50000))"
        stopped = timed(lambda: _expect_timeout(table, slow))
        again = timed(sandboxed(QUERIES["one row by number"]))
        print(f"query stopped at its 2 s deadline: {stopped:.0f}")
        print(f"next query (its replacement was started at once): {again:.1f}")
        close_pools()


def _expect_timeout(table: Resource, sql: str) -> None:
    try:
        run_sandboxed(
            table,
            sql,
            limits=SqlLimits(timeout_seconds=2.0),
            workers=2,
            memory_bytes=MEMORY,
        )
    except errors.SqlTimeoutError:
        return
    raise AssertionError("the query was not stopped")


if __name__ == "__main__":
    main()
