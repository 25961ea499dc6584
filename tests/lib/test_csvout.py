"""The one CSV writer: formulas are neutralised, numbers stay numbers."""

import csv
import io

from app.lib.csvout import csv_text


def test_cells_that_a_spreadsheet_would_run_are_text() -> None:
    text = csv_text(
        ["title", "n"],
        [
            {"title": '=HYPERLINK("http://evil")', "n": 3},
            {"title": "+1", "n": -2},
            {"title": "@SUM(A1)", "n": 0},
            {"title": "-x", "n": None},
            {"title": "\tTab", "n": 1},
            {"title": "Plain, with a comma", "n": 1},
        ],
    )
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert [r["title"] for r in rows] == [
        '\'=HYPERLINK("http://evil")',
        "'+1",
        "'@SUM(A1)",
        "'-x",
        "'\tTab",
        "Plain, with a comma",
    ]
    assert [r["n"] for r in rows] == ["3", "-2", "0", "", "1", "1"]


def test_lists_are_joined_with_spaces() -> None:
    text = csv_text(["themes"], [{"themes": ["3", "7"]}], bom=False)
    assert text.splitlines() == ["themes", "3 7"]
