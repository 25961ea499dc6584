"""The synthetic demo loads cleanly; per-unit figures follow their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from app.caremap import CARE_GROUPS, SPHERES, Params, compute, load_demand, load_supply, load_units
from app.caremap.aggregate import weighted_quantile
from app.caremap.demo import DEMO_NOTICE, demo_files, generate_demo


def test_demo_is_deterministic_and_says_it_is_synthetic() -> None:
    assert generate_demo(7) == generate_demo(7)
    assert generate_demo(7) != generate_demo(8)
    assert "SYNTHETIC" in DEMO_NOTICE
    assert "not real" in DEMO_NOTICE
    units, demand, supply = generate_demo()
    assert 12 <= len(units["features"]) <= 20  # type: ignore[arg-type]
    assert {r["care_group"] for r in demand} == set(CARE_GROUPS)
    assert {r["sphere"] for r in supply} == set(SPHERES)


def run_demo() -> tuple[object, ...]:
    files = demo_files()
    units = load_units(files["units.geojson"], filename="units.geojson")
    demand = load_demand(files["demand.csv"], filename="demand.csv")
    supply = load_supply(files["supply.csv"], filename="supply.csv")
    return units, demand, supply, compute(demand, supply, Params(), units=units)


def test_unit_figures_follow_their_definitions() -> None:
    units, _demand, supply, result = run_demo()
    assert supply.imputed.any()  # type: ignore[attr-defined]
    assert result.outside_demand_ids == ()  # type: ignore[attr-defined]
    for row in result.units:  # type: ignore[attr-defined]
        if row.persons == 0:
            continue
        assert row.coverage == pytest.approx(row.accessible_places / row.persons)
        assert row.access_per_1000 == pytest.approx(1000 * row.coverage)
        expected_gap = max(0.0, row.target_per_1000 * row.persons / 1000 - row.accessible_places)
        assert row.gap_places == pytest.approx(expected_gap)
        assert sum(row.capacity_by_sphere.values()) == pytest.approx(row.capacity_located)
        assert 0 <= row.share_no_access <= 1
        assert 0 <= row.imputed_share <= 1
        assert row.nearest_median_m <= row.nearest_p90_m
    # Zones tile each district: their persons and places add up to the district's.
    rows = {(r.unit_id, r.care_group): r for r in result.units}  # type: ignore[attr-defined]
    for unit in units.items:  # type: ignore[attr-defined]
        if unit.level != "district":
            continue
        zones = [u.unit_id for u in units.items if u.parent_id == unit.unit_id]  # type: ignore[attr-defined]
        for g in CARE_GROUPS:
            total = sum(rows[(z, g)].accessible_places for z in zones)
            assert total == pytest.approx(rows[(unit.unit_id, g)].accessible_places)
    ranks = [r.rank for r in result.units if r.level == "zone" and r.care_group == CARE_GROUPS[0]]  # type: ignore[attr-defined]
    assert ranks == list(range(1, 17))


def test_imputed_share_counts_imputed_capacity() -> None:
    _, _, supply, result = run_demo()
    total_imputed = float(supply.capacity[supply.imputed].sum())  # type: ignore[attr-defined]
    districts = [r for r in result.units if r.level == "district"]  # type: ignore[attr-defined]
    assert sum(r.imputed_share * r.capacity_located for r in districts) == pytest.approx(
        total_imputed
    )


def test_weighted_quantile_counts_persons() -> None:
    values = np.array([100.0, 200.0, 300.0])
    assert weighted_quantile(values, np.array([1.0, 1.0, 1.0]), 0.5) == 200.0
    assert weighted_quantile(values, np.array([10.0, 1.0, 1.0]), 0.5) == 100.0
    assert weighted_quantile(values, np.array([1.0, 1.0, 10.0]), 0.9) == 300.0
    assert np.isnan(weighted_quantile(values, np.zeros(3), 0.5))
