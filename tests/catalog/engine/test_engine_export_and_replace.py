from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

import pytest

from allmende.catalog.engine import (
    Filter,
    Resource,
    errors,
    export_csv,
    export_geojson,
    export_json,
    ingest,
    parquet_path,
    query,
    write_parquet,
)
from allmende.catalog.engine import export as export_module


def test_csv_export_neutralises_formulas_but_keeps_negative_numbers(
    tmp_path: Path, testdata: Path
) -> None:
    ingest(testdata / "formulas.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    text = b"".join(export_csv(resource)).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Name", "Formel", "Betrag"]
    assert [r[1] for r in rows[1:]] == ["'=1+2", "'+49 30 123", "'@SUM(A1)", "'-Minus"]
    assert [r[2] for r in rows[1:]] == ["-5", "10", "-7.5", "3"]


def test_csv_export_neutralises_formulas_in_the_header_row(
    tmp_path: Path, testdata: Path
) -> None:
    ingest(testdata / "formula_header.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    text = b"".join(export_csv(resource)).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ['\'=HYPERLINK("x")', "Betrag", "Text"]
    assert rows[1] == ["Anna", "-5", "'=1+2"]


def test_csv_for_german_excel_has_bom_semicolons_and_decimal_commas(
    tmp_path: Path, testdata: Path
) -> None:
    ingest(testdata / "formulas.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    data = b"".join(export_csv(resource, delimiter=";", bom=True, decimal_comma=True))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Name", "Formel", "Betrag"]
    assert [r[2] for r in rows[1:]] == ["-5", "10", "-7,5", "3"]
    assert rows[1][1] == "'=1+2"


def test_csv_export_keeps_text_with_line_breaks_and_quotes(
    tmp_path: Path, testdata: Path
) -> None:
    ingest(testdata / "multiline_quoted.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    text = b"".join(
        export_csv(resource, filters=[Filter("amount", "lte", 20)])
    ).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "Erste Zeile\nzweite Zeile"
    assert rows[2][1] == 'Er sagte "Hallo", dann ging er'
    assert len(rows) == 3


def test_json_export_is_valid_json_with_iso_dates(
    tmp_path: Path, testdata: Path
) -> None:
    ingest(testdata / "booleans_dates.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    data = json.loads(b"".join(export_json(resource)))
    assert len(data) == 3
    assert data[0]["Mitglied seit"] == "2024-12-31"
    assert data[0]["Aktiv"] is True


def test_geojson_export_rebuilds_features(tmp_path: Path, testdata: Path) -> None:
    ingest(testdata / "points.geojson", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    collection = json.loads(b"".join(export_geojson(resource)))
    assert collection["type"] == "FeatureCollection"
    first = collection["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [13.405, 52.52]}
    assert first["properties"]["name"] == "Berlin"
    assert collection["features"][2]["geometry"]["type"] == "LineString"


@pytest.mark.parametrize(("lon", "lat"), [("lon", "lat"), ("Longitude", "Latitude")])
def test_geojson_export_builds_points_from_coordinate_columns(
    tmp_path: Path, lon: str, lat: str
) -> None:
    source = tmp_path / "orte.csv"
    source.write_text(
        f"Name;{lon};{lat}\nKiel;10,13;54,32\nNirgendwo;;\n", encoding="utf-8"
    )
    ingest(source, tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    assert resource.coordinate_columns == (lon, lat)
    features = json.loads(b"".join(export_geojson(resource)))["features"]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [10.13, 54.32]}
    assert features[0]["properties"] == {"Name": "Kiel", lon: 10.13, lat: 54.32}
    assert features[1]["geometry"] is None


def test_large_export_streams_in_several_chunks(tmp_path: Path) -> None:
    source = tmp_path / "big.csv"
    source.write_text(
        "n;t\n" + "".join(f"{i};Text {i}\n" for i in range(50_000)), encoding="utf-8"
    )
    ingest(source, tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    chunks = list(export_csv(resource))
    assert len(chunks) > 2
    assert b"".join(chunks).count(b"\n") == 50_001


def test_parquet_file_is_written_once_with_the_table_types(
    tmp_path: Path, testdata: Path
) -> None:
    import pyarrow.parquet as pq

    ingest(testdata / "semicolon_decimal_comma.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    assert not resource.paths.parquet.exists()
    assert write_parquet(resource) is True
    assert write_parquet(resource) is False
    table = pq.read_table(resource.paths.parquet)
    assert table.column_names == [c.name for c in resource.columns]
    assert table.num_rows == 3
    assert str(table.schema.field("Mitglieder").type) == "int64"
    assert str(table.schema.field("Beitrag").type) == "double"
    expected = query(resource, limit=10)["rows"]
    assert [row["Verein"] for row in table.to_pylist()] == [
        row["Verein"] for row in expected
    ]


def test_parquet_rows_keep_the_file_order_across_batches(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    source = tmp_path / "big.csv"
    source.write_text(
        "n;t\n" + "".join(f"{i};Text {i}\n" for i in range(300_000)), encoding="utf-8"
    )
    ingest(source, tmp_path / "r")
    table = pq.read_table(parquet_path(Resource.open(tmp_path / "r")))
    assert table.column("n").to_pylist() == list(range(300_000))


def test_concurrent_downloads_write_the_parquet_file_once(
    tmp_path: Path, testdata: Path
) -> None:
    ingest(testdata / "semicolon_decimal_comma.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")
    wrote: list[bool] = []
    threads = [
        threading.Thread(target=lambda: wrote.append(write_parquet(resource)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wrote) == [False, False, False, True]
    assert parquet_path(resource).stat().st_size > 0


def test_failed_parquet_write_leaves_no_file_and_is_tried_again(
    tmp_path: Path, testdata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(testdata / "semicolon_decimal_comma.csv", tmp_path / "r")
    resource = Resource.open(tmp_path / "r")

    def broken(source: object, target: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(export_module.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_parquet(resource)
    folder = resource.paths.version_dir
    assert not resource.paths.parquet.exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.undo()
    # A process that died writing left its work file: the next writer clears it.
    (folder / ".tmp-data-0123456789abcdef.parquet").write_bytes(b"PAR1 half")
    assert parquet_path(resource).exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]


def test_failed_reingest_leaves_previous_version_queryable(
    tmp_path: Path, testdata: Path
) -> None:
    dest = tmp_path / "r"
    ingest(testdata / "semicolon_decimal_comma.csv", dest)
    before = sorted(p.name for p in dest.iterdir())
    with pytest.raises(errors.IngestError):
        ingest(testdata / "binary_garbage.csv", dest)
    with pytest.raises(errors.IngestError):
        ingest(testdata / "deeply_nested.json", dest)
    assert sorted(p.name for p in dest.iterdir()) == before
    resource = Resource.open(dest)
    assert query(resource, count=True)["count"] == 3


def test_successful_reingest_switches_to_the_new_version(
    tmp_path: Path, testdata: Path
) -> None:
    dest = tmp_path / "r"
    ingest(testdata / "semicolon_decimal_comma.csv", dest)
    old = Resource.open(dest)
    assert query(old, count=True)["count"] == 3
    ingest(testdata / "preamble.csv", dest)
    new = Resource.open(dest)
    assert new is not old
    assert query(new, count=True)["count"] == 2
    assert [c.name for c in new.columns][0] == "Gemeinde"
    # The old version's open connection keeps answering while in use.
    assert query(old, count=True)["count"] == 3
    for _ in range(3):
        ingest(testdata / "preamble.csv", dest)
    versions = [p for p in dest.iterdir() if p.name.startswith("v-")]
    assert len(versions) <= 2
    assert not [p for p in dest.iterdir() if p.name.startswith(".tmp-")]
