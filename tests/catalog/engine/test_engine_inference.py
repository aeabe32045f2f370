from __future__ import annotations

from pathlib import Path

from conftest import Load, rows_of, types_of

from allmende.catalog.engine import (
    ColumnOverride,
    ColumnType,
    DateOrder,
    Filter,
    IngestOptions,
    Limits,
    NumberLocale,
    Resource,
    query,
)


def _write_late_breaker(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id;menge;datum\n")
        for i in range(1, rows + 1):
            amount = "unbekannt" if i == rows - 5 else str(i % 1000)
            handle.write(f"{i};{amount};{1 + i % 28:02d}.03.2024\n")
    return path


def test_a_late_value_that_breaks_the_type_widens_the_column_and_is_reported(
    load: Load, tmp_path: Path
) -> None:
    rows = 300_000
    source = _write_late_breaker(tmp_path / "late.csv", rows)
    result = load(source)
    types = types_of(result)
    assert types["id"] == "integer"
    assert types["menge"] == "text"
    assert types["datum"] == "date"
    assert result.row_count == rows
    widened = [p for p in result.report.problems if p.kind == "widened"]
    assert len(widened) == 1
    assert widened[0].column == "menge"
    assert widened[0].value == "unbekannt"
    assert widened[0].row == rows - 5 + 1  # header is row 1
    assert any("menge" in notice for notice in result.report.notices)


def test_integer_column_with_one_decimal_becomes_decimal(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "nums.csv"
    lines = ["id;wert"] + [f"{i};{i}" for i in range(30_000)] + ["x;2,5"]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load(source)
    assert types_of(result)["wert"] == "decimal"
    assert types_of(result)["id"] == "text"
    problem = next(p for p in result.report.problems if p.column == "wert")
    assert problem.value == "2,5"
    assert problem.row == 30_002
    assert rows_of(result)[0]["wert"] == 0.0


def test_forced_type_turns_misfits_into_null_and_lists_each(load: Load) -> None:
    options = IngestOptions(
        overrides={"Bemerkung": ColumnOverride(type=ColumnType.INTEGER)}
    )
    result = load("null_markers.csv", options)
    assert types_of(result)["Bemerkung"] == "integer"
    problems = [p for p in result.report.problems if p.column == "Bemerkung"]
    assert [(p.row, p.value, p.kind) for p in problems] == [(6, "gut", "invalid")]
    assert result.report.total_problems == 1
    assert rows_of(result)[4]["Bemerkung"] is None


def test_forced_locale_reads_points_as_thousands_separators(load: Load) -> None:
    plain = load("tab_separated.tsv")
    assert rows_of(plain)[0]["Quote"] == 0.25
    options = IngestOptions(
        overrides={
            "Quote": ColumnOverride(
                type=ColumnType.DECIMAL, number_locale=NumberLocale.DE
            )
        }
    )
    forced = load("tab_separated.tsv", options)
    assert [r["Quote"] for r in rows_of(forced)] == [None, None, None]
    assert forced.report.total_problems == 3


def test_date_order_override_reads_month_first_dates(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "us.csv"
    source.write_text("when,n\n12/31/2024,1\n01/02/2024,2\n", encoding="utf-8")
    default = load(source)
    assert types_of(default)["when"] == "text"
    options = IngestOptions(
        overrides={"when": ColumnOverride(date_order=DateOrder.MDY)}
    )
    result = load(source, options)
    assert types_of(result)["when"] == "date"
    assert [r["when"] for r in rows_of(result)] == ["2024-12-31", "2024-01-02"]


def test_problem_list_is_capped_but_total_is_counted(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "many.csv"
    lines = ["n"] + [f"x{i}" for i in range(50)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = IngestOptions(
        overrides={"n": ColumnOverride(type=ColumnType.INTEGER)},
        limits=Limits(max_problems=10),
    )
    result = load(source, options)
    assert len(result.report.problems) == 10
    assert result.report.total_problems == 50
    assert result.report.truncated


def test_too_long_cells_are_shortened_and_reported(load: Load, tmp_path: Path) -> None:
    source = tmp_path / "long.csv"
    source.write_text("a,b\n1," + "x" * 500 + "\n2,kurz\n", encoding="utf-8")
    result = load(source, IngestOptions(limits=Limits(max_cell_chars=100)))
    rows = rows_of(result)
    assert rows[0]["b"] == "x" * 100
    assert result.report.problems[0].kind == "truncated"
    assert result.report.problems[0].row == 2


def test_english_comma_file_reads_points_as_decimal_points(load: Load) -> None:
    result = load("bom_utf8.csv")
    assert next(c for c in result.columns if c.name == "price").number_locale == (
        NumberLocale.EN
    )


def test_values_after_the_first_thousand_rows_of_the_sample_still_decide(
    load: Load, tmp_path: Path
) -> None:
    # Candidates are ruled out on the sample's first rows, then checked on the
    # whole sample: a misfit at row 5,000 keeps the column out of that type
    # without a second pass (no widening notice).
    # When the narrowest candidate fails there, the next one is checked.
    source = tmp_path / "sample.csv"
    lines = ["n;tag;preis;menge;zeit"]
    for i in range(10_000):
        late = i == 5_000
        tag = "31.02.2024" if late else f"{1 + i % 28:02d}.03.2024"
        price = "1.234,5" if late else f"{i},25"
        amount = "2,5" if late else str(i)
        time = "04.03.2024 10:30" if late else "04.03.2024"
        lines.append(f"{i};{tag};{price};{amount};{time}")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load(source)
    types = types_of(result)
    assert types == {
        "n": "integer",
        "tag": "text",
        "preis": "decimal",
        "menge": "decimal",
        "zeit": "timestamp",
    }
    assert result.report.notices == []
    # A German thousands separator in the sample decides the locale.
    resource = Resource.open(result.paths.version_dir.parent)
    found = query(resource, filters=[Filter("n", "eq", 5_000)])["rows"]
    assert [(r["tag"], r["preis"], r["menge"], r["zeit"]) for r in found] == [
        ("31.02.2024", 1234.5, 2.5, "2024-03-04T10:30:00")
    ]


def test_dates_start_with_a_digit_and_have_six_characters_or_more(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "dates.csv"
    source.write_text(
        "version;stand;iso;notiz\n"
        "1.2.3;1.1.2025;2024-12-31;31.12.2024\n"
        "2.0.1;31.12.2024;2025-01-01;am 31.12.2024\n",
        encoding="utf-8",
    )
    result = load(source)
    assert types_of(result) == {
        "version": "text",
        "stand": "date",
        "iso": "date",
        "notiz": "text",
    }
    rows = rows_of(result)
    assert [r["stand"] for r in rows] == ["2025-01-01", "2024-12-31"]
    assert [r["version"] for r in rows] == ["1.2.3", "2.0.1"]


def test_integers_keep_their_exact_value_and_codes_stay_text(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "ints.csv"
    source.write_text(
        "gross;vorzeichen;punkte;code\n"
        "9223372036854775807;+5;1.234;01067\n"
        "-9223372036854775808;-0;12.345.678;10115\n"
        "0;7;5;00001\n",
        encoding="utf-8",
    )
    result = load(source)
    assert types_of(result) == {
        "gross": "integer",
        "vorzeichen": "integer",
        "punkte": "integer",
        "code": "text",
    }
    rows = rows_of(result)
    assert [r["gross"] for r in rows] == [2**63 - 1, -(2**63), 0]
    assert [r["vorzeichen"] for r in rows] == [5, 0, 7]
    assert [r["punkte"] for r in rows] == [1234, 12345678, 5]
    assert [r["code"] for r in rows] == ["01067", "10115", "00001"]
