"""Loaders for territorial units, demand, supply and cost tables (CSV or GeoJSON, WGS84).

Each loader reads a whole file, collects every problem it finds (up to
:data:`~.errors.MAX_ISSUES`) and raises one :class:`~.errors.CareDataError`
naming file, row and field for each; it returns nothing from a file with
errors, so nothing is ever partially imported. A source is a path, bytes or a
file object; CSV or GeoJSON is told by extension (``.csv``, ``.geojson``,
``.json``), else by content (GeoJSON starts with ``{``).

Demand comes as points (``id, lon, lat, care_group, persons``) or as counts per
unit (``unit_id, care_group, persons``). A count is placed at the unit's
point-on-surface (an interior point), or, when the unit has sub-units among the
loaded units (``parent_id``), spread over its leaf sub-units in proportion to
their area, each share at that sub-unit's point-on-surface.

Missing capacity (a blank ``capacity`` cell) is imputed, and flagged per
facility in ``Supply.imputed``, by this rule: the median of the stated
capacities of facilities with the same care group and sphere in the file; if
there are none, the median for the same care group; if none either, 1.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from .errors import CareDataError, CareIssue, IssueCollector
from .geometry import point_on_surface, unit_area_m2
from .model import (
    CARE_GROUPS,
    SOURCES,
    SPHERES,
    BoolArray,
    CodeArray,
    CostTable,
    Demand,
    FloatArray,
    Polygon,
    StrArray,
    Supply,
    Unit,
    Units,
)
from .tables import (
    MSG_DUPLICATE,
    MSG_NO_ROWS,
    MSG_OUT_OF_RANGE,
    MSG_REQUIRED,
    Source,
    Table,
    codes,
    csv_table,
    features_of,
    floats,
    gc_paused,
    geojson_point_table,
    identifiers,
    load_json,
    looks_like_geojson,
    properties_of,
    read_source,
    require_columns,
    strings,
)

MSG_GEOMETRY = "Row %(row)s, field %(field)s: expected a Polygon or MultiPolygon"
MSG_RING = "Row %(row)s, field %(field)s: a ring needs at least 3 distinct positions"
MSG_COORDS = "Row %(row)s, field %(field)s: coordinates must be [lon, lat] numbers"
MSG_UNKNOWN_PARENT = "Row %(row)s, field %(field)s: no unit has the id %(value)s"
MSG_UNKNOWN_ID = "Row %(row)s, field %(field)s: no %(kind)s has the id %(value)s"

DEMAND_POINT_COLUMNS = ("id", "lon", "lat", "care_group", "persons")
DEMAND_COUNT_COLUMNS = ("unit_id", "care_group", "persons")
SUPPLY_COLUMNS = ("id", "lon", "lat", "care_group", "sphere", "capacity")
SUPPLY_OPTIONAL = ("name", "services", "opening_hours", "source")
COST_COLUMNS = ("origin_id", "destination_id", "cost")


def _table(
    source: Source, filename: str | None, point_names: tuple[str, ...]
) -> tuple[Table, IssueCollector]:
    """The file as columns, with the structural issues found so far (raised later, together)."""
    text, name = read_source(source, filename)
    issues = IssueCollector(name)
    if looks_like_geojson(text, name):
        table = geojson_point_table(load_json(text, name), name, point_names, issues)
    else:
        table = csv_table(text, name, issues)
    if not table.columns:
        issues.raise_if_any()
    if len(table) == 0 and not issues:
        raise CareDataError([CareIssue(name, None, None, MSG_NO_ROWS, {})])
    return table, issues


# --- territorial units -------------------------------------------------------------


def load_units(source: Source, *, filename: str | None = None) -> Units:
    """Polygons/multipolygons with ``unit_id``, ``name``, ``level`` and optional ``parent_id``."""
    text, name = read_source(source, filename)
    feats = features_of(load_json(text, name), name)
    issues = IssueCollector(name)
    parsed: list[tuple[int, str, str, str, str | None, tuple[Polygon, ...]]] = []
    first_row: dict[str, int] = {}
    for number, feat in enumerate(feats, start=1):
        props = properties_of(feat)
        values: dict[str, str] = {}
        for key in ("unit_id", "name", "level"):
            raw = props.get(key)
            text_value = "" if raw is None else str(raw).strip()
            if not text_value:
                issues.add(number, key, MSG_REQUIRED)
            values[key] = text_value
        raw_parent = props.get("parent_id")
        parent = None if raw_parent in (None, "") else str(raw_parent).strip()
        polygons = _polygons(feat.get("geometry"), number, issues)
        unit_id = values["unit_id"]
        if unit_id and unit_id in first_row:
            issues.add(number, "unit_id", MSG_DUPLICATE, value=unit_id, first=first_row[unit_id])
        elif unit_id:
            first_row[unit_id] = number
        if polygons is not None:
            parsed.append((number, unit_id, values["name"], values["level"], parent, polygons))
    for number, unit_id, _, _, parent, _ in parsed:
        if parent is not None and (parent not in first_row or parent == unit_id):
            issues.add(number, "parent_id", MSG_UNKNOWN_PARENT, value=parent)
    if not feats:
        issues.add(None, None, MSG_NO_ROWS)
    issues.raise_if_any()
    items = tuple(Unit(uid, nm, lvl, par, polys) for _, uid, nm, lvl, par, polys in parsed)
    return Units(items, name)


def _polygons(geom: object, number: int, issues: IssueCollector) -> tuple[Polygon, ...] | None:
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        issues.add(number, "geometry", MSG_GEOMETRY)
        return None
    coords = geom.get("coordinates")
    parts = [coords] if geom.get("type") == "Polygon" else coords
    if not isinstance(parts, list) or not parts:
        issues.add(number, "geometry", MSG_COORDS)
        return None
    polygons: list[Polygon] = []
    for part in parts:
        if not isinstance(part, list) or not part:
            issues.add(number, "geometry", MSG_COORDS)
            return None
        rings: list[np.ndarray] = []
        for ring_coords in part:
            ring = _ring(ring_coords, number, issues)
            if ring is None:
                return None
            rings.append(ring)
        polygons.append(tuple(rings))
    return tuple(polygons)


def _ring(coords: object, number: int, issues: IssueCollector) -> FloatArray | None:
    try:
        ring = np.array(coords, dtype=np.float64)
    except (ValueError, TypeError):
        ring = np.empty((0, 0))
    if ring.ndim != 2 or ring.shape[1] < 2 or not np.isfinite(ring).all():
        issues.add(number, "geometry", MSG_COORDS)
        return None
    ring = np.ascontiguousarray(ring[:, :2])
    bad = (np.abs(ring[:, 0]) > 180) | (np.abs(ring[:, 1]) > 90)
    if bad.any():
        lon, lat = ring[np.argmax(bad)]
        issues.add(number, "geometry", MSG_OUT_OF_RANGE, value=f"[{lon}, {lat}]", min=-180, max=180)
        return None
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack((ring, ring[:1]))
    if np.unique(ring[:-1], axis=0).shape[0] < 3:
        issues.add(number, "geometry", MSG_RING)
        return None
    return ring


# --- demand --------------------------------------------------------------------------


def load_demand(
    source: Source, *, filename: str | None = None, units: Units | None = None
) -> Demand:
    """Demand points, or counts per unit (placed inside the unit; needs ``units``)."""
    data, name = _raw_source(source, filename)
    fast = _fast_demand(data, name)
    if fast is not None:
        return fast
    source, filename = _replay(data, name)
    table, issues = _table(source, filename, DEMAND_POINT_COLUMNS)
    if table.kind == "csv" and "lon" not in table.columns and "unit_id" in table.columns:
        return _demand_counts(table, units, issues)
    if not require_columns(table, DEMAND_POINT_COLUMNS, issues):
        issues.raise_if_any()
    ids = identifiers(table, "id", issues)
    lon, _ = floats(table, "lon", issues, lo=-180, hi=180)
    lat, _ = floats(table, "lat", issues, lo=-90, hi=90)
    group = codes(table, "care_group", CARE_GROUPS, issues)
    persons, _ = floats(table, "persons", issues, nonnegative=True)
    issues.raise_if_any()
    return Demand(ids, lon, lat, group, persons, table.file)


def _demand_counts(table: Table, units: Units | None, issues: IssueCollector) -> Demand:
    if not require_columns(table, DEMAND_COUNT_COLUMNS, issues):
        issues.raise_if_any()
    if units is None:
        issues.add(None, "unit_id", "Counts per unit need the territorial units file")
        issues.raise_if_any()
        raise AssertionError  # unreachable: raise_if_any raised
    index = {u.unit_id: k for k, u in enumerate(units.items)}
    unit_ids = strings(table, "unit_id")
    group = codes(table, "care_group", CARE_GROUPS, issues)
    persons, _ = floats(table, "persons", issues, nonnegative=True)
    first_row: dict[tuple[str, int], int] = {}
    for k, uid in enumerate(unit_ids):
        row = int(table.rows[k])
        if uid not in index:
            issues.add(row, "unit_id", MSG_UNKNOWN_ID, kind="unit", value=uid)
        key = (uid, int(group[k]))
        if key in first_row:
            issues.add(row, "unit_id", MSG_DUPLICATE, value=uid, first=first_row[key])
        first_row.setdefault(key, row)
    issues.raise_if_any()
    placements = _placements(units)
    ids: list[str] = []
    lon: list[float] = []
    lat: list[float] = []
    groups: list[int] = []
    amounts: list[float] = []
    for k, uid in enumerate(unit_ids):
        for suffix, (x, y), share in placements[uid]:
            ids.append(f"{uid}{suffix}:{CARE_GROUPS[group[k]]}")
            lon.append(x)
            lat.append(y)
            groups.append(int(group[k]))
            amounts.append(float(persons[k]) * share)
    return Demand(
        np.array(ids, dtype=np.str_),
        np.array(lon, dtype=np.float64),
        np.array(lat, dtype=np.float64),
        np.array(groups, dtype=np.int8),
        np.array(amounts, dtype=np.float64),
        table.file,
    )


def _placements(units: Units) -> dict[str, list[tuple[str, tuple[float, float], float]]]:
    """Per unit: (id suffix, interior point, share) for the unit itself or its leaf sub-units."""
    children: dict[str, list[Unit]] = {}
    for u in units.items:
        if u.parent_id is not None:
            children.setdefault(u.parent_id, []).append(u)

    def leaves(u: Unit, seen: frozenset[str]) -> list[Unit]:
        kids = [c for c in children.get(u.unit_id, []) if c.unit_id not in seen]
        if not kids:
            return [u]
        return [leaf for c in kids for leaf in leaves(c, seen | {c.unit_id})]

    out: dict[str, list[tuple[str, tuple[float, float], float]]] = {}
    for u in units.items:
        parts = leaves(u, frozenset({u.unit_id}))
        if parts == [u]:
            out[u.unit_id] = [("", point_on_surface(u), 1.0)]
            continue
        areas = np.array([unit_area_m2(p) for p in parts])
        shares = areas / areas.sum() if areas.sum() > 0 else np.full(len(parts), 1 / len(parts))
        out[u.unit_id] = [
            (f"/{p.unit_id}", point_on_surface(p), float(s))
            for p, s in zip(parts, shares, strict=True)
        ]
    return out


# --- supply --------------------------------------------------------------------------


def load_supply(source: Source, *, filename: str | None = None) -> Supply:
    """Facilities; blank capacities are imputed (see the module docstring) and flagged."""
    with gc_paused():
        return _load_supply(source, filename)


def _load_supply(source: Source, filename: str | None) -> Supply:
    data, name = _raw_source(source, filename)
    fast = _fast_supply(data, name)
    if fast is not None:
        return fast
    source, filename = _replay(data, name)
    table, issues = _table(source, filename, SUPPLY_COLUMNS + SUPPLY_OPTIONAL)
    if not require_columns(table, SUPPLY_COLUMNS, issues):
        issues.raise_if_any()
    ids = identifiers(table, "id", issues)
    lon, _ = floats(table, "lon", issues, lo=-180, hi=180)
    lat, _ = floats(table, "lat", issues, lo=-90, hi=90)
    group = codes(table, "care_group", CARE_GROUPS, issues)
    sphere = codes(table, "sphere", SPHERES, issues)
    capacity, blank = floats(table, "capacity", issues, optional=True, nonnegative=True)
    origin = codes(table, "source", SOURCES, issues, optional=True)
    issues.raise_if_any()
    capacity = impute_capacity(capacity, blank, group, sphere)
    return Supply(
        ids=ids,
        lon=lon,
        lat=lat,
        group=group,
        sphere=sphere,
        capacity=capacity,
        imputed=blank,
        origin=origin,
        names=tuple(strings(table, "name")),
        services=tuple(strings(table, "services")),
        opening_hours=tuple(strings(table, "opening_hours")),
        source=table.file,
    )


def impute_capacity(
    capacity: FloatArray, missing: BoolArray, group: CodeArray, sphere: CodeArray
) -> FloatArray:
    """Median of same group+sphere, else of same group, else 1 (see module docstring)."""
    out = capacity.copy()
    if not missing.any():
        return out
    known = ~missing
    for g in np.unique(group[missing]):
        same_group = known & (group == g)
        group_median = float(np.median(capacity[same_group])) if same_group.any() else 1.0
        for sp in np.unique(sphere[missing & (group == g)]):
            same_both = same_group & (sphere == sp)
            value = float(np.median(capacity[same_both])) if same_both.any() else group_median
            out[missing & (group == g) & (sphere == sp)] = value
    return out


# --- cost table ----------------------------------------------------------------------


def load_cost_table(source: Source, *, filename: str | None = None, unit: str = "m") -> CostTable:
    """``origin_id`` (demand id), ``destination_id`` (facility id), ``cost`` in ``unit``."""
    with gc_paused():
        return _load_cost_table(source, filename, unit)


def _load_cost_table(source: Source, filename: str | None, unit: str) -> CostTable:
    data, name = _raw_source(source, filename)
    fast = _fast_cost_table(data, name, unit)
    if fast is not None:
        return fast
    source, filename = _replay(data, name)
    table, issues = _table(source, filename, COST_COLUMNS)
    if not require_columns(table, COST_COLUMNS, issues):
        issues.raise_if_any()
    origin = np.array(strings(table, "origin_id"), dtype=np.str_)
    destination = np.array(strings(table, "destination_id"), dtype=np.str_)
    for name, col in (("origin_id", origin), ("destination_id", destination)):
        for k in np.flatnonzero(col == ""):
            issues.add(int(table.rows[k]), name, MSG_REQUIRED)
    cost, _ = floats(table, "cost", issues, nonnegative=True)
    issues.raise_if_any()
    return CostTable(origin, destination, cost, unit, table.file, table.rows)


# --- fast path for plain CSV files -------------------------------------------------
#
# Most files are plain: no quotes, no blank lines, the same number of fields on
# every row, valid values. Those are parsed by pyarrow's multi-threaded CSV
# reader and checked with vectorised tests. Whenever anything is unusual or
# wrong (a GeoJSON file, quotes, a blank line, a missing column, a value that
# does not parse, is blank where required, out of range, an unknown code, a
# duplicate id ...), the fast path returns None and the row-by-row path above
# reads the same bytes, so every error message (file, row, field) and the
# all-or-nothing rule stay exactly as they were. Values the fast path accepts
# are a subset of those the row-by-row path accepts and come out identical
# (numbers are correctly rounded by both; codes and ids go through the same
# ``strip``/``lower`` rules).

_BOM = b"\xef\xbb\xbf"
# Characters str.strip() removes that can start or end an ASCII cell.
_EDGE_SPACE = r"^[\s\x0b\x1c-\x1f]|[\s\x0b\x1c-\x1f]$|[^\x00-\x7f]"


def _raw_source(source: Source, filename: str | None) -> tuple[bytes | str, str]:
    """The undecoded content and the name errors are reported under (as ``read_source``)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        return path.read_bytes(), filename or path.name
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), filename or "upload"
    data = source.read()
    return data, filename or Path(str(getattr(source, "name", "upload"))).name


def _replay(data: bytes | str, name: str) -> tuple[Source, str]:
    """The content again as a source for the row-by-row path."""
    return (data if isinstance(data, bytes) else io.StringIO(data)), name


def _plain_csv_columns(
    data: bytes | str,
    name: str,
    required: tuple[str, ...],
    numeric: frozenset[str],
    optional: tuple[str, ...] = (),
) -> tuple[dict[str, Any], int] | None:
    """pyarrow columns of a plain CSV with every required column, or None."""
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
                column_types={c: pa.float64() if c in numeric else pa.string() for c in wanted},
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
    return {c: table.column(c).combine_chunks() for c in wanted}, n_rows


def _fast_floats(
    col: Any,
    *,
    optional: bool = False,
    lo: float | None = None,
    hi: float | None = None,
    nonnegative: bool = False,
) -> tuple[FloatArray, BoolArray] | None:
    n = len(col)
    blank = np.zeros(n, dtype=np.bool_)
    if col.null_count:
        if not optional:
            return None
        bits = np.unpackbits(np.frombuffer(col.buffers()[0], dtype=np.uint8), bitorder="little")
        blank = bits[col.offset : col.offset + n] == 0
    # Straight from the Arrow buffer: to_numpy or a Python scalar would import pandas
    # (when installed) on first use. The value slots of nulls are undefined: set to NaN.
    values = np.frombuffer(col.buffers()[1], dtype=np.float64, count=n, offset=col.offset * 8)
    values = values.copy()
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


def _fast_codes(col: Any, allowed: tuple[str, ...], *, optional: bool = False) -> CodeArray | None:
    encoded = col.dictionary_encode()
    lookup = []
    for raw in encoded.dictionary.to_pylist():
        text = raw.strip().lower()
        lookup.append(allowed.index(text) if text in allowed else (-1 if not text else -2))
    table = np.array(lookup, dtype=np.int8)
    if (table == -2).any() or (not optional and (table == -1).any()):
        return None
    indices = encoded.indices
    positions = np.frombuffer(
        indices.buffers()[1], dtype=np.int32, count=len(indices), offset=indices.offset * 4
    )
    return table[positions]


def _fast_strings(col: Any) -> list[str]:
    return [v.strip() for v in col.to_pylist()]


def _fast_ids(col: Any) -> StrArray | None:
    """Stripped, non-blank and unique ids as a NumPy str array, or None."""
    n = len(col)
    if n == 0:
        return None
    if pc.any(pc.match_substring_regex(col, _EDGE_SPACE)).as_py():
        ids = _fast_strings(col)  # non-ASCII or spaces at an edge: Python's own strip
        if "" in ids or len(set(ids)) != n:
            return None
        return np.array(ids, dtype=np.str_)
    offsets = np.frombuffer(col.buffers()[1], dtype=np.int32, count=n + 1, offset=col.offset * 4)
    lengths = np.diff(offsets)
    if lengths.min() == 0:
        return None
    width = int(lengths.max())
    data = np.frombuffer(col.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    chars = np.zeros((n, width), dtype=np.uint32)
    chars[np.arange(width) < lengths[:, None]] = data  # ASCII: one byte, one code point
    if not _all_distinct(chars, lengths):
        return None
    return chars.view(f"<U{width}").reshape(n)


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


def _fast_demand(data: bytes | str, name: str) -> Demand | None:
    parsed = _plain_csv_columns(
        data, name, DEMAND_POINT_COLUMNS, frozenset({"lon", "lat", "persons"})
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


def _fast_supply(data: bytes | str, name: str) -> Supply | None:
    parsed = _plain_csv_columns(
        data,
        name,
        SUPPLY_COLUMNS,
        frozenset({"lon", "lat", "capacity"}),
        SUPPLY_OPTIONAL,
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


def _fast_cost_table(data: bytes | str, name: str, unit: str) -> CostTable | None:
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
