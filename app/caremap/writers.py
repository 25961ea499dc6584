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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

import numpy as np

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
    ids = _csv_fields(p.ids.tolist())
    groups = np.array(CARE_GROUPS)[p.group].tolist()
    access = _float_cells(p.access)
    near = _float_cells(p.nearest_m)
    reach = list(map(str, p.n_in_reach.tolist()))
    flag = np.where(p.no_supply, "true", "false").tolist()
    rows = zip(ids, groups, access, near, reach, flag, strict=True)
    _write(target, POINT_COLUMNS, (",".join(r) + "\n" for r in rows))


def write_facilities_csv(result: CareMapResult, target: Target) -> None:
    f = result.facilities
    ids = _csv_fields(f.ids.tolist())
    groups = np.array(CARE_GROUPS)[f.group].tolist()
    cols = (_float_cells(f.capacity), _float_cells(f.ratio), _float_cells(f.catchment_demand))
    flag = np.where(f.unreached, "true", "false").tolist()
    rows = zip(ids, groups, *cols, flag, strict=True)
    _write(target, FACILITY_COLUMNS, (",".join(r) + "\n" for r in rows))


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
