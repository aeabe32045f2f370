from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from allmende.catalog.engine import Resource, SqlLimits, errors, ingest, run_sql


@pytest.fixture(scope="module")
def resource_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sql")
    lines = ["id;name;wert"] + [f"{i};Name {i};{i},5" for i in range(1, 3001)]
    source = base / "data.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(source, base / "res")
    return base / "res"


@pytest.fixture
def resource(resource_dir: Path) -> Resource:
    return Resource.open(resource_dir)


def test_select_over_data_returns_json_ready_rows(resource: Resource) -> None:
    result = run_sql(resource, "SELECT id, wert FROM data WHERE id <= 2 ORDER BY id")
    assert result.columns == ["id", "wert"]
    assert result.rows == [[1, 1.5], [2, 2.5]]
    assert not result.truncated


def test_result_rows_are_capped(resource: Resource) -> None:
    result = run_sql(resource, "SELECT * FROM data", limits=SqlLimits(max_rows=10))
    assert len(result.rows) == 10
    assert result.truncated


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/*')",
        "SELECT * FROM read_parquet('data.parquet')",
        "SELECT * FROM 'https://example.org/data.csv'",
    ],
)
def test_file_and_network_access_is_refused(resource: Resource, sql: str) -> None:
    with pytest.raises(errors.SqlForbiddenAccessError) as caught:
        run_sql(resource, sql)
    assert "not allowed" in caught.value.user_message


@pytest.mark.parametrize(
    "sql",
    [
        "COPY data TO '/tmp/out.csv'",
        "ATTACH '/tmp/other.db' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "PRAGMA database_list",
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "DELETE FROM data",
        "UPDATE data SET id = 0",
        "INSERT INTO data SELECT * FROM data",
        "CREATE TABLE x AS SELECT 1",
        "DROP VIEW data",
        "EXPORT DATABASE '/tmp/dump'",
        "CALL pragma_version()",
        "DETACH data",
        "EXPLAIN SELECT 1",
    ],
)
def test_statements_other_than_select_are_refused(resource: Resource, sql: str) -> None:
    with pytest.raises(errors.SqlNotAllowedError):
        run_sql(resource, sql)


def test_file_name_as_table_is_not_scanned(resource: Resource) -> None:
    with pytest.raises(errors.SqlError) as caught:
        run_sql(resource, "SELECT * FROM '/etc/passwd'")
    assert "root:" not in caught.value.user_message


def test_multiple_statements_are_refused(resource: Resource) -> None:
    with pytest.raises(errors.SqlNotAllowedError) as caught:
        run_sql(resource, "SELECT 1; DROP VIEW data")
    assert "exactly one" in caught.value.user_message


def test_settings_cannot_be_changed_from_inside_a_select(resource: Resource) -> None:
    with pytest.raises(errors.SqlError):
        run_sql(resource, "SELECT * FROM (SET threads = 8)")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM duckdb_databases()",
        "SELECT * FROM duckdb_settings()",
        "SELECT current_setting('temp_directory')",
        "SELECT upper(current_setting('home_directory'))",
        "SELECT 'extension_directory'.current_setting()",
        "SELECT * FROM duckdb_databases",
        "SELECT * FROM system.main.duckdb_settings()",
        "SELECT * FROM pragma_database_list",
        "SELECT * FROM pragma_storage_info('rows')",
        "SELECT * FROM pg_catalog.pg_settings",
        "SELECT * FROM information_schema.schemata",
        "SELECT * FROM query('SELECT * FROM duckdb_settings()')",
        "SELECT * FROM query_table('data')",
        "SELECT getvariable('x')",
        "SELECT (SELECT path FROM duckdb_databases() LIMIT 1) FROM data",
        "WITH s AS (SELECT * FROM duckdb_settings()) SELECT * FROM s",
        "SELECT * FROM data WHERE id IN (SELECT 1 FROM duckdb_temporary_files())",
    ],
)
def test_server_catalog_settings_and_paths_are_refused(
    resource: Resource, sql: str
) -> None:
    with pytest.raises(errors.SqlForbiddenAccessError):
        run_sql(resource, sql)


def test_value_generating_table_functions_still_work(resource: Resource) -> None:
    assert run_sql(resource, "SELECT count(*) FROM range(5)").rows == [[5]]
    assert run_sql(resource, "SELECT * FROM unnest([1, 2])").rows == [[1], [2]]
    sql = "SELECT count(*) FROM data, generate_series(1, 2)"
    assert run_sql(resource, sql).rows == [[6000]]


def test_empty_and_unparsable_sql_is_refused(resource: Resource) -> None:
    with pytest.raises(errors.SqlSyntaxError):
        run_sql(resource, "  ;  ")
    with pytest.raises(errors.SqlSyntaxError):
        run_sql(resource, "SELEKT * FROM data")


def test_cross_join_is_stopped_by_the_time_limit(resource: Resource) -> None:
    sql = (
        "SELECT count(*) FROM data a, data b, data c "
        "WHERE hash(a.id * 31 + b.id * 17 + c.id) % 1000 = 7"
    )
    started = time.monotonic()
    with pytest.raises(errors.SqlTimeoutError) as caught:
        run_sql(resource, sql, limits=SqlLimits(timeout_seconds=0.5))
    assert time.monotonic() - started < 5
    assert "0.5 seconds" in caught.value.user_message
    # The process stays responsive: a normal query works right away.
    assert run_sql(resource, "SELECT count(*) FROM data").rows == [[3000]]


def test_timeout_in_one_thread_leaves_other_queries_working(resource: Resource) -> None:
    outcome: list[BaseException] = []

    def heavy() -> None:
        try:
            run_sql(
                resource,
                "SELECT count(*) FROM data a, data b, data c "
                "WHERE hash(a.id + b.id * c.id) % 997 = 1",
                limits=SqlLimits(timeout_seconds=1.0),
            )
        except errors.SqlError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=heavy)
    worker.start()
    assert run_sql(resource, "SELECT max(id) FROM data").rows == [[3000]]
    worker.join(10)
    assert outcome and isinstance(outcome[0], errors.SqlTimeoutError)


@pytest.mark.parametrize("depth", [600, 990])
def test_deeply_nested_sql_is_refused_with_a_message(
    resource: Resource, depth: int
) -> None:
    sql = "SELECT " + "abs(" * depth + "1" + ")" * depth
    with pytest.raises(errors.SqlSyntaxError):
        run_sql(resource, sql)
