from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from allmende.catalog.engine import (
    Filter,
    Resource,
    Sort,
    errors,
    ingest,
    parse_params,
    query,
    run_sql,
)


@pytest.fixture(scope="module")
def resource_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("query")
    rng = random.Random(3)  # noqa: S311 - reproducible test data
    cities = ["Köln", "München", "Jena", "Görlitz", "Bonn"]
    lines = ["Stadt;Anzahl;Betrag;Datum;Notiz"]
    for i in range(1, 2001):
        amount = "" if i % 17 == 0 else str(rng.randrange(0, 50))
        note = "Sommerfest im Park" if i % 100 == 0 else f"Eintrag {i}"
        lines.append(
            f"{cities[i % 5]};{amount};{rng.randrange(-500, 500)},{i % 100:02d};"
            f"{1 + i % 28:02d}.{1 + i % 12:02d}.2024;{note}"
        )
    source = base / "data.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(source, base / "res")
    return base / "res"


@pytest.fixture
def resource(resource_dir: Path) -> Resource:
    return Resource.open(resource_dir)


def _walk(resource: Resource, **kwargs: object) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    token = None
    for _ in range(1000):
        page = query(resource, after=token, **kwargs)  # type: ignore[arg-type]
        seen.extend(page["rows"])
        token = page["next"]
        if token is None:
            break
    return seen


def test_plain_first_page_is_in_file_order(resource: Resource) -> None:
    page = query(resource, limit=3)
    assert [r["_row"] for r in page["rows"]] == [2, 3, 4]
    assert page["next"]


@pytest.mark.parametrize(
    "sort",
    [
        [],
        [Sort("Anzahl")],
        [Sort("Anzahl", descending=True)],
        [Sort("Stadt"), Sort("Betrag", descending=True)],
        [Sort("Datum", descending=True), Sort("Anzahl")],
    ],
)
def test_keyset_walk_visits_every_row_once_in_order(
    resource: Resource, sort: list[Sort]
) -> None:
    rows = _walk(resource, sort=sort, limit=37)
    ids = [r["_row"] for r in rows]
    assert len(ids) == 2000
    assert len(set(ids)) == 2000
    if sort:
        key = sort[0]
        values = [r[key.column] for r in rows]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=key.descending)
        assert all(v is None for v in values[len(present) :])  # NULLs last


@pytest.mark.parametrize(
    "sort", [[], [Sort("Anzahl", descending=True)], [Sort("Stadt"), Sort("Betrag")]]
)
@pytest.mark.parametrize("filters", [[Filter("Stadt", "ne", "Jena")], []])
def test_offset_pages_match_the_keyset_walk(
    resource: Resource, sort: list[Sort], filters: list[Filter]
) -> None:
    walked = [r["_row"] for r in _walk(resource, filters=filters, sort=sort, limit=97)]
    paged: list[object] = []
    for offset in range(0, len(walked) + 97, 97):
        page = query(resource, filters=filters, sort=sort, limit=97, offset=offset)
        paged.extend(r["_row"] for r in page["rows"])
    assert paged == walked


def test_keyset_walk_with_filter_matches_count(resource: Resource) -> None:
    filters = [Filter("Stadt", "eq", "Köln"), Filter("Anzahl", "gte", 10)]
    rows = _walk(resource, filters=filters, sort=[Sort("Betrag")], limit=25)
    total = query(resource, filters=filters, count=True, limit=1)["count"]
    assert len(rows) == total
    assert all(r["Stadt"] == "Köln" and r["Anzahl"] >= 10 for r in rows)  # type: ignore[operator]


def test_filtered_pages_of_a_large_table_follow_the_file_order(
    tmp_path: Path,
) -> None:
    # Several row groups, scanned by two threads: each filtered page holds the
    # next matching rows in file order, and the walk visits each one once.
    source = tmp_path / "large.csv"
    filler = "x" * 120
    with source.open("w", encoding="utf-8") as handle:
        handle.write("nr;gruppe;text\n")
        for i in range(200_000):
            handle.write(f"{i};{'ab'[i % 7 == 0]};{filler}\n")
    ingest(source, tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    walked = _walk(resource, filters=[Filter("gruppe", "eq", "b")], limit=1000)
    assert [r["nr"] for r in walked] == list(range(0, 200_000, 7))
    assert [r["_row"] for r in walked] == [nr + 2 for nr in range(0, 200_000, 7)]
    page = query(resource, filters=[Filter("gruppe", "eq", "b")], offset=7000, limit=5)
    assert [r["nr"] for r in page["rows"]] == [49_000, 49_007, 49_014, 49_021, 49_028]


def test_filters_on_each_operator(resource: Resource) -> None:
    def total(*filters: Filter) -> int:
        return int(query(resource, filters=list(filters), count=True, limit=1)["count"])

    assert total() == 2000
    assert total(Filter("Stadt", "eq", "Jena")) == 400
    assert total(Filter("Stadt", "ne", "Jena")) == 1600
    assert total(Filter("Stadt", "in", ["Jena", "Bonn"])) == 800
    assert total(Filter("Anzahl", "isnull")) == 117
    assert total(Filter("Anzahl", "notnull")) == 1883
    assert total(Filter("Notiz", "contains", "SOMMERFEST")) == 20
    assert (
        total(Filter("Datum", "gte", "2024-12-01"), Filter("Datum", "lt", "2025-01-01"))
        > 0
    )
    assert (
        total(Filter("Anzahl", "lt", "10")) + total(Filter("Anzahl", "gte", 10)) == 1883
    )
    assert total(Filter("Betrag", "gt", "-1000")) == 2000


def test_field_selection_and_json_ready_values(resource: Resource) -> None:
    page = query(resource, fields=["Datum", "Betrag"], limit=1)
    row = page["rows"][0]
    assert list(row) == ["_row", "Datum", "Betrag"]
    assert isinstance(row["Datum"], str)
    assert isinstance(row["Betrag"], float)


def test_full_text_search_matches_all_terms_case_insensitively(
    resource: Resource,
) -> None:
    page = query(resource, q="sommerFEST köln", count=True, limit=100)
    assert page["count"] == 20  # every 100th row, all of them in Köln
    assert all("Sommerfest" in str(r["Notiz"]) for r in page["rows"])
    assert query(resource, q="sommerfest jena", count=True)["count"] == 0


def test_facets_with_and_without_filters(resource: Resource) -> None:
    page = query(resource, facets=["Stadt"], limit=1)
    assert sorted(f["value"] for f in page["facets"]["Stadt"]) == sorted(
        ["Köln", "München", "Jena", "Görlitz", "Bonn"]
    )
    assert all(f["count"] == 400 for f in page["facets"]["Stadt"])
    filtered = query(
        resource, filters=[Filter("Stadt", "eq", "Bonn")], facets=["Stadt"], limit=1
    )
    assert filtered["facets"]["Stadt"] == [{"value": "Bonn", "count": 400}]


def test_query_string_parameters_are_parsed(resource: Resource) -> None:
    request = parse_params(
        {
            "Stadt__in": "Jena,Bonn",
            "Anzahl__gt": "5",
            "_sort": "-Betrag",
            "_size": "5",
            "_count": "1",
            "_facet": "Stadt",
        }
    )
    page = query(resource, request)
    assert len(page["rows"]) == 5
    assert page["count"] > 0
    betrag = [r["Betrag"] for r in page["rows"]]
    assert betrag == sorted(betrag, reverse=True)  # type: ignore[type-var]


@pytest.mark.parametrize(
    "column",
    [
        "Stadt\" = 'x' OR 1=1 --",
        "Stadt; DROP TABLE rows",
        "_search",
        "rowid",
        "Stadt) OR (1=1",
    ],
)
def test_unknown_or_malicious_column_names_are_refused(
    resource: Resource, column: str
) -> None:
    with pytest.raises(errors.UnknownColumnError):
        query(resource, filters=[Filter(column, "eq", "x")])
    with pytest.raises(errors.UnknownColumnError):
        query(resource, sort=[Sort(column)])
    with pytest.raises(errors.UnknownColumnError):
        query(resource, fields=[column])
    with pytest.raises(errors.UnknownColumnError):
        query(resource, facets=[column])


def test_malicious_values_are_only_ever_parameters(resource: Resource) -> None:
    page = query(
        resource,
        filters=[Filter("Stadt", "eq", "x' OR '1'='1")],
        count=True,
    )
    assert page["count"] == 0
    page = query(resource, q="') OR 1=1 --", count=True)
    assert page["count"] == 0
    with pytest.raises(errors.QueryError):
        query(resource, filters=[Filter("Stadt", "like'--", "x")])


def test_values_of_the_wrong_type_are_refused(resource: Resource) -> None:
    with pytest.raises(errors.BadFilterError):
        query(resource, filters=[Filter("Anzahl", "eq", "1 OR 1=1")])
    with pytest.raises(errors.BadFilterError):
        query(resource, filters=[Filter("Datum", "gt", "gestern")])


def test_tampered_or_foreign_page_token_is_refused(resource: Resource) -> None:
    token = query(resource, sort=[Sort("Anzahl")], limit=5)["next"]
    with pytest.raises(errors.BadPageTokenError):
        query(resource, sort=[Sort("Betrag")], after=token)
    with pytest.raises(errors.BadPageTokenError):
        query(resource, after="not-a-token!")


def test_page_size_limits(resource: Resource) -> None:
    with pytest.raises(errors.QueryError):
        query(resource, limit=0)
    with pytest.raises(errors.QueryError):
        query(resource, limit=100_000)


def test_missing_resource_is_reported(tmp_path: Path) -> None:
    with pytest.raises(errors.ResourceNotReadyError):
        Resource.open(tmp_path / "nothing")


@pytest.mark.parametrize(
    "item",
    [
        Filter("Stadt", "eq", "Jena"),
        Filter("Stadt", "eq", "Berlin"),
        Filter("Stadt", "in", ["Jena", "Bonn", "Jena", "Paris"]),
        Filter("Stadt", "in", []),
        Filter("Anzahl", "eq", "7"),
        Filter("Anzahl", "in", ["0", "49", "50"]),
        Filter("Anzahl", "isnull"),
        Filter("Notiz", "notnull"),
        Filter("Stadt", "ne", "Jena"),
        Filter("Betrag", "gt", "0"),
    ],
)
def test_single_filter_counts_match_a_full_count(
    resource: Resource, item: Filter
) -> None:
    # Single filters on facet columns and null checks are answered from the
    # counts stored at ingest; the sandbox counts the rows itself.
    column = f'"{item.column}"'
    conditions = {
        "eq": f"{column} = ?",
        "ne": f"{column} <> ?",
        "gt": f"{column} > ?",
        "isnull": f"{column} IS NULL",
        "notnull": f"{column} IS NOT NULL",
    }
    if item.op == "in":
        values = list(item.value) or ["-1"]
        kind = "BIGINT" if item.column == "Anzahl" else "VARCHAR"
        listed = ", ".join(f"CAST('{v}' AS {kind})" for v in values)
        condition = f"{column} IN ({listed})" if item.value else "FALSE"
    else:
        condition = conditions[item.op]
        if "?" in condition:
            kind = {"Anzahl": "BIGINT", "Betrag": "DOUBLE"}.get(item.column, "VARCHAR")
            condition = condition.replace("?", f"CAST('{item.value}' AS {kind})")
    assert resource.column("Stadt").facet and resource.column("Anzahl").facet
    expected = run_sql(resource, f"SELECT count(*) FROM data WHERE {condition}")  # noqa: S608
    page = query(resource, filters=[item], count=True, limit=1)
    assert page["count"] == expected.rows[0][0]


def test_unfiltered_pages_count_rows_after_a_preamble(tmp_path: Path) -> None:
    lines = ["Bericht 2024", "Stand: Januar", "Nr;Name"]
    lines += [f"{i};Name {i}" for i in range(1, 131)]
    source = tmp_path / "preamble.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(source, tmp_path / "res")
    resource = Resource.open(tmp_path / "res")
    first = query(resource, limit=2)
    assert [r["_row"] for r in first["rows"]] == [4, 5]
    assert [r["Nr"] for r in first["rows"]] == [1, 2]
    rows = _walk(resource, limit=50)
    assert [r["Nr"] for r in rows] == list(range(1, 131))
    assert query(resource, limit=130)["next"] is None


def test_nearly_unique_text_is_stored_without_a_dictionary(tmp_path: Path) -> None:
    lines = ["Kennung;Stadt;Wert"]
    lines += [f"K-{i:06d};{('Jena', 'Kiel')[i % 2]};{i}" for i in range(5000)]
    source = tmp_path / "unique.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest(source, tmp_path / "res")
    con = duckdb.connect(str(result.paths.database), read_only=True)
    try:
        stored = dict(
            con.execute(
                "SELECT DISTINCT column_name, compression "
                "FROM pragma_storage_info('rows') WHERE segment_type = 'VARCHAR'"
            ).fetchall()
        )
    finally:
        con.close()
    assert stored["Kennung"] == "Uncompressed"
    assert stored["Stadt"] != "Uncompressed"
    resource = Resource.open(tmp_path / "res")
    page = query(resource, filters=[Filter("Kennung", "eq", "K-004321")], limit=5)
    assert [r["Wert"] for r in page["rows"]] == [4321]
