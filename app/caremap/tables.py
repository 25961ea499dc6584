"""Reading CSV and GeoJSON inputs into columns, and parsing columns with row-level errors.

Parsing takes a fast vectorised path and only walks the values one by one when
that path finds something wrong, so that every bad value is reported with its
row (CSV: line number, header = 1; GeoJSON: feature number, first = 1).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import numpy as np

from .errors import CareDataError, CareIssue, IssueCollector
from .model import BoolArray, CodeArray, FloatArray, IntArray, StrArray

Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes] | IO[str]

MSG_MISSING_COLUMN = "Missing column %(field)s"
MSG_REQUIRED = "Row %(row)s, field %(field)s: a value is required"
MSG_NOT_NUMBER = "Row %(row)s, field %(field)s: %(value)s is not a number"
MSG_OUT_OF_RANGE = "Row %(row)s, field %(field)s: %(value)s is outside %(min)s to %(max)s"
MSG_NEGATIVE = "Row %(row)s, field %(field)s: %(value)s must not be negative"
MSG_UNKNOWN = "Row %(row)s, field %(field)s: unknown value %(value)s (expected one of %(allowed)s)"
MSG_DUPLICATE = "Row %(row)s, field %(field)s: duplicate id %(value)s (first on row %(first)s)"
MSG_FIELD_COUNT = "Row %(row)s has %(count)s fields but the header has %(expected)s"
MSG_EMPTY_FILE = "The file has no header row"
MSG_NO_ROWS = "The file has no data rows"


@dataclass
class Table:
    """Columns of cell values (str from CSV, JSON scalars from GeoJSON) and each row's number."""

    file: str
    columns: dict[str, list[object]]
    rows: IntArray
    kind: str  # "csv" or "geojson"
    extra: dict[str, object] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def has(self, name: str) -> bool:
        return name in self.columns


def read_source(source: Source, filename: str | None = None) -> tuple[str, str]:
    """The text of a path, bytes or file object, and the name to report errors under."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        return path.read_bytes().decode("utf-8-sig"), filename or path.name
    if isinstance(source, (bytes, bytearray)):
        return bytes(source).decode("utf-8-sig"), filename or "upload"
    data = source.read()
    name = filename or Path(str(getattr(source, "name", "upload"))).name
    if isinstance(data, bytes):
        return data.decode("utf-8-sig"), name
    return data.lstrip("\ufeff"), name


def looks_like_geojson(text: str, name: str) -> bool:
    suffix = Path(name).suffix.lower()
    if suffix in (".geojson", ".json"):
        return True
    if suffix == ".csv":
        return False
    return text.lstrip()[:1] == "{"


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC, which would otherwise rescan millions of fresh row lists.

    The rows hold no reference cycles, so nothing is lost by collecting later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _plain_csv(text: str, file: str) -> Table | None:
    """Fast path for the common file: no quotes, no blank lines, every row the same width.

    One ``split`` over the whole text and strided slices, all in C; anything
    unusual returns None and goes through the csv module, which reports rows.
    """
    if '"' in text:
        return None
    body = text.replace("\r\n", "\n").rstrip("\n")
    if "\n\n" in body or "\r" in body:
        return None
    head, sep, rest = body.partition("\n")
    header = [h.strip().lower() for h in head.split(",")]
    width = len(header)
    if not sep or len(set(header)) != width or not all(header):
        return None
    n_rows = rest.count("\n") + 1
    cells = rest.replace("\n", ",").split(",")
    if len(cells) != n_rows * width:
        return None
    columns = {name: cast(list[object], cells[k::width]) for k, name in enumerate(header)}
    return Table(file, columns, np.arange(2, n_rows + 2, dtype=np.int64), "csv")


def csv_table(text: str, file: str, issues: IssueCollector) -> Table:
    fast = _plain_csv(text, file)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text))
    if '"' in text:
        # Quoted fields may span lines: ask the reader for each record's line.
        records: list[list[str]] = []
        lines: list[int] = []
        for rec in reader:
            records.append(rec)
            lines.append(reader.line_num)
    else:
        records = list(reader)
        lines = list(range(1, len(records) + 1))
    if not records or not any(c.strip() for c in records[0]):
        issues.add(1, None, MSG_EMPTY_FILE)
        return Table(file, {}, np.empty(0, dtype=np.int64), "csv")
    header = [h.strip().lower() for h in records[0]]
    width = len(header)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            issues.add(1, name, "Column %(field)s appears twice")
        seen.add(name)
    body = records[1:]
    body_lines = lines[1:]
    if set(map(len, body)) <= {width}:
        kept, kept_lines = body, body_lines
    else:
        kept, kept_lines = [], []
        for rec, line in zip(body, body_lines, strict=True):
            if len(rec) == width:
                kept.append(rec)
                kept_lines.append(line)
            elif rec and any(c.strip() for c in rec):
                issues.add(line, None, MSG_FIELD_COUNT, count=len(rec), expected=width)
    columns: dict[str, list[object]] = {name: [] for name in header}
    if kept:
        for name, col in zip(header, zip(*kept, strict=True), strict=True):
            columns[name] = list(col)
    return Table(file, columns, np.asarray(kept_lines, dtype=np.int64), "csv")


def load_json(text: str, file: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CareDataError(
            [CareIssue(file, exc.lineno, None, "Not valid JSON: %(error)s", {"error": exc.msg})]
        ) from None


def features_of(doc: object, file: str) -> list[dict[str, object]]:
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        feats = doc.get("features")
        if isinstance(feats, list) and all(isinstance(f, dict) for f in feats):
            return feats
    raise CareDataError(
        [CareIssue(file, None, None, "The file is not a GeoJSON FeatureCollection", {})]
    )


def properties_of(feature: dict[str, object]) -> dict[str, object]:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def geojson_point_table(
    doc: object, file: str, names: Sequence[str], issues: IssueCollector
) -> Table:
    """Point features as a table with lon/lat from the geometry and the named properties."""
    feats = features_of(doc, file)
    names = [n for n in names if n not in ("lon", "lat")]
    columns: dict[str, list[object]] = {name: [] for name in ("lon", "lat", *names)}
    rows: list[int] = []
    for number, feat in enumerate(feats, start=1):
        geom = feat.get("geometry")
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if (
            not isinstance(geom, dict)
            or geom.get("type") != "Point"
            or not isinstance(coords, list)
            or len(coords) < 2
        ):
            issues.add(number, "geometry", "Row %(row)s, field %(field)s: expected a Point")
            continue
        props = properties_of(feat)
        columns["lon"].append(coords[0])
        columns["lat"].append(coords[1])
        for name in names:
            value = props.get(name)
            if name == "id" and value is None:
                value = feat.get("id")
            columns[name].append(value)
        rows.append(number)
    present = {n for feat in feats for n in properties_of(feat)} | {"lon", "lat"}
    if any("id" in feat for feat in feats):
        present.add("id")
    table = Table(file, columns, np.asarray(rows, dtype=np.int64), "geojson")
    table.extra["present"] = present
    return table


def require_columns(table: Table, names: Sequence[str], issues: IssueCollector) -> bool:
    present = table.extra.get("present")
    have = present if isinstance(present, set) else set(table.columns)
    missing = [n for n in names if n not in have]
    for name in missing:
        issues.add(1 if table.kind == "csv" else None, name, MSG_MISSING_COLUMN)
    return not missing


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def floats(
    table: Table,
    name: str,
    issues: IssueCollector,
    *,
    optional: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    nonnegative: bool = False,
) -> tuple[FloatArray, BoolArray]:
    """Parse a numeric column; returns values and a mask of blank cells (only if optional)."""
    values = table.columns.get(name, [None] * len(table))
    n = len(values)
    try:
        out = np.array(values, dtype=np.float64) if n else np.empty(0)
        suspects = np.flatnonzero(~np.isfinite(out))
    except (ValueError, TypeError, OverflowError):  # OverflowError: a JSON integer beyond float
        out = np.full(n, np.nan)
        suspects = np.arange(n)
    blank = np.zeros(n, dtype=np.bool_)
    for k in suspects:
        raw = values[k]
        if _is_blank(raw):
            blank[k] = True
            if not optional:
                issues.add(int(table.rows[k]), name, MSG_REQUIRED)
            continue
        try:
            number = float(raw) if isinstance(raw, (str, int, float)) else float("nan")
        except (ValueError, OverflowError):
            number = float("nan")
        if np.isfinite(number) and not isinstance(raw, bool):
            out[k] = number
        else:
            issues.add(int(table.rows[k]), name, MSG_NOT_NUMBER, value=_shown(raw))
    ok = np.isfinite(out)
    if lo is not None and hi is not None:
        for k in np.flatnonzero(ok & ((out < lo) | (out > hi))):
            issues.add(
                int(table.rows[k]), name, MSG_OUT_OF_RANGE, value=_shown(values[k]), min=lo, max=hi
            )
    if nonnegative:
        for k in np.flatnonzero(ok & (out < 0)):
            issues.add(int(table.rows[k]), name, MSG_NEGATIVE, value=_shown(values[k]))
    return out, blank


def codes(
    table: Table,
    name: str,
    allowed: Sequence[str],
    issues: IssueCollector,
    *,
    optional: bool = False,
) -> CodeArray:
    """Map a categorical column to indices into ``allowed`` (-1 for a blank optional cell)."""
    values = table.columns.get(name, [None] * len(table))
    try:
        distinct = set(values)
    except TypeError:  # JSON lists or objects among the values
        values = [_hashable(v) for v in values]
        distinct = set(values)
    lookup: dict[object, int] = {}
    for raw in distinct:
        text = "" if raw is None else str(raw).strip().lower()
        if text in allowed:
            lookup[raw] = allowed.index(text)
        else:
            lookup[raw] = -1 if (text == "" and optional) else -2
    out = np.fromiter(map(lookup.__getitem__, values), dtype=np.int8, count=len(values))
    for k in np.flatnonzero(out == -2):
        raw = values[k]
        if _is_blank(raw):
            issues.add(int(table.rows[k]), name, MSG_REQUIRED)
        else:
            issues.add(
                int(table.rows[k]), name, MSG_UNKNOWN, value=_shown(raw), allowed=", ".join(allowed)
            )
    return out


def strings(table: Table, name: str) -> list[str]:
    values = table.columns.get(name, [None] * len(table))
    return ["" if v is None else str(v).strip() for v in values]


def identifiers(table: Table, name: str, issues: IssueCollector) -> StrArray:
    """A required, unique identifier column."""
    raw = table.columns.get(name, [None] * len(table))
    ids = [str(v).strip() for v in raw] if table.kind == "csv" else [_id_text(v) for v in raw]
    first_row: dict[str, int] = {}
    if len(set(ids)) != len(ids) or "" in ids:
        for k, value in enumerate(ids):
            row = int(table.rows[k])
            if value == "":
                issues.add(row, name, MSG_REQUIRED)
            elif value in first_row:
                issues.add(row, name, MSG_DUPLICATE, value=value, first=first_row[value])
            else:
                first_row[value] = row
    return np.array(ids, dtype=np.str_) if ids else np.empty(0, dtype=np.str_)


def _id_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _hashable(value: object) -> object:
    return value if isinstance(value, (str, int, float, type(None))) else repr(value)


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
