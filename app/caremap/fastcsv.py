"""The fast path for plain CSV files, behind the row-by-row loaders of app/caremap/loaders.py.

Most files are plain: no quotes, no blank lines, the same number of fields on
every row, valid values. Those are parsed by pyarrow's multi-threaded CSV
reader and checked with vectorised tests. Whenever anything is unusual or
wrong (a GeoJSON file, quotes, a blank line, a missing column, a value that
does not parse, is blank where required, out of range, an unknown code, a
duplicate id ...), the fast path returns None and the row-by-row path in
loaders.py reads the same bytes, so every error message (file, row, field) and the
all-or-nothing rule stay exactly as they were. Values the fast path accepts
are a subset of those the row-by-row path accepts and come out identical
(numbers are correctly rounded by both; codes and ids go through the same
``strip``/``lower`` rules).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

from .columns import (
    COST_COLUMNS,
    DEMAND_POINT_COLUMNS,
    SUPPLY_COLUMNS,
    SUPPLY_OPTIONAL,
    impute_capacity,
)
from .model import (
    CARE_GROUPS,
    SOURCES,
    SPHERES,
    BoolArray,
    CodeArray,
    CostTable,
    Demand,
    FloatArray,
    StrArray,
    Supply,
)
from .tables import Source

_BOM = b"\xef\xbb\xbf"
# ASCII bytes str.strip() removes (tab to carriage return, the separators 0x1c-0x1f, space):
# an id that starts or ends with one goes through Python's own strip.
_EDGE_SPACE = np.zeros(256, dtype=np.bool_)
_EDGE_SPACE[[*range(0x09, 0x0E), *range(0x1C, 0x20), 0x20]] = True


def raw_source(source: Source, filename: str | None) -> tuple[bytes | str, str]:
    """The undecoded content and the name errors are reported under (as ``read_source``)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        return path.read_bytes(), filename or path.name
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), filename or "upload"
    data = source.read()
    return data, filename or Path(str(getattr(source, "name", "upload"))).name


def replay(data: bytes | str, name: str) -> tuple[Source, str]:
    """The content again as a source for the row-by-row path."""
    return (data if isinstance(data, bytes) else io.StringIO(data)), name


def _plain_csv_columns(
    data: bytes | str,
    name: str,
    required: tuple[str, ...],
    numeric: frozenset[str],
    optional: tuple[str, ...] = (),
    codes: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], int] | None:
    """pyarrow columns of a plain CSV with every required column (chunked as read), or None.

    Columns are read chunk by chunk below, never combined or dictionary-encoded by
    pyarrow: those methods import ``pyarrow.compute``, a tenth of a second that the
    command then spends in a thread while it computes (app/caremap/cli.py)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".geojson", ".json"):
        return None
    if isinstance(data, str):
        data = data.lstrip("\ufeff").encode("utf-8")
    elif data.startswith(_BOM):
        data = data[len(_BOM) :]
    if suffix != ".csv" and data[:4096].lstrip()[:1] in (b"{", b""):
        return None  # GeoJSON by content (or only blanks): the row-by-row path decides
    if not data.isascii():
        try:
            data.decode("utf-8")  # the row-by-row path raises on invalid UTF-8
        except UnicodeDecodeError:
            return None
    end = len(data)
    while end and data[end - 1] == 0x0A:  # trailing line ends, LF or CRLF
        end -= 2 if end > 1 and data[end - 2] == 0x0D else 1
    body = data[:end]
    if b'"' in body or b"\n\n" in body or b"\n\r\n" in body:
        return None
    crs = body.count(b"\r")
    if crs and crs != body.count(b"\r\n"):
        return None
    head, sep, _ = body.partition(b"\n")
    if not sep:
        return None
    header = [h.strip().lower() for h in head.rstrip(b"\r").decode("utf-8").split(",")]
    if len(set(header)) != len(header) or not all(header):
        return None
    if any(c not in header for c in required):
        return None
    n_rows = body.count(b"\n")
    wanted = [c for c in (*required, *optional) if c in header]
    try:
        table = pv.read_csv(
            pa.py_buffer(body),
            read_options=pv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pv.ParseOptions(
                quote_char=False, escape_char=False, ignore_empty_lines=False
            ),
            convert_options=pv.ConvertOptions(
                column_types={c: _column_type(c, numeric, codes) for c in wanted},
                include_columns=wanted,
                null_values=[""],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, ValueError, TypeError):
        return None
    if table.num_rows != n_rows:
        return None
    return {c: table.column(c) for c in wanted}, n_rows


def _column_type(column: str, numeric: frozenset[str], codes: frozenset[str]) -> Any:
    if column in numeric:
        return pa.float64()
    if column in codes:
        return pa.dictionary(pa.int32(), pa.string())
    return pa.string()


def _fast_floats(
    col: Any,
    *,
    optional: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    nonnegative: bool = False,
) -> tuple[FloatArray, BoolArray] | None:
    if col.null_count and not optional:
        return None
    parts = [_chunk_floats(chunk) for chunk in col.chunks]
    values = np.concatenate([v for v, _ in parts]) if parts else np.empty(0)
    blank = np.concatenate([b for _, b in parts]) if parts else np.empty(0, dtype=np.bool_)
    values[blank] = np.nan
    finite = np.isfinite(values)
    if not finite[~blank].all():
        return None
    ok = values[finite]
    if lo is not None and hi is not None and ((ok < lo) | (ok > hi)).any():
        return None
    if nonnegative and (ok < 0).any():
        return None
    return values, blank


def _chunk_floats(chunk: Any) -> tuple[FloatArray, BoolArray]:
    """(values, blank) straight from the Arrow buffers: to_numpy or a Python scalar would
    import pandas (when installed) on first use. The value slots of nulls are undefined."""
    n = len(chunk)
    blank = np.zeros(n, dtype=np.bool_)
    if chunk.null_count:
        bits = np.unpackbits(np.frombuffer(chunk.buffers()[0], dtype=np.uint8), bitorder="little")
        blank = bits[chunk.offset : chunk.offset + n] == 0
    values = np.frombuffer(chunk.buffers()[1], dtype=np.float64, count=n, offset=chunk.offset * 8)
    return values, blank


def _fast_codes(col: Any, allowed: tuple[str, ...], *, optional: bool = False) -> CodeArray | None:
    """Codes of a column read as a dictionary (each chunk has a dictionary of its own)."""
    parts = []
    for chunk in col.chunks:
        lookup = []
        for raw in chunk.dictionary.to_pylist():
            text = raw.strip().lower()
            lookup.append(allowed.index(text) if text in allowed else (-1 if not text else -2))
        table = np.array(lookup, dtype=np.int8)
        if (table == -2).any() or (not optional and (table == -1).any()):
            return None
        indices = chunk.indices
        positions = np.frombuffer(
            indices.buffers()[1], dtype=np.int32, count=len(indices), offset=indices.offset * 4
        )
        parts.append(table[positions])
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int8)


def _fast_strings(col: Any) -> list[str]:
    return [v.strip() for chunk in col.chunks for v in chunk.to_pylist()]


def _fast_ids(col: Any) -> StrArray | None:
    """Stripped, non-blank and unique ids as a NumPy str array, or None."""
    n = len(col)
    if n == 0:
        return None
    pieces = [_chunk_bytes(chunk) for chunk in col.chunks]
    lengths = np.concatenate([length for length, _ in pieces])
    if lengths.min() == 0:
        return None
    data = np.concatenate([d for _, d in pieces]) if len(pieces) > 1 else pieces[0][1]
    starts = np.cumsum(lengths) - lengths
    edges = np.concatenate((data.take(starts), data.take(starts + lengths - 1)))
    if (data >= 0x80).any() or _EDGE_SPACE[edges].any():
        ids = _fast_strings(col)  # non-ASCII or spaces at an edge: Python's own strip
        if "" in ids or len(set(ids)) != n:
            return None
        return np.array(ids, dtype=np.str_)
    width = int(lengths.max())
    chars = np.zeros((n, width), dtype=np.uint32)
    chars[np.arange(width) < lengths[:, None]] = data  # ASCII: one byte, one code point
    if not _all_distinct(chars, lengths):
        return None
    return chars.view(f"<U{width}").reshape(n)


def _chunk_bytes(chunk: Any) -> tuple[np.ndarray, np.ndarray]:
    """(length of each cell, the cells' UTF-8 bytes one after another) of a string chunk."""
    n = len(chunk)
    offsets = np.frombuffer(
        chunk.buffers()[1], dtype=np.int32, count=n + 1, offset=chunk.offset * 4
    )
    return np.diff(offsets), np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[
        offsets[0] : offsets[-1]
    ]


def _all_distinct(chars: np.ndarray, lengths: np.ndarray) -> bool:
    """Exact test that no two rows of ``chars`` (with their lengths) are equal.

    Rows are hashed to 64 bits and the hashes sorted; only when two hashes
    collide are the strings compared in Python.
    """
    with np.errstate(over="ignore"):
        h = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        for k in range(chars.shape[1]):
            h ^= chars[:, k].astype(np.uint64)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(31)
    h.sort()
    if not (h[1:] == h[:-1]).any():
        return True
    rows = ["".join(map(chr, r[:n])) for r, n in zip(chars.tolist(), lengths.tolist(), strict=True)]
    return len(set(rows)) == len(rows)


def fast_demand(data: bytes | str, name: str) -> Demand | None:
    parsed = _plain_csv_columns(
        data,
        name,
        DEMAND_POINT_COLUMNS,
        frozenset({"lon", "lat", "persons"}),
        codes=frozenset({"care_group"}),
    )
    if parsed is None:
        return None
    cols, _ = parsed
    ids = _fast_ids(cols["id"])
    lon = _fast_floats(cols["lon"], lo=-180, hi=180)
    lat = _fast_floats(cols["lat"], lo=-90, hi=90)
    group = _fast_codes(cols["care_group"], CARE_GROUPS)
    persons = _fast_floats(cols["persons"], nonnegative=True)
    if ids is None or lon is None or lat is None or group is None or persons is None:
        return None
    return Demand(ids, lon[0], lat[0], group, persons[0], name)


def fast_supply(data: bytes | str, name: str) -> Supply | None:
    parsed = _plain_csv_columns(
        data,
        name,
        SUPPLY_COLUMNS,
        frozenset({"lon", "lat", "capacity"}),
        SUPPLY_OPTIONAL,
        codes=frozenset({"care_group", "sphere", "source"}),
    )
    if parsed is None:
        return None
    cols, n = parsed
    ids = _fast_ids(cols["id"])
    lon = _fast_floats(cols["lon"], lo=-180, hi=180)
    lat = _fast_floats(cols["lat"], lo=-90, hi=90)
    group = _fast_codes(cols["care_group"], CARE_GROUPS)
    sphere = _fast_codes(cols["sphere"], SPHERES)
    capacity = _fast_floats(cols["capacity"], optional=True, nonnegative=True)
    origin = (
        _fast_codes(cols["source"], SOURCES, optional=True)
        if "source" in cols
        else np.full(n, -1, dtype=np.int8)
    )
    if (
        ids is None
        or lon is None
        or lat is None
        or group is None
        or sphere is None
        or capacity is None
        or origin is None
    ):
        return None

    def text(column: str) -> tuple[str, ...]:
        return tuple(_fast_strings(cols[column])) if column in cols else ("",) * n

    values, blank = capacity
    return Supply(
        ids=ids,
        lon=lon[0],
        lat=lat[0],
        group=group,
        sphere=sphere,
        capacity=impute_capacity(values, blank, group, sphere),
        imputed=blank,
        origin=origin,
        names=text("name"),
        services=text("services"),
        opening_hours=text("opening_hours"),
        source=name,
    )


def fast_cost_table(data: bytes | str, name: str, unit: str) -> CostTable | None:
    parsed = _plain_csv_columns(data, name, COST_COLUMNS, frozenset({"cost"}))
    if parsed is None:
        return None
    cols, n = parsed
    ends = []
    for column in ("origin_id", "destination_id"):
        values = np.array(_fast_strings(cols[column]), dtype=np.str_)
        if (values == "").any():
            return None
        ends.append(values)
    cost = _fast_floats(cols["cost"], nonnegative=True)
    if cost is None:
        return None
    return CostTable(ends[0], ends[1], cost[0], unit, name, np.arange(2, n + 2, dtype=np.int64))
