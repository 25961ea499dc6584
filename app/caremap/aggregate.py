"""Per territorial unit and care group: persons, places, coverage and gaps.

* ``accessible_places`` E_u = Σ_i P_i A_i over the unit's demand points.
* ``coverage`` = E_u / persons; ``access_per_1000`` = 1000 × coverage (NaN when
  the unit has no persons of the group).
* ``gap_places`` = max(0, target per 1,000 × persons / 1,000 − E_u).
* ``share_no_access``: share of *persons* whose point has no facility in reach.
* ``nearest_median_m`` / ``nearest_p90_m``: person-weighted quantiles (inverted
  weighted CDF: the smallest distance d such that at least q of the persons live
  at most d from their nearest facility), so a point holding 40 children counts
  40 times; NaN when the unit has no persons, inf when the group has no facility.
* ``imputed_share``: imputed capacity / capacity located in the unit.
* ``capacity_by_sphere``: capacity located in the unit, per sphere.

Units overlap across levels (a district and its zones), so a point counts in
every unit that contains it; ranks compare units of one level and care group.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .model import (
    CARE_GROUPS,
    SPHERES,
    FacilityResults,
    FloatArray,
    IntArray,
    Params,
    PointResults,
    Supply,
    UnitResult,
    Units,
)


def weighted_quantile(values: FloatArray, weights: FloatArray, q: float) -> float:
    total = float(weights.sum())
    if values.size == 0 or total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    k = int(np.searchsorted(cum, q * total, side="left"))
    return float(values[order][min(k, values.size - 1)])


def unit_results(
    units: Units,
    demand_members: list[IntArray],
    supply_members: list[IntArray],
    points: PointResults,
    facilities: FacilityResults,
    supply: Supply,
    params: Params,
    params_hash: str,
) -> tuple[UnitResult, ...]:
    rows: list[UnitResult] = []
    for unit, d_idx, s_idx in zip(units.items, demand_members, supply_members, strict=True):
        for g, group in enumerate(CARE_GROUPS):
            d = d_idx[points.group[d_idx] == g]
            s = s_idx[facilities.group[s_idx] == g]
            persons_w = points.persons[d]
            persons = float(persons_w.sum())
            places = float(np.dot(persons_w, points.access[d]))
            capacity = float(facilities.capacity[s].sum())
            imputed = float(facilities.capacity[s][supply.imputed[s]].sum())
            target = float(params.targets_per_1000[group])
            coverage = places / persons if persons > 0 else float("nan")
            no_access = float(persons_w[points.no_supply[d]].sum())
            by_sphere = np.bincount(
                supply.sphere[s], weights=facilities.capacity[s], minlength=len(SPHERES)
            )
            rows.append(
                UnitResult(
                    unit_id=unit.unit_id,
                    name=unit.name,
                    level=unit.level,
                    care_group=group,
                    persons=persons,
                    capacity_located=capacity,
                    accessible_places=places,
                    coverage=coverage,
                    access_per_1000=1000.0 * coverage,
                    target_per_1000=target,
                    gap_places=max(0.0, target * persons / 1000.0 - places),
                    share_no_access=no_access / persons if persons > 0 else float("nan"),
                    nearest_median_m=weighted_quantile(points.nearest_m[d], persons_w, 0.5),
                    nearest_p90_m=weighted_quantile(points.nearest_m[d], persons_w, 0.9),
                    imputed_share=imputed / capacity if capacity > 0 else 0.0,
                    capacity_by_sphere={
                        sp: float(v) for sp, v in zip(SPHERES, by_sphere, strict=True)
                    },
                    n_points=int(d.size),
                    n_facilities=int(s.size),
                    rank=0,
                    params_hash=params_hash,
                )
            )
    return rank_by_gap(rows)


def rank_by_gap(rows: list[UnitResult]) -> tuple[UnitResult, ...]:
    """Largest gap first; rank counts within one level and care group."""
    ordered = sorted(rows, key=lambda r: (-r.gap_places, r.level, r.care_group, r.unit_id))
    counters: dict[tuple[str, str], int] = {}
    ranked: list[UnitResult] = []
    for r in ordered:
        key = (r.level, r.care_group)
        counters[key] = counters.get(key, 0) + 1
        ranked.append(replace(r, rank=counters[key]))
    return tuple(ranked)
