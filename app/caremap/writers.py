"""Writers for the output contract: points.csv, units.csv, facilities.csv, GeoJSON.

Column order is a contract other tools read. Floats are written with ``repr``
(shortest round-trip); NaN and infinity are written as an empty cell in CSV and
``null`` in GeoJSON; booleans as ``true``/``false``.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .model import CARE_GROUPS, CareMapResult, FloatArray, UnitResult, Units
from .tables import gc_paused

POINT_COLUMNS = ("id", "care_group", "access", "nearest_m", "n_in_reach", "no_supply")
UNIT_COLUMNS = (
    "unit_id",
    "care_group",
    "persons",
    "capacity_located",
    "accessible_places",
    "coverage",
    "access_per_1000",
    "gap_places",
    "share_no_access",
    "nearest_median_m",
    "nearest_p90_m",
    "imputed_share",
    "params_hash",
)
FACILITY_COLUMNS = ("id", "care_group", "capacity", "ratio", "catchment_demand", "unreached")

Target = str | os.PathLike[str] | IO[str]


def _float_cells(values: FloatArray) -> list[str]:
    cells = list(map(repr, values.tolist()))
    for k in np.flatnonzero(~np.isfinite(values)):
        cells[k] = ""
    return cells


def _cell(value: float) -> str:
    return repr(value) if math.isfinite(value) else ""


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_fields(values: list[str]) -> list[str]:
    blob = "\0".join(values)
    if not any(c in blob for c in ',"\r\n'):
        return values
    return [_csv_field(v) for v in values]


def _write(target: Target, header: Sequence[str], lines: Iterable[str]) -> None:
    if isinstance(target, (str, os.PathLike)):
        with Path(target).open("w", encoding="utf-8", newline="") as fh:
            _write(fh, header, lines)
        return
    target.write(",".join(header) + "\n")
    with gc_paused():
        target.write("".join(lines))


def write_points_csv(result: CareMapResult, target: Target) -> None:
    p = result.points
    columns = [
        _text_column(p.ids),
        _code_column(p.group, CARE_GROUPS),
        _float_column(p.access),
        _float_column(p.nearest_m),
        _int_column(p.n_in_reach),
        _flag_column(p.no_supply),
    ]
    _write_columns(target, POINT_COLUMNS, columns)


def write_facilities_csv(result: CareMapResult, target: Target) -> None:
    f = result.facilities
    columns = [
        _text_column(f.ids),
        _code_column(f.group, CARE_GROUPS),
        _float_column(f.capacity),
        _float_column(f.ratio),
        _float_column(f.catchment_demand),
        _flag_column(f.unreached),
    ]
    _write_columns(target, FACILITY_COLUMNS, columns)


# --- column-wise writing (pyarrow string kernels, byte-identical to the cells above) --------
#
# Every column becomes an Arrow string array, the rows are joined in C and the
# file body is written from one buffer. Floats: Arrow's shortest round-trip
# digits equal ``repr``'s for 1e-4 <= |x| < 1e10 and for zero once ".0" is added
# to integral values (both print the shortest digits that round-trip, closest to
# the value; they differ only in when they switch to exponents). Any other value
# is written by ``repr`` itself; NaN and infinity are an empty cell.

_POSITIONAL_LO, _POSITIONAL_HI = 1e-4, 1e10

# Arrow arrays and scalars are built from NumPy buffers: pa.array() and Python str
# arguments would make pyarrow import pandas (when installed) on first use.


def _strings(values: Sequence[str]) -> Any:
    data = "".join(values).encode("utf-8")
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(v.encode("utf-8")) for v in values], out=offsets[1:])
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


def _text(value: str) -> Any:
    """A string scalar for compute kernels."""
    return _strings([value])[0]


def _numbers(values: np.ndarray, kind: Any) -> Any:
    return pa.Array.from_buffers(kind, values.shape[0], [None, pa.py_buffer(values)])


def _bools(values: np.ndarray) -> Any:
    bits = np.packbits(np.asarray(values, dtype=np.bool_), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), values.shape[0], [None, pa.py_buffer(bits)])


def _float_column(values: FloatArray) -> Any:
    values = np.ascontiguousarray(values, dtype=np.float64)
    text = pc.cast(_numbers(values, pa.float64()), pa.string())
    magnitude = np.abs(values)
    positional = ((magnitude >= _POSITIONAL_LO) & (magnitude < _POSITIONAL_HI)) | (values == 0)
    # In that range Arrow writes an integral value without a point ("12"); repr writes "12.0".
    integral = positional & (values == np.trunc(values))
    if integral.any():
        text = pc.if_else(
            _bools(integral), pc.binary_join_element_wise(text, _text(".0"), _text("")), text
        )
    other = ~positional
    if other.any():
        text = pc.replace_with_mask(text, _bools(other), _strings(_float_cells(values[other])))
    return text


def _int_column(values: np.ndarray) -> Any:
    return pc.cast(_numbers(np.ascontiguousarray(values, dtype=np.int64), pa.int64()), pa.string())


def _code_column(codes: np.ndarray, names: Sequence[str]) -> Any:
    return _strings(list(names)).take(_numbers(codes.astype(np.int64), pa.int64()))


def _flag_column(flags: np.ndarray) -> Any:
    return _code_column(np.asarray(flags, dtype=np.int64), ("false", "true"))


def _text_column(ids: np.ndarray) -> Any:
    """Ids as CSV cells (quoted when they hold a comma, quote or line break)."""
    ids = np.asarray(ids, dtype=np.str_)
    n = ids.shape[0]
    width = ids.dtype.itemsize // 4
    if n == 0 or width == 0:
        return _strings(_csv_fields(ids.tolist()))
    chars = ids.view(np.uint32).reshape(n, width)
    if np.isin(chars, [ord(c) for c in ',"\r\n']).any() or (chars > 0x7F).any():
        return _strings(_csv_fields(ids.tolist()))
    # ASCII without specials: the code points are the UTF-8 bytes (NumPy pads with NUL).
    used = chars != 0
    lengths = np.where(used.any(axis=1), width - np.argmax(used[:, ::-1], axis=1), 0)
    inside = np.arange(width) < lengths[:, None]
    if not np.array_equal(inside, used):
        return _strings(_csv_fields(ids.tolist()))  # a NUL inside an id
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    data = chars[inside].astype(np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _write_columns(target: Target, header: Sequence[str], columns: list[Any]) -> None:
    """Rows joined by ``,`` and ended by a newline, written a block of rows at a time."""
    if isinstance(target, (str, os.PathLike)):
        with Path(target).open("wb") as fh:
            fh.write((",".join(header) + "\n").encode("utf-8"))
            for block in _row_blocks(columns):
                fh.write(block)
        return
    target.write(",".join(header) + "\n")
    for block in _row_blocks(columns):
        target.write(memoryview(block).tobytes().decode("utf-8"))


def _row_blocks(columns: list[Any], rows_per_block: int = 1 << 20) -> Iterator[Any]:
    """UTF-8 buffers of CSV lines (bounded, so 32-bit string offsets never overflow)."""
    n = len(columns[0])
    for start in range(0, n, rows_per_block):
        part = [c.slice(start, rows_per_block) for c in columns]
        rows = pc.binary_join_element_wise(*part, _text(","))
        lines = pc.binary_join_element_wise(rows, _text("\n"), _text(""))
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset :]
        yield lines.buffers()[2][int(offsets[0]) : int(offsets[len(lines)])]


def unit_row(r: UnitResult) -> list[str]:
    return [
        _csv_field(r.unit_id),
        r.care_group,
        _cell(r.persons),
        _cell(r.capacity_located),
        _cell(r.accessible_places),
        _cell(r.coverage),
        _cell(r.access_per_1000),
        _cell(r.gap_places),
        _cell(r.share_no_access),
        _cell(r.nearest_median_m),
        _cell(r.nearest_p90_m),
        _cell(r.imputed_share),
        r.params_hash,
    ]


def write_units_csv(result: CareMapResult, target: Target) -> None:
    _write(target, UNIT_COLUMNS, (",".join(unit_row(r)) + "\n" for r in result.units))


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def units_geojson(result: CareMapResult, units: Units) -> dict[str, object]:
    """One feature per unit; per-group figures nested under ``care.<group>``."""
    return geojson_from_rows(result.units, units, result.params_hash, result.params.as_dict())


def geojson_from_rows(
    rows: Sequence[UnitResult],
    units: Units,
    params_hash: str,
    params: dict[str, object],
) -> dict[str, object]:
    """As :func:`units_geojson`, from unit rows kept apart from their result (e.g. stored)."""
    by_unit: dict[str, dict[str, dict[str, object]]] = {}
    for r in rows:
        by_unit.setdefault(r.unit_id, {})[r.care_group] = {
            "persons": r.persons,
            "capacity_located": r.capacity_located,
            "accessible_places": r.accessible_places,
            "coverage": _json_number(r.coverage),
            "access_per_1000": _json_number(r.access_per_1000),
            "target_per_1000": r.target_per_1000,
            "gap_places": r.gap_places,
            "rank": r.rank,
            "share_no_access": _json_number(r.share_no_access),
            "nearest_median_m": _json_number(r.nearest_median_m),
            "nearest_p90_m": _json_number(r.nearest_p90_m),
            "imputed_share": r.imputed_share,
            "capacity_by_sphere": r.capacity_by_sphere,
        }
    features: list[dict[str, object]] = []
    for unit in units.items:
        parts = [[ring[:, :2].tolist() for ring in polygon] for polygon in unit.polygons]
        geometry = (
            {"type": "Polygon", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiPolygon", "coordinates": parts}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "unit_id": unit.unit_id,
                    "name": unit.name,
                    "level": unit.level,
                    "parent_id": unit.parent_id,
                    "care": by_unit.get(unit.unit_id, {}),
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "params_hash": params_hash,
        "params": params,
    }


def units_csv_text(rows: Iterable[UnitResult]) -> str:
    """``units.csv`` (the contract's columns) from unit rows."""
    out = io.StringIO()
    _write(out, UNIT_COLUMNS, (",".join(unit_row(r)) + "\n" for r in rows))
    return out.getvalue()


def write_geojson(result: CareMapResult, units: Units, target: Target) -> None:
    text = json.dumps(units_geojson(result, units), ensure_ascii=False, allow_nan=False)
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_text(text, encoding="utf-8")
    else:
        target.write(text)


def rows_to_csv(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> str:
    """Plain CSV text from dict rows (used by the demo data and tests)."""
    out = io.StringIO()
    out.write(",".join(columns) + "\n")
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            cells.append("" if value is None else _csv_field(str(value)))
        out.write(",".join(cells) + "\n")
    return out.getvalue()
