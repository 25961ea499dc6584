"""The one CSV writer: every CSV the site hands out goes through here.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a
spreadsheet program (CSV injection: `=HYPERLINK(...)` typed into a proposal would run on the
secretariat's computer), so such text is prefixed with an apostrophe, which spreadsheets read as
"this is text". Numbers are written as numbers. Lists are joined with spaces. The output starts
with a byte-order mark so that spreadsheet programs read accents (é, ç, ã) correctly.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = ["BOM", "FORMULA_STARTS", "cell", "csv_lines", "csv_text"]

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as it may safely sit in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = " ".join(str(item) for item in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_lines(
    fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]], *, bom: bool = True
) -> Iterator[str]:
    """The header, then one chunk per row: for a streaming response of any size."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write(BOM)
    writer.writerow(fieldnames)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in fieldnames])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def csv_text(
    fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]], *, bom: bool = True
) -> str:
    return "".join(csv_lines(fieldnames, rows, bom=bom))
