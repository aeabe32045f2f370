"""The one formula rule of every spreadsheet-shaped download."""

from __future__ import annotations

from allmende.core.spreadsheets import safe_cell, safe_row


def test_text_starting_like_a_formula_gets_an_apostrophe() -> None:
    assert safe_row(["=1+2", "+49", "-x", "@SUM(A1)", "\tx", "\rx"]) == [
        "'=1+2",
        "'+49",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
    ]


def test_numbers_and_harmless_text_stay_as_they_are() -> None:
    assert safe_row([-5, -7.5, None, "", "Köln", "a=b"]) == [
        -5,
        -7.5,
        None,
        "",
        "Köln",
        "a=b",
    ]
    assert safe_cell(True) is True
