from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import Load

from allmende.catalog.engine import IngestOptions, Limits, errors


def test_empty_file_is_refused_with_a_clear_message(load: Load) -> None:
    with pytest.raises(errors.EmptyFileError) as caught:
        load("empty.csv")
    assert "empty" in caught.value.user_message


def test_header_without_rows_is_refused(load: Load) -> None:
    with pytest.raises(errors.NoRowsError):
        load("header_only.csv")


def test_binary_garbage_named_csv_is_refused(load: Load) -> None:
    with pytest.raises(errors.BinaryFileError) as caught:
        load("binary_garbage.csv")
    assert "binary" in caught.value.user_message


def test_file_larger_than_limit_is_refused_before_reading(
    load: Load, testdata: Path
) -> None:
    options = IngestOptions(limits=Limits(max_file_bytes=100))
    with pytest.raises(errors.FileTooLargeError) as caught:
        load("preamble.csv", options)
    assert "0 MB" in caught.value.user_message


def test_ten_thousand_columns_are_refused_with_the_limit(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "wide.csv"
    header = ";".join(f"c{i}" for i in range(10_000))
    row = ";".join(str(i) for i in range(10_000))
    source.write_text(f"{header}\n{row}\n{row}\n", encoding="utf-8")
    with pytest.raises(errors.TooManyColumnsError) as caught:
        load(source)
    assert "10000 columns" in caught.value.user_message
    assert "1000" in caught.value.user_message


def test_deeply_nested_json_is_refused_without_crashing(load: Load) -> None:
    with pytest.raises(errors.JsonTooDeepError) as caught:
        load("deeply_nested.json")
    assert "levels deep" in caught.value.user_message


def test_deep_nesting_below_the_recursion_limit_is_refused_too(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "deep.json"
    source.write_text('[{"a": ' + "[" * 200 + "]" * 200 + "}]", encoding="utf-8")
    with pytest.raises(errors.JsonTooDeepError):
        load(source)


def test_broken_json_reports_the_position(load: Load, tmp_path: Path) -> None:
    source = tmp_path / "broken.json"
    source.write_text('[{"a": 1}, {"a": ]', encoding="utf-8")
    with pytest.raises(errors.JsonError) as caught:
        load(source)
    assert "line 1" in caught.value.user_message


def test_json_that_is_not_a_list_of_records_is_refused(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "scalar.json"
    source.write_text("[1, 2, 3]", encoding="utf-8")
    with pytest.raises(errors.JsonError):
        load(source)


def test_zip_bomb_disguised_as_xlsx_is_refused_before_unpacking(
    load: Load, tmp_path: Path
) -> None:
    source = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(source, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(64):
                member.write(block)
    assert source.stat().st_size < 1024 * 1024
    options = IngestOptions(limits=Limits(max_xlsx_unpacked_bytes=32 * 1024 * 1024))
    with pytest.raises(errors.ZipBombError):
        load(source, options)
    with pytest.raises(errors.ZipBombError):
        load(source)  # default limits: the compression ratio gives it away


def test_damaged_xlsx_is_refused(load: Load, tmp_path: Path) -> None:
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(errors.SpreadsheetError):
        load(source)


def test_unsupported_extension_is_refused(load: Load, tmp_path: Path) -> None:
    source = tmp_path / "slides.pptx.bin"
    source.write_text("hello", encoding="utf-8")
    with pytest.raises(errors.UnsupportedFormatError):
        load(source)


def test_line_longer_than_the_limit_is_refused(load: Load, tmp_path: Path) -> None:
    source = tmp_path / "huge_cell.csv"
    source.write_text("a,b\n1," + "y" * 3_000_000 + "\n", encoding="utf-8")
    with pytest.raises(errors.CellTooLongError):
        load(source, IngestOptions(limits=Limits(max_cell_chars=1000)))


def test_every_error_message_is_plain_text_without_placeholders(
    load: Load, tmp_path: Path
) -> None:
    for name in ("empty.csv", "binary_garbage.csv", "deeply_nested.json"):
        with pytest.raises(errors.IngestError) as caught:
            load(name)
        assert "{" not in caught.value.user_message
