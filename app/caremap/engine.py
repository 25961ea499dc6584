"""The gap engine: neighbours, floating catchment per care group, unit aggregation.

Demand points are matched only to facilities of their own care group. Distances
are great-circle metres (see :mod:`.neighbours`) unless a cost table is given,
in which case its pairs (same group, cost <= catchment) are the only ones in
reach. ``nearest_m`` is always the great-circle distance to the nearest
same-group facility, searched without bound: the smallest distance among a point's
pairs when it has any (great-circle pairs), else an expanding search from 4 x d0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .aggregate import unit_results
from .errors import CareDataError, CareParamError, IssueCollector
from .fingerprint import params_hash
from .geometry import assign_points, outside_all
from .methods import (
    WeightedChunk,
    floating_catchment,
    selection_weights,
    validate_params,
    weigh_chunks,
)
from .model import (
    CARE_GROUPS,
    CareMapResult,
    CostTable,
    Demand,
    FacilityResults,
    FloatArray,
    IntArray,
    Params,
    PointResults,
    StrArray,
    Supply,
    UnitResult,
    Units,
)
from .neighbours import PairChunk, nearest_from_pairs, nearest_m, pairs_within

Progress = Callable[[str, int, int], None]
"""Called as progress(stage, done, total); stages are short English keys."""

MSG_COST_UNKNOWN = "Row %(row)s, field %(field)s: no %(kind)s has the id %(value)s"


def compute(
    demand: Demand,
    supply: Supply,
    params: Params | None = None,
    *,
    units: Units | None = None,
    cost_table: CostTable | None = None,
    progress: Progress | None = None,
    workers: int = 2,
) -> CareMapResult:
    params = params or Params()
    validate_params(params)
    if params.cost_unit == "min" and cost_table is None:
        raise CareParamError("Costs in minutes need a cost table")
    table_pairs = _cost_table_index(cost_table, demand, supply) if cost_table else None

    n, m = len(demand), len(supply)
    access = np.zeros(n)
    n_in_reach = np.zeros(n, dtype=np.int64)
    near = np.full(n, np.inf)
    ratio = np.zeros(m)
    demand_w = np.zeros(m)
    n_pairs = 0
    for g, group in enumerate(CARE_GROUPS):
        d_sel = np.flatnonzero(demand.group == g)
        s_sel = np.flatnonzero(supply.group == g)
        if d_sel.size == 0:
            continue
        d0 = float(params.catchment[group])

        def tick(done: int, total: int, group: str = group) -> None:
            if progress is not None:
                progress(f"pairs:{group}", done, total)

        if table_pairs is None:
            raw: list[PairChunk] = list(
                pairs_within(
                    demand.lon[d_sel],
                    demand.lat[d_sel],
                    supply.lon[s_sel],
                    supply.lat[s_sel],
                    d0,
                    workers=workers,
                    progress=tick,
                )
            )
            near_g = nearest_from_pairs(raw, d_sel.size)
        else:
            raw = [_table_pairs_for(table_pairs, d_sel, s_sel, d0)]
            near_g = np.full(d_sel.size, np.inf)
        chunks: list[WeightedChunk] = weigh_chunks(raw, params, d0)
        del raw
        if params.method == "3sfca":
            chunks = selection_weights(chunks, d_sel.size)
        fca = floating_catchment(chunks, demand.persons[d_sel], supply.capacity[s_sel])
        del chunks
        access[d_sel] = fca.access
        n_in_reach[d_sel] = fca.n_in_reach
        ratio[s_sel] = fca.ratio
        demand_w[s_sel] = fca.catchment_demand
        n_pairs += fca.n_pairs
        if progress is not None:
            progress(f"nearest:{group}", 0, 1)
        far = np.flatnonzero(np.isinf(near_g))
        if far.size:
            near_g[far] = nearest_m(
                demand.lon[d_sel[far]],
                demand.lat[d_sel[far]],
                supply.lon[s_sel],
                supply.lat[s_sel],
                workers=workers,
                start_m=4.0 * d0 if table_pairs is None else None,
            )
        near[d_sel] = near_g

    points = PointResults(
        ids=demand.ids,
        group=demand.group,
        persons=demand.persons,
        access=access,
        nearest_m=near,
        n_in_reach=n_in_reach,
        no_supply=n_in_reach == 0,
    )
    facilities = FacilityResults(
        ids=supply.ids,
        group=supply.group,
        capacity=supply.capacity,
        ratio=ratio,
        catchment_demand=demand_w,
        unreached=demand_w <= 0,
    )
    digest = params_hash(params, units, demand, supply, cost_table)
    unit_rows: tuple[UnitResult, ...] = ()
    outside_d: IntArray = np.empty(0, dtype=np.int64)
    outside_s: IntArray = np.empty(0, dtype=np.int64)
    if units is not None and len(units):
        if progress is not None:
            progress("units", 0, 1)
        d_members = assign_points(units.items, demand.lon, demand.lat)
        s_members = assign_points(units.items, supply.lon, supply.lat)
        outside_d = np.flatnonzero(outside_all(d_members, n))
        outside_s = np.flatnonzero(outside_all(s_members, m))
        unit_rows = unit_results(
            units, d_members, s_members, points, facilities, supply, params, digest
        )
    if progress is not None:
        progress("done", 1, 1)
    return CareMapResult(
        params=params,
        params_hash=digest,
        points=points,
        facilities=facilities,
        units=unit_rows,
        outside_demand_ids=tuple(demand.ids[outside_d].tolist()),
        outside_supply_ids=tuple(supply.ids[outside_s].tolist()),
        outside_persons=float(demand.persons[outside_d].sum()),
        n_pairs=n_pairs,
    )


def _lookup(ids: StrArray, wanted: StrArray) -> IntArray:
    """Index of each wanted id in ``ids``, -1 when absent."""
    if ids.size == 0:
        return np.full(wanted.size, -1, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    pos = np.minimum(np.searchsorted(ordered, wanted), ids.size - 1)
    return np.where(ordered[pos] == wanted, order[pos], -1)


def _cost_table_index(
    table: CostTable, demand: Demand, supply: Supply
) -> tuple[IntArray, IntArray, FloatArray]:
    """Cost-table rows as (demand index, facility index, cost); unknown ids are errors."""
    origin = _lookup(demand.ids, table.origin)
    dest = _lookup(supply.ids, table.destination)
    issues = IssueCollector(table.source or "cost table")
    rows = table.rows if table.rows is not None else np.arange(2, table.cost.size + 2)
    for k in np.flatnonzero(origin < 0):
        issues.add(
            int(rows[k]),
            "origin_id",
            MSG_COST_UNKNOWN,
            kind="demand point",
            value=str(table.origin[k]),
        )
    for k in np.flatnonzero(dest < 0):
        issues.add(
            int(rows[k]),
            "destination_id",
            MSG_COST_UNKNOWN,
            kind="facility",
            value=str(table.destination[k]),
        )
    issues.raise_if_any()
    same = demand.group[origin] == supply.group[dest]
    return origin[same], dest[same], table.cost[same]


def _table_pairs_for(
    pairs: tuple[IntArray, IntArray, FloatArray], d_sel: IntArray, s_sel: IntArray, d0: float
) -> PairChunk:
    origin, dest, cost = pairs
    # Global to group-local indices through dense maps (-1: other group).
    d_map = np.full(max(int(origin.max(initial=-1)), int(d_sel.max(initial=-1))) + 1, -1)
    d_map[d_sel] = np.arange(d_sel.size)
    s_map = np.full(max(int(dest.max(initial=-1)), int(s_sel.max(initial=-1))) + 1, -1)
    s_map[s_sel] = np.arange(s_sel.size)
    i = d_map[origin]
    j = s_map[dest]
    keep = (i >= 0) & (j >= 0) & (cost <= d0)
    return i[keep].astype(np.int32), j[keep].astype(np.int32), cost[keep]


__all__ = ["CareDataError", "Progress", "compute"]
