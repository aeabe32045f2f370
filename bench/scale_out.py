"""Tables in object storage, served by any node: what a second node costs.

Run from the repository root (generates ``bench/out/data_<rows>.csv`` when it
is missing)::

    .venv/bin/python bench/scale_out.py [--rows 1000000]

An S3 server (moto's, in this process) stands in for the object store. The
benchmark measures

1. ingest of the CSV through the services to the local data folder, and to
   the object store (the load plus its upload), each in a fresh process;
2. the query classes of ``bench/catalog_http.py`` over HTTP on one gunicorn
   node that reads the data folder, and on a node B that shares the database
   and the store with the loading node but never saw the dataset: its first
   request fetches the build into its cache;
3. two ways a node could read a build without copying it: DuckDB over the
   Parquet file in the store through an fsspec file system (ranged GETs), next
   to the node's cached table;
4. a sorted page with and without the sorted projection on the cached build.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from catalog_engine import OUT, free_port, median_ms  # noqa: E402
from catalog_http import QUERIES, allmende_queries, fmt, serve, wait_for  # noqa: E402

BUCKET = "allmende-bench"


def s3_environment(endpoint: str) -> dict[str, str]:
    return {
        "ALLMENDE_S3_BUCKET": BUCKET,
        "ALLMENDE_S3_ENDPOINT_URL": endpoint,
        "ALLMENDE_S3_ACCESS_KEY": "bench",
        "ALLMENDE_S3_SECRET_KEY": "bench",
        "ALLMENDE_S3_REGION": "us-east-1",
    }


def child_load(csv_path: str) -> None:
    """Load the CSV in this process (its environment chooses the store)."""
    from catalog_http import load_into_allmende

    data_dir = Path(os.environ["ALLMENDE_DATA_DIR"])
    resource_id, seconds = load_into_allmende(Path(csv_path), data_dir)
    from allmende.catalog.models import ResourceVersion

    version = ResourceVersion.objects.get(resource_id=resource_id)
    print(
        json.dumps(
            {
                "resource_id": resource_id,
                "seconds": seconds,
                "engine_seconds": version.load_info.get("seconds"),
                "build": version.table_build,
            }
        )
    )


def load(csv_path: Path, env: dict[str, str]) -> dict[str, Any]:
    answer = subprocess.run(  # noqa: S603 - this script, fixed arguments
        [sys.executable, __file__, "--child-load", str(csv_path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def node(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return serve(data_dir, port)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def first_page_ms(base: str) -> float:
    import httpx

    started = time.perf_counter()
    httpx.get(f"{base}?_size=50", timeout=120).raise_for_status()
    return (time.perf_counter() - started) * 1000


def parquet_over_fsspec(endpoint: str, key: str) -> dict[str, float]:
    """DuckDB reading the build's Parquet file in the store through fsspec."""
    import boto3
    import duckdb
    import fsspec
    from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the local test server
        region_name="us-east-1",
    )

    class RangedFile(AbstractBufferedFile):  # type: ignore[misc]
        def _fetch_range(self, start: int, end: int) -> bytes:
            bucket, name = self.path.split("/", 1)
            answer = client.get_object(
                Bucket=bucket, Key=name, Range=f"bytes={start}-{end - 1}"
            )
            return answer["Body"].read()  # type: ignore[no-any-return]

    class StoreFileSystem(AbstractFileSystem):  # type: ignore[misc]
        protocol = "store"

        def modified(self, path: str) -> Any:
            bucket, name = self._strip_protocol(path).split("/", 1)
            return client.head_object(Bucket=bucket, Key=name)["LastModified"]

        def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
            bucket, name = self._strip_protocol(path).split("/", 1)
            head = client.head_object(Bucket=bucket, Key=name)
            return {"name": path, "size": head["ContentLength"], "type": "file"}

        def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> RangedFile:
            return RangedFile(
                self, self._strip_protocol(path), mode, block_size=4 * 1024 * 1024
            )

    fsspec.register_implementation("store", StoreFileSystem, clobber=True)
    connection = duckdb.connect()
    connection.register_filesystem(StoreFileSystem())
    source = f"read_parquet('store://{BUCKET}/{key}')"
    queries = {
        QUERIES[0]: f"SELECT * FROM {source} WHERE Stadt = 'München' "  # noqa: S608
        "ORDER BY Beitrag DESC LIMIT 50",
        QUERIES[2]: f"SELECT count(*) FROM {source} WHERE Stadt = 'München'",  # noqa: S608
        QUERIES[3]: f"SELECT Kategorie, count(*) FROM {source} GROUP BY 1",  # noqa: S608
        QUERIES[6]: f"SELECT * FROM {source} LIMIT 50",  # noqa: S608
    }
    return {
        name: median_ms(lambda sql=sql: connection.execute(sql).fetchall(), 5)
        for name, sql in queries.items()
    }


def projection_effect(build_dir: Path) -> tuple[float, float]:
    """A filtered page sorted by one column: from the sorted projection, and
    by sorting the table (median ms of each)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allmende.config.settings")
    from allmende.catalog import engine

    table = engine.Resource.open(build_dir)
    filters = [engine.Filter("Stadt", "eq", "München")]
    sort = [engine.Sort("Beitrag", True)]

    def page(projections: bool) -> Any:
        return engine.query(
            table,
            engine.Query(filters=filters, sort=sort, limit=50, projections=projections),
        )

    page(True)
    table.wait_for_projections()
    with_projection = median_ms(lambda: page(True))
    without = median_ms(lambda: page(False))
    table.close()
    return with_projection, without


def start_store() -> tuple[Any, str]:
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the local test server
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    return moto, endpoint


def reuse(root: Path) -> None:
    """Parts 3 and 4 on the build an earlier run left in ``root``."""
    import boto3

    build = next((root / "a" / "tables").glob("resource-*/v1/v-*"))
    moto, endpoint = start_store()
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the local test server
        region_name="us-east-1",
    )
    key = "reuse/data.parquet"
    client.upload_file(str(build / "data.parquet"), BUCKET, key)
    started = time.perf_counter()
    client.download_file(BUCKET, key, str(root / "fetched.parquet"))
    seconds = time.perf_counter() - started
    size = (build / "data.parquet").stat().st_size / 1e6
    print(f"Fetching {size:.0f} MB from the store: {seconds:.2f} s "
          f"({size / seconds:.0f} MB/s)")  # fmt: skip
    over_store = parquet_over_fsspec(endpoint, key)
    table = build.parent.parent.parent.parent.parent / "b" / "tables"
    cached = next(table.glob("resource-*/v1/v-*"))
    local = cached_queries(cached)
    print("\n| Query (in process, median) | DuckDB over Parquet in the store "
          "(fsspec) | node's cached table |"
          "\n|---|---:|---:|")  # fmt: skip
    for name, ms in over_store.items():
        print(f"| {name} | {fmt(ms)} | {fmt(local[name])} |")
    with_projection, without = projection_effect(cached)
    print(f"\nFiltered page sorted by one column on the cached build: "
          f"{fmt(with_projection)} from the sorted projection, "
          f"{fmt(without)} sorting the table.")  # fmt: skip
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}")
    moto.stop()


def cached_queries(build_dir: Path) -> dict[str, float]:
    """The same queries as :func:`parquet_over_fsspec` through the engine on
    the node's cached table."""
    from allmende.catalog import engine

    table = engine.Resource.open(build_dir)
    city = [engine.Filter("Stadt", "eq", "München")]
    queries = {
        QUERIES[0]: lambda: engine.query(
            table, filters=city, sort=[engine.Sort("Beitrag", True)], limit=50
        ),
        QUERIES[2]: lambda: engine.query(table, filters=city, count=True, limit=1),
        QUERIES[3]: lambda: engine.query(table, facets=["Kategorie"], limit=1),
        QUERIES[6]: lambda: engine.query(table, limit=50),
    }
    for action in queries.values():
        action()
    table.wait_for_projections()
    return {name: median_ms(action) for name, action in queries.items()}


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child-load", default="")
    parser.add_argument(
        "--reuse",
        default="",
        help="only parts 3 and 4, on the build of an earlier run's folder",
    )
    args = parser.parse_args()
    if args.child_load:
        child_load(args.child_load)
        return
    if args.reuse:
        reuse(Path(args.reuse))
        return
    csv_path = OUT / f"data_{args.rows}.csv"
    if not csv_path.exists():
        from datagen import generate

        OUT.mkdir(exist_ok=True)
        generate(csv_path, args.rows)
    size = csv_path.stat().st_size / 1e6
    print(f"{csv_path.name}: {size:.0f} MB, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip

    import boto3
    from moto.server import ThreadedMotoServer

    moto_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port)
    moto.start()
    endpoint = f"http://127.0.0.1:{moto_port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 - the local test server
        region_name="us-east-1",
    ).create_bucket(Bucket=BUCKET)
    s3 = s3_environment(endpoint)
    root = Path(tempfile.mkdtemp(prefix="allmende-scale-out-"))
    local_dir, node_a, node_b = root / "local", root / "a", root / "b"
    shared_db = {"DATABASE_URL": f"sqlite:///{root / 'shared.sqlite3'}"}
    servers: list[subprocess.Popen[bytes]] = []
    try:
        local = load(csv_path, {"ALLMENDE_DATA_DIR": str(local_dir)})
        remote = load(
            csv_path,
            {
                "ALLMENDE_DATA_DIR": str(node_a),
                "ALLMENDE_TABLE_CACHE_DIR": str(node_a / "tables"),
                **s3,
                **shared_db,
            },
        )
        print("\n| Ingest of the CSV (upload + load) | local data folder "
              "| object store | store ÷ local |\n|---|---:|---:|---:|")  # fmt: skip
        print(
            f"| through the services | {local['seconds']:.1f} s "
            f"| {remote['seconds']:.1f} s "
            f"| {remote['seconds'] / local['seconds']:.2f}× |"
        )

        port_local, port_b = free_port(), free_port()
        servers.append(node(local_dir, port_local, {}))
        servers.append(
            node(
                node_b,
                port_b,
                {"ALLMENDE_TABLE_CACHE_DIR": str(node_b / "tables"), **s3, **shared_db},
            )
        )
        wait_for(f"http://127.0.0.1:{port_local}/-/health")
        wait_for(f"http://127.0.0.1:{port_b}/-/health")
        path = "/api/catalog/resources/{}/rows"
        base_b = f"http://127.0.0.1:{port_b}{path.format(remote['resource_id'])}"
        base_local = f"http://127.0.0.1:{port_local}{path.format(local['resource_id'])}"
        cold_b = first_page_ms(base_b)
        cold_local: dict[str, float] = {}
        single = allmende_queries(base_local, local_dir, cold_local)
        cold_second: dict[str, float] = {}
        second = allmende_queries(base_b, node_b, cold_second)
        print(f"\nFirst page on node B, which never saw the dataset (fetches "
              f"the build from the store): {fmt(cold_b)}")  # fmt: skip
        print("\n| Query (HTTP, median of 20) | single node, local folder "
              "| node B, from the store | B ÷ single |"
              "\n|---|---:|---:|---:|")  # fmt: skip
        for name in QUERIES:
            print(f"| {name} | {fmt(single[name])} | {fmt(second[name])} "
                  f"| {second[name] / single[name]:.2f}× |")  # fmt: skip
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()

    key = f"tables/resource-{remote['resource_id']}/v1/{remote['build']}/data.parquet"
    over_store = parquet_over_fsspec(endpoint, key)
    print("\n| Query (in process, median) | DuckDB over Parquet in the store "
          "(fsspec) | node's cached table (HTTP, above) |"
          "\n|---|---:|---:|")  # fmt: skip
    for name, ms in over_store.items():
        print(f"| {name} | {fmt(ms)} | {fmt(second[name])} |")

    build_dir = node_b / "tables" / f"resource-{remote['resource_id']}" / "v1"
    with_projection, without = projection_effect(
        next(p for p in build_dir.iterdir() if p.name.startswith("v-"))
    )
    print(f"\nFiltered page sorted by one column on the cached build: "
          f"{fmt(with_projection)} from the sorted projection, "
          f"{fmt(without)} sorting the table.")  # fmt: skip
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}")
    moto.stop()


if __name__ == "__main__":
    main()
