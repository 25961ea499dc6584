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

import numpy as np

from .columns import (
    COST_COLUMNS,
    DEMAND_COUNT_COLUMNS,
    DEMAND_POINT_COLUMNS,
    SUPPLY_COLUMNS,
    SUPPLY_OPTIONAL,
    impute_capacity,
)
from .errors import CareDataError, CareIssue, IssueCollector
from .fastcsv import fast_cost_table, fast_demand, fast_supply, raw_source, replay
from .geometry import point_on_surface, unit_area_m2
from .model import (
    CARE_GROUPS,
    SOURCES,
    SPHERES,
    CostTable,
    Demand,
    FloatArray,
    Polygon,
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
    except (ValueError, TypeError, OverflowError):  # OverflowError: a JSON integer beyond float
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
    data, name = raw_source(source, filename)
    fast = fast_demand(data, name)
    if fast is not None:
        return fast
    source, filename = replay(data, name)
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
    data, name = raw_source(source, filename)
    fast = fast_supply(data, name)
    if fast is not None:
        return fast
    source, filename = replay(data, name)
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


# --- cost table ----------------------------------------------------------------------


def load_cost_table(source: Source, *, filename: str | None = None, unit: str = "m") -> CostTable:
    """``origin_id`` (demand id), ``destination_id`` (facility id), ``cost`` in ``unit``."""
    with gc_paused():
        return _load_cost_table(source, filename, unit)


def _load_cost_table(source: Source, filename: str | None, unit: str) -> CostTable:
    data, name = raw_source(source, filename)
    fast = fast_cost_table(data, name, unit)
    if fast is not None:
        return fast
    source, filename = replay(data, name)
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
