"""Sorted projections answer single-key sorts exactly like sorting the table."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from allmende.catalog.engine import Filter, Resource, Sort, ingest, query, storage
from allmende.catalog.engine import projection as projection_module
from allmende.catalog.engine.query import Query

ROWS = 3000
CITIES = ["Köln", "München", "Jena", "Görlitz", "Bonn", "Aachen"]


@pytest.fixture(autouse=True)
def _projections_for_small_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projection_module, "MIN_ROWS", 0)


def _write_source(path: Path) -> None:
    rng = random.Random(11)  # noqa: S311 - reproducible test data
    lines = ["Stadt;Stufe;Aktiv;Anzahl;Betrag;Datum;Name"]
    for i in range(1, ROWS + 1):
        city = "" if i % 23 == 0 else rng.choice(CITIES)
        level = "" if i % 31 == 0 else str(rng.randrange(1, 6))
        active = rng.choice(["ja", "nein", ""])
        count = "" if i % 7 == 0 else str(rng.randrange(0, 40))  # many ties
        amount = "" if i % 11 == 0 else f"{rng.randrange(-900, 900)},{i % 100:02d}"
        day = "" if i % 13 == 0 else f"{1 + i % 28:02d}.{1 + i % 12:02d}.2024"
        name = "" if i % 17 == 0 else f"Verein {rng.randrange(0, 10**6):06d}"
        lines.append(f"{city};{level};{active};{count};{amount};{day};{name}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def resource_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("projection")
    _write_source(base / "data.csv")
    result = ingest(base / "data.csv", base / "res")
    facets = {c.name for c in result.columns if c.facet}
    assert {"Stadt", "Stufe", "Aktiv"} <= facets
    assert "Name" not in facets
    return base / "res"


def _projection_files(resource: Resource) -> list[Path]:
    folder = resource.paths.version_dir / projection_module.DIRECTORY
    return sorted(folder.glob("*.duckdb")) if folder.exists() else []


def _hold_builds(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make projection builds wait until the returned event is set."""
    release = threading.Event()
    real_build = projection_module.build

    def slow_build(*args: Any, **kwargs: Any) -> bool:
        assert release.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(projection_module, "build", slow_build)
    return release


def _page(resource: Resource, use: bool, **kwargs: Any) -> dict[str, Any]:
    page = query(resource, Query(projections=use, **kwargs))
    if use and resource.wait_for_projections():
        # The first request started a build and was answered from the
        # table; ask again so that the projection answers.
        return query(resource, Query(projections=use, **kwargs))
    return page


def _walk(resource: Resource, use: bool, **kwargs: Any) -> list[dict[str, Any]]:
    pages = []
    token = None
    for _ in range(ROWS + 2):
        page = _page(resource, use, after=token, **kwargs)
        pages.append(page)
        token = page["next"]
        if token is None:
            return pages
    raise AssertionError("the walk did not end")


SORT_COLUMNS = ["Betrag", "Anzahl", "Datum", "Name", "Stadt", "Stufe", "Aktiv"]


def _filter_choices(rng: random.Random, sort_column: str) -> list[Filter]:
    options = [
        Filter("Stadt", "eq", "München"),
        Filter("Stadt", "ne", "Köln"),
        Filter("Stadt", "in", ["Jena", "Bonn", "Nirgendwo"]),
        Filter("Stadt", "isnull"),
        Filter("Stadt", "notnull"),
        Filter("Stufe", "lt", "3"),
        Filter("Stufe", "gte", "4"),
        Filter("Stufe", "isnull"),
        Filter("Aktiv", "eq", "true"),
        Filter("Aktiv", "isnull"),
        Filter(sort_column, "isnull"),
        Filter(sort_column, "notnull"),
    ]
    return rng.sample(options, rng.choice([0, 1, 1, 2, 3]))


def _combinations() -> list[tuple[str, bool, list[Filter], int]]:
    # Page sizes: the smallest is far below every run of equal values (ties),
    # so pages break inside them; a walk at that size takes hundreds of pages.
    rng = random.Random(5)  # noqa: S311 - reproducible choice of cases
    cases = []
    for column in SORT_COLUMNS:
        for descending in (False, True):
            for _ in range(4):
                filters = _filter_choices(rng, column)
                cases.append((column, descending, filters, rng.choice([7, 29, 250])))
    return cases


@pytest.mark.parametrize(("column", "descending", "filters", "limit"), _combinations())
def test_walk_with_projection_equals_sorting_the_table(
    resource_dir: Path,
    column: str,
    descending: bool,
    filters: list[Filter],
    limit: int,
) -> None:
    resource = Resource.open(resource_dir)
    sort = [Sort(column, descending)]
    expected = _walk(resource, False, filters=filters, sort=sort, limit=limit)
    got = _walk(resource, True, filters=filters, sort=sort, limit=limit)
    # The same rows in the same order, and the same tokens on every page.
    assert got == expected
    expected_ids = [r["_row"] for page in expected for r in page["rows"]]
    assert len(expected_ids) == len(set(expected_ids))
    name = projection_module.file_name(column, descending)
    assert name in {p.name for p in _projection_files(resource)}


def test_offsets_and_tokens_are_interchangeable_between_the_paths(
    resource_dir: Path,
) -> None:
    resource = Resource.open(resource_dir)
    rng = random.Random(8)  # noqa: S311 - reproducible choice of cases
    for column in ("Betrag", "Anzahl", "Name"):
        for descending in (False, True):
            sort = [Sort(column, descending)]
            filters = [Filter("Stufe", "gte", "2")]
            for offset in (0, 1, 49, 1000, rng.randrange(0, ROWS), ROWS):
                kwargs: dict[str, Any] = {
                    "filters": filters,
                    "sort": sort,
                    "limit": 40,
                    "offset": offset,
                }
                assert _page(resource, True, **kwargs) == _page(
                    resource, False, **kwargs
                )
            first = _page(resource, False, filters=filters, sort=sort, limit=300)
            second = _page(resource, True, filters=filters, sort=sort, limit=300)
            for token in (first["next"], second["next"]):
                assert token is not None
                for offset in (0, 7):
                    kwargs = {
                        "filters": filters,
                        "sort": sort,
                        "limit": 60,
                        "after": token,
                        "offset": offset,
                    }
                    assert _page(resource, True, **kwargs) == _page(
                        resource, False, **kwargs
                    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filters": [Filter("Stadt", "contains", "ün")]},
        {"q": "verein"},
        {"sort": [Sort("Betrag"), Sort("Anzahl", descending=True)]},
        {"sort": []},
    ],
)
def test_other_queries_take_the_general_path(
    tmp_path: Path, kwargs: dict[str, Any]
) -> None:
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    options = {"sort": [Sort("Betrag")], "limit": 20, **kwargs}
    assert _page(resource, True, **options) == _page(resource, False, **options)
    assert _projection_files(resource) == []


@pytest.mark.parametrize("budget", [0.0, 1000.0])
def test_wide_and_narrow_projections_answer_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: float
) -> None:
    """A wide projection (every column) holds the page itself; a narrow one,
    built once the wide ones use up their disk budget, only finds it."""
    monkeypatch.setattr(projection_module, "WIDE_BUDGET", budget)
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    cases: list[dict[str, Any]] = [
        {"filters": [Filter("Stadt", "eq", "München")]},
        {"filters": [Filter("Aktiv", "eq", "true")], "fields": ["Name", "Betrag"]},
        {"filters": [Filter("Name", "gte", "Verein 5")]},
    ]
    for case in cases:
        for descending in (False, True):
            options = {"sort": [Sort("Betrag", descending)], "limit": 37, **case}
            assert _walk(resource, True, **options) == _walk(resource, False, **options)
    files = _projection_files(resource)
    assert [p.name for p in files] == sorted(
        projection_module.file_name("Betrag", d) for d in (False, True)
    )
    all_columns = ["_row", "Stadt", "Stufe", "Aktiv", "Anzahl", "Betrag", "Datum"]
    held = resource.projection_columns("Betrag", False)  # read from the file
    if budget:
        assert held == [*all_columns, "Name"]
    else:
        # _row, the sort column and the facet columns (not the names).
        facets = [c.name for c in resource.columns if c.facet and c.name != "Betrag"]
        assert held == ["_row", "Betrag", *facets]
        assert "Stadt" in facets
        assert "Name" not in facets


def test_narrow_projections_leave_other_filters_to_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection_module, "WIDE_BUDGET", 0.0)
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    options: dict[str, Any] = {
        "filters": [Filter("Name", "eq", "Verein 000001")],
        "sort": [Sort("Betrag")],
        "limit": 20,
    }
    assert _page(resource, True, **options) == _page(resource, False, **options)
    assert _projection_files(resource) == []


def test_a_build_removes_what_a_dead_build_left(tmp_path: Path) -> None:
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    target = projection_module.file_name("Betrag", False)
    folder = resource.paths.version_dir / projection_module.DIRECTORY
    dead = folder / f".tmp-{Path(target).stem}-0123"
    (dead / "spill").mkdir(parents=True)
    (dead / "projection.duckdb").write_bytes(b"half written")
    other = folder / ".tmp-of-another-projection"
    other.mkdir()
    _page(resource, True, sort=[Sort("Betrag")], limit=10)
    assert [p.name for p in _projection_files(resource)] == [target]
    assert not dead.exists()
    assert other.exists()  # may be another build, still running


def test_builds_run_one_at_a_time_and_share_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Room for one wide projection: the others started with it are narrow.
    monkeypatch.setattr(projection_module, "WIDE_BUDGET", 1e-9)
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    running: list[int] = []
    overlapped: list[bool] = []
    real_build = projection_module.build

    def watched_build(*args: Any, **kwargs: Any) -> bool:
        running.append(1)
        try:
            time.sleep(0.2)  # long enough for builds to overlap if they could
            overlapped.append(len(running) > 1)
            return real_build(*args, **kwargs)
        finally:
            running.pop()

    monkeypatch.setattr(projection_module, "build", watched_build)
    sorts = [("Betrag", False), ("Anzahl", True), ("Datum", False)]
    for column, descending in sorts:  # each starts a build and returns at once
        query(resource, Query(sort=[Sort(column, descending)], limit=5))
    assert resource.wait_for_projections()
    assert overlapped == [False, False, False]
    kinds = [len(resource.projection_columns(c, d)) for c, d in sorts]
    wide = len(resource.columns) + 1
    assert sorted(kinds)[-1] == wide
    assert kinds.count(wide) == 1


def test_closing_waits_for_a_build_and_keeps_no_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    release = _hold_builds(monkeypatch)
    resource = Resource(storage.current_paths(tmp_path / "res"))
    query(resource, Query(sort=[Sort("Betrag")], limit=5))
    closer = threading.Thread(target=resource.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive()  # waits for the build
    release.set()
    closer.join(30)
    assert not closer.is_alive()
    assert resource._projections == {}
    # The file was finished, for the next process to use.
    assert [p.name for p in _projection_files(resource)] == [
        projection_module.file_name("Betrag", False)
    ]
    assert resource.projection_cursor("Betrag", False) is None  # closed


def test_small_tables_are_sorted_without_a_projection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection_module, "MIN_ROWS", ROWS + 1)
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    page = query(resource, sort=[Sort("Betrag")], limit=5)
    assert len(page["rows"]) == 5
    assert _projection_files(resource) == []


@pytest.mark.parametrize("error", [OSError("disk full"), RuntimeError("unexpected")])
def test_a_failed_build_falls_back_to_sorting_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def fail(*args: object, **kwargs: object) -> bool:
        raise error

    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    monkeypatch.setattr(projection_module, "build", fail)
    resource = Resource.open(tmp_path / "res")
    options: dict[str, Any] = {"sort": [Sort("Betrag", True)], "limit": 30}
    assert _page(resource, True, **options) == _page(resource, False, **options)
    assert not resource.wait_for_projections()  # nothing left running
    assert resource.projection_cursor("Betrag", True) is None
    assert _projection_files(resource) == []


def test_requests_do_not_wait_for_a_projection_being_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    release = _hold_builds(monkeypatch)
    resource = Resource.open(tmp_path / "res")
    options: dict[str, Any] = {"sort": [Sort("Betrag", True)], "limit": 25}
    expected = query(resource, Query(projections=False, **options))
    # While the build is held up, pages come from the table, at once.
    for _ in range(3):
        assert query(resource, Query(**options)) == expected
    assert _projection_files(resource) == []
    release.set()
    assert resource.wait_for_projections(30)
    assert [p.name for p in _projection_files(resource)] == [
        projection_module.file_name("Betrag", True)
    ]
    assert resource.projection_cursor("Betrag", True) is not None
    assert query(resource, Query(**options)) == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_concurrent_first_requests_build_one_projection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    _write_source(tmp_path / "data.csv")
    ingest(tmp_path / "data.csv", tmp_path / "res")
    built: list[bool] = []
    real_build = projection_module.build

    def counting_build(*args: Any, **kwargs: Any) -> bool:
        wrote = real_build(*args, **kwargs)
        built.append(wrote)
        return wrote

    monkeypatch.setattr(projection_module, "build", counting_build)
    options: dict[str, Any] = {
        "filters": [Filter("Stadt", "eq", "München")],
        "sort": [Sort("Betrag", True)],
        "limit": 50,
    }
    # Two threads of one process share a Resource; a second Resource of the
    # same version stands for another worker process (its own lock and cache,
    # so only the file lock keeps the two builds apart).
    shared = Resource.open(tmp_path / "res")
    resources = [shared, shared]
    if workers == 2:
        resources[1] = Resource(storage.current_paths(tmp_path / "res"))
    barrier = threading.Barrier(2)
    results: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def first_page(resource: Resource) -> None:
        try:
            barrier.wait()
            results.append(_page(resource, True, **options))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    try:
        threads = [threading.Thread(target=first_page, args=(r,)) for r in resources]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        if workers == 2:
            resources[1].close()
    assert failures == []
    expected = _page(shared, False, **options)
    assert len(expected["rows"]) == 50
    assert results == [expected, expected]
    assert built.count(True) == 1
    assert built.count(False) == workers - 1
    assert [p.name for p in _projection_files(shared)] == [
        projection_module.file_name("Betrag", True)
    ]
    folder = shared.paths.version_dir / projection_module.DIRECTORY
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]


def test_projection_over_several_row_groups_matches_sorting_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More rows than the default threshold and several of DuckDB's row groups
    # (122,880 rows), read by parallel scans that must keep the stored order.
    monkeypatch.setattr(projection_module, "MIN_ROWS", 100_000)
    rng = random.Random(2)  # noqa: S311 - reproducible test data
    lines = ["Stadt;Stufe;Betrag;Anzahl"]
    for i in range(300_000):
        amount = "" if i % 9 == 0 else str(rng.randrange(0, 5000))
        lines.append(f"{CITIES[i % 6]};{i % 4};{amount};{rng.randrange(0, 50)}")
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(tmp_path / "big.csv", tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    for sort in ([Sort("Betrag", True)], [Sort("Betrag")], [Sort("Anzahl", True)]):
        for filters in (
            [],
            [Filter("Stadt", "eq", "Jena")],
            [Filter("Stadt", "in", ["Bonn", "Köln"]), Filter("Stufe", "gt", "1")],
            [Filter("Betrag", "isnull")],
        ):
            options: dict[str, Any] = {"filters": filters, "sort": sort}
            token: str | None = None
            for limit in (1000, 1000, 1000, 500):
                got = _page(resource, True, after=token, limit=limit, **options)
                expected = _page(resource, False, after=token, limit=limit, **options)
                assert got == expected
                token = got["next"]
            deep = {"limit": 300, "offset": 80_000 if not filters else 20_000}
            assert _page(resource, True, **deep, **options) == _page(
                resource, False, **deep, **options
            )
    assert len(_projection_files(resource)) == 3
