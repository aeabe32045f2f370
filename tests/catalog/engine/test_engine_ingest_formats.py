from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import Load, rows_of, types_of

from allmende.catalog.engine import ColumnType, Filter, IngestOptions, Resource, query


def test_cp1252_file_with_umlauts_is_detected_and_decoded(load: Load) -> None:
    result = load("cp1252_umlauts.csv")
    assert result.encoding == "windows-1252"
    assert [c.name for c in result.columns][:2] == ["Ort", "Straße"]
    rows = rows_of(result)
    assert rows[0]["Ort"] == "Müllheim"
    assert rows[2]["Straße"] == "Große Burgstraße 2"
    assert types_of(result)["Einwohner"] == "integer"
    assert rows[0]["Einwohner"] == 18500
    assert rows[0]["Fläche km²"] == 57.9
    assert rows[0]["Gründung"] == "1810-01-01"


def test_file_mixing_utf8_and_cp1252_lines_is_repaired(load: Load) -> None:
    rows = rows_of(load("mixed_encoding.csv"))
    assert [r["Stadt"] for r in rows] == ["München", "Köln", "Düsseldorf"]
    assert rows[1]["Name"] == "Jörg"
    assert rows[2]["Name"] == "Zoë"


def test_utf8_bom_is_removed_from_first_header(load: Load) -> None:
    result = load("bom_utf8.csv")
    assert result.columns[0].name == "id"
    assert types_of(result) == {
        "id": "integer",
        "name": "text",
        "price": "decimal",
        "created": "date",
    }
    assert rows_of(result)[2]["price"] == 1234.5


def test_semicolon_file_with_german_numbers(load: Load) -> None:
    result = load("semicolon_decimal_comma.csv")
    assert result.delimiter == ";"
    types = types_of(result)
    assert types["Mitglieder"] == "integer"
    assert types["Beitrag"] == "decimal"
    rows = rows_of(result)
    assert rows[2]["Mitglieder"] == 1250
    assert rows[0]["Umsatz"] == 1234.56
    assert rows[1]["Umsatz"] == -987.1
    assert rows[2]["Umsatz"] == 12345678.9


def test_tab_and_pipe_delimiters_are_detected(load: Load) -> None:
    tab = load("tab_separated.tsv")
    assert tab.delimiter == "\t"
    assert types_of(tab) == {"Jahr": "integer", "Anzahl": "integer", "Quote": "decimal"}
    pipe = load("pipe_separated.csv")
    assert pipe.delimiter == "|"
    assert rows_of(pipe)[0]["c"] == 2.5


def test_preamble_rows_above_the_header_are_skipped(load: Load) -> None:
    result = load("preamble.csv")
    assert result.header_row == 4
    assert [c.name for c in result.columns] == [
        "Gemeinde",
        "Vereine",
        "Mitglieder",
        "Stand",
    ]
    rows = rows_of(result)
    assert rows[0]["_row"] == 5
    assert rows[0]["Gemeinde"] == "Aach"
    assert result.row_count == 2


def test_duplicate_and_empty_headers_become_unique_names(load: Load) -> None:
    result = load("headers_duplicate_empty.csv")
    assert [c.name for c in result.columns] == [
        "Name",
        "column_2",
        "Name_2",
        "Wert",
        "column_5",
        "wert_2",
    ]
    assert [c.original for c in result.columns][2] == "Name"


def test_null_markers_become_null(load: Load) -> None:
    result = load("null_markers.csv")
    types = types_of(result)
    assert types["Betrag"] == "decimal"
    assert types["Datum"] == "date"
    rows = rows_of(result)
    assert [r["Betrag"] for r in rows] == [10.5, None, None, None, 7.25]
    assert [r["Bemerkung"] for r in rows] == [None, None, None, None, "gut"]
    assert [r["Datum"] for r in rows] == ["2024-02-01", None, None, None, "2024-04-03"]
    betrag = next(c for c in result.columns if c.name == "Betrag")
    assert betrag.null_count == 3


def test_null_markers_match_in_any_case_and_with_blanks(
    load: Load, tmp_path: Path
) -> None:
    path = tmp_path / "markers.csv"
    path.write_text(
        "Nr;Betrag;Bemerkung\n"
        "1;10,5;nUlL\n"
        "2; k.a. ;  K. A.\n"
        "3;N/a;#N/A\n"
        "4;7,25;nullig\n"
        "5;8;-\n"
        "6;\u00a0n/a;\u00a0NULL\n",
        encoding="utf-8",
    )
    result = load(path)
    assert types_of(result)["Betrag"] == "decimal"
    rows = rows_of(result)
    assert [r["Betrag"] for r in rows] == [10.5, None, None, 7.25, 8.0, None]
    # Only whole cells are markers: "nullig" is a word.  A no-break space
    # counts as a blank.
    assert [r["Bemerkung"] for r in rows] == [None, None, None, "nullig", None, None]
    assert result.report.total_problems == 0
    # Markers are not searchable text.
    resource = Resource.open(result.paths.version_dir.parent)
    assert query(resource, q="null", limit=10)["rows"] == [rows[3]]


def test_owner_markers_that_look_like_values_become_null(
    load: Load, tmp_path: Path
) -> None:
    path = tmp_path / "sentinels.csv"
    path.write_text(
        "Nr;Wert;Datum\n1;12;01.02.2024\n2;-1;01.01.1900\n3;0;03.04.2024\n",
        encoding="utf-8",
    )
    options = IngestOptions(null_markers=("-1", "01.01.1900"))
    result = load(path, options)
    assert types_of(result) == {"Nr": "integer", "Wert": "integer", "Datum": "date"}
    rows = rows_of(result)
    assert [r["Wert"] for r in rows] == [12, None, 0]
    assert [r["Datum"] for r in rows] == ["2024-02-01", None, "2024-04-03"]
    assert result.report.total_problems == 0


def test_quoted_fields_keep_line_breaks_quotes_and_delimiters(load: Load) -> None:
    result = load("multiline_quoted.csv")
    rows = rows_of(result)
    assert rows[0]["text"] == "Erste Zeile\nzweite Zeile"
    assert rows[1]["text"] == 'Er sagte "Hallo", dann ging er'
    assert rows[2]["text"] == "Semikolon; und Komma, drin"
    assert [r["amount"] for r in rows] == [10, 20, 30]


@pytest.mark.parametrize("breaks", [(3, 25_000), (25_000,)])
def test_line_breaks_in_cells_keep_rows_whole_and_numbered(
    load: Load, tmp_path: Path, breaks: tuple[int, ...]
) -> None:
    # DuckDB's parallel reader refuses quoted line breaks: a break among the
    # first rows sends the whole file to one reader; one further down makes
    # the parallel read fail, and the file is read again by one reader.
    source = tmp_path / "breaks.csv"
    lines = ["nr;text;menge"]
    for i in range(30_000):
        text = '"oben\nunten"' if i in breaks else f"Zeile {i}"
        amount = "viel" if i == 29_000 else str(i)
        lines.append(f"{i};{text};{amount}")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load(source)
    assert result.row_count == 30_000
    resource = Resource.open(result.paths.version_dir.parent)
    found = query(resource, filters=[Filter("text", "eq", "oben\nunten")])["rows"]
    # Rows are numbered by record: the header is row 1.
    assert [(r["_row"], r["nr"]) for r in found] == [(i + 2, i) for i in breaks]
    widened = [p for p in result.report.problems if p.column == "menge"]
    assert [(p.row, p.value) for p in widened] == [(29_002, "viel")]


def test_rows_of_a_file_read_in_parallel_pieces_stay_in_file_order(
    load: Load, tmp_path: Path
) -> None:
    # 150,000 lines of about 150 bytes: the parallel CSV reader hands out
    # the file in several pieces, and the table is written in row groups that
    # one piece fills (smaller than DuckDB's default), without reordering.
    source = tmp_path / "wide.csv"
    filler = "Beschreibung mit Umlauten äöü " * 4
    with source.open("w", encoding="utf-8") as handle:
        handle.write("nr;text\n")
        for i in range(150_000):
            handle.write(f"{i};{filler}{i}\n")
    assert source.stat().st_size > 2 * 8_000_000
    result = load(source)
    assert result.row_count == 150_000
    with duckdb.connect(str(result.paths.database), read_only=True) as con:
        sizes = [
            n
            for (n,) in con.execute(
                "SELECT max(count) FROM pragma_storage_info('rows')"
                " GROUP BY row_group_id ORDER BY row_group_id"
            ).fetchall()
        ]
        mismatched = con.execute(
            "SELECT count(*) FROM data WHERE _row <> nr + 2"
            " OR text <> ? || CAST(nr AS VARCHAR)",
            [filler],
        ).fetchone()
    assert len(sizes) > 2 and max(sizes) < 122_880
    assert mismatched == (0,)


def test_postal_codes_and_ids_with_leading_zeros_stay_text(load: Load) -> None:
    result = load("postal_codes.csv")
    types = types_of(result)
    assert types["PLZ"] == "text"
    assert types["Kennziffer"] == "text"
    assert types["Anzahl"] == "integer"
    assert rows_of(result)[0]["PLZ"] == "01067"


def test_booleans_dates_and_timestamps_in_german_and_iso_form(load: Load) -> None:
    result = load("booleans_dates.csv")
    types = types_of(result)
    assert types["Aktiv"] == "boolean"
    assert types["Mitglied seit"] == "date"
    assert types["Letzter Login"] == "timestamp"
    assert types["Betrag"] == "decimal"
    rows = rows_of(result)
    assert [r["Aktiv"] for r in rows] == [True, False, True]
    assert rows[1]["Mitglied seit"] == "2023-05-01"
    assert rows[0]["Letzter Login"] == "2024-12-31T14:30:00"
    assert rows[2]["Letzter Login"] == "2020-06-01T09:00:30"


def test_xlsx_sheet_with_title_row_is_loaded_with_types(load: Load) -> None:
    result = load("members.xlsx")
    assert result.source_format == "xlsx"
    types = types_of(result)
    assert types == {
        "Name": "text",
        "PLZ": "text",
        "Eintritt": "date",
        "Beitrag": "decimal",
        "Aktiv": "boolean",
    }
    rows = rows_of(result)
    assert rows[0]["PLZ"] == "01067"
    assert rows[1]["Beitrag"] == 30.0
    assert rows[2]["Eintritt"] == "2022-03-31"


def test_json_array_of_objects_with_nested_values(load: Load) -> None:
    result = load("records.json")
    assert [c.name for c in result.columns] == [
        "name",
        "besucher",
        "offen",
        "adresse",
        "tags",
        "eintritt",
    ]
    assert types_of(result)["besucher"] == "integer"
    assert types_of(result)["offen"] == "boolean"
    rows = rows_of(result)
    assert rows[0]["adresse"] == '{"ort": "Köln"}'
    assert rows[2]["besucher"] is None


def test_ndjson_one_record_per_line(load: Load) -> None:
    result = load("records.ndjson")
    assert result.row_count == 3
    assert types_of(result) == {"id": "integer", "ort": "text", "wert": "decimal"}


def test_geojson_features_become_rows_with_geometry_and_point_coordinates(
    load: Load,
) -> None:
    result = load("points.geojson")
    assert result.source_format == "geojson"
    assert result.geometry_column == "geometry"
    types = types_of(result)
    assert types["lon"] == "decimal"
    assert types["lat"] == "decimal"
    rows = rows_of(result)
    assert rows[0]["name"] == "Berlin"
    assert rows[0]["lon"] == 13.405
    assert rows[2]["lon"] is None
    assert '"LineString"' in str(rows[2]["geometry"])


def test_result_lists_columns_paths_and_timings(load: Load) -> None:
    result = load("semicolon_decimal_comma.csv")
    # The Parquet download is written after publication (export tests).
    assert not result.paths.parquet.exists()
    assert result.paths.database.exists()
    assert result.timings["total"] > 0
    assert result.columns[0].type is ColumnType.TEXT


def test_progress_is_reported_through_the_stages(tmp_path, testdata) -> None:  # type: ignore[no-untyped-def]
    from allmende.catalog.engine import ingest

    seen: list[tuple[float, str]] = []
    ingest(
        testdata / "preamble.csv",
        tmp_path / "r",
        progress=lambda fraction, stage: seen.append((fraction, stage)),
    )
    stages = [stage for _, stage in seen]
    for stage in ("detect", "infer", "write", "index", "done"):
        assert stage in stages
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
