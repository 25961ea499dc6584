"""The sorted-cell pair search gives exactly what the KD-tree search gave.

Same pairs, and the same distance bits (the chord is summed in the KD-tree's
order), on random, clustered and global data and on the edge cases: pairs at
exactly the catchment distance, duplicate points, empty inputs, one facility,
the antimeridian and the poles. The nearest distance too. No timings here: the
speed is measured by bench/caremap/bench_engine.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from app.caremap import CARE_GROUPS, Params, compute, engine
from app.caremap import neighbours as grid
from app.caremap.build import demand_from, supply_from
from app.caremap.model import EARTH_RADIUS_M
from tests.caremap import kdtree_reference as kd

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray]


def collect(chunks: Iterable[grid.PairChunk]) -> Pairs:
    """All pairs, ordered by (demand, facility), so that two searches can be compared."""
    parts = list(chunks)
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    i = np.concatenate([c[0] for c in parts]).astype(np.int64)
    j = np.concatenate([c[1] for c in parts]).astype(np.int64)
    d = np.concatenate([c[2] for c in parts])
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]


def assert_same(
    d_lon: np.ndarray,
    d_lat: np.ndarray,
    s_lon: np.ndarray,
    s_lat: np.ndarray,
    d0: float,
    **kwargs: int,
) -> int:
    old = collect(kd.pairs_within(d_lon, d_lat, s_lon, s_lat, d0))
    new = collect(grid.pairs_within(d_lon, d_lat, s_lon, s_lat, d0, **kwargs))
    np.testing.assert_array_equal(new[0], old[0])
    np.testing.assert_array_equal(new[1], old[1])
    # Bit for bit: the same chord, summed in the same order, the same arcsin.
    np.testing.assert_array_equal(new[2], old[2])
    assert np.unique(new[0] * (s_lon.shape[0] + 1) + new[1]).size == new[0].size
    return int(new[0].size)


def uniform(rng: np.random.Generator, n: int, lon0: float, lat0: float, span: float) -> tuple:
    return lon0 + span * rng.random(n), lat0 + span * rng.random(n)


def clustered(rng: np.random.Generator, n: int, centres: np.ndarray, spread_deg: float) -> tuple:
    k = rng.integers(0, len(centres), n)
    return (
        centres[k, 0] + spread_deg * rng.normal(size=n),
        centres[k, 1] + spread_deg * rng.normal(size=n),
    )


def on_sphere(rng: np.random.Generator, n: int) -> tuple:
    return rng.uniform(-180.0, 180.0, n), np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))


@pytest.mark.parametrize("d0", [5.0, 250.0, 1000.0, 3000.0, 20_000.0])
@pytest.mark.parametrize("workers", [1, 2])
def test_random_points_same_as_kdtree(d0: float, workers: int) -> None:
    rng = np.random.default_rng(int(d0) + workers)
    d_lon, d_lat = uniform(rng, 2500, -56.3, -34.95, 0.2)
    s_lon, s_lat = uniform(rng, 300, -56.3, -34.95, 0.2)
    found = assert_same(d_lon, d_lat, s_lon, s_lat, d0, workers=workers, chunk=300)
    assert found > 0 or d0 < 10


@pytest.mark.parametrize("d0", [300.0, 1000.0, 2500.0])
def test_clustered_points_same_as_kdtree(d0: float) -> None:
    rng = np.random.default_rng(3)
    centres = np.column_stack(uniform(rng, 6, -56.4, -35.05, 0.4))
    d_lon, d_lat = clustered(rng, 4000, centres, 0.01)
    s_lon, s_lat = clustered(rng, 400, centres, 0.01)
    assert assert_same(d_lon, d_lat, s_lon, s_lat, d0, chunk=512) > 5_000


@pytest.mark.parametrize("d0", [1000.0, 200_000.0, 3_000_000.0, 12_000_000.0, 25_000_000.0])
def test_whole_globe_same_as_kdtree(d0: float) -> None:
    """Up to catchments beyond half the circumference (then every pair is in reach)."""
    rng = np.random.default_rng(7)
    d_lon, d_lat = on_sphere(rng, 600)
    s_lon, s_lat = on_sphere(rng, 80)
    found = assert_same(d_lon, d_lat, s_lon, s_lat, d0, chunk=128)
    if d0 > np.pi * EARTH_RADIUS_M:
        assert found == 600 * 80


@pytest.mark.parametrize("d0", [50.0, 1000.0, 30_000.0])
def test_antimeridian_and_poles_same_as_kdtree(d0: float) -> None:
    rng = np.random.default_rng(11)
    side = rng.choice([-1.0, 1.0], 1500)
    # Straddling 180°, with points at exactly +180 and -180 (the same place).
    d_lon = np.concatenate((side * rng.uniform(179.8, 180.0, 1500), [180.0, -180.0]))
    d_lat = np.concatenate((rng.uniform(-0.2, 0.2, 1500), [0.0, 0.0]))
    s_side = rng.choice([-1.0, 1.0], 200)
    s_lon = np.concatenate((s_side * rng.uniform(179.8, 180.0, 200), [180.0]))
    s_lat = np.concatenate((rng.uniform(-0.2, 0.2, 200), [0.0]))
    assert assert_same(d_lon, d_lat, s_lon, s_lat, d0) > 0
    for pole in (90.0, -90.0):
        sign = np.sign(pole)
        p_lon = np.concatenate((rng.uniform(-180, 180, 1500), [0.0, 77.0]))
        p_lat = np.concatenate((sign * rng.uniform(89.7, 90.0, 1500), [pole, pole]))
        q_lon = np.concatenate((rng.uniform(-180, 180, 150), [-120.0]))
        q_lat = np.concatenate((sign * rng.uniform(89.7, 90.0, 150), [pole]))
        assert assert_same(p_lon, p_lat, q_lon, q_lat, d0) > 0


def test_pairs_at_exactly_the_catchment_distance() -> None:
    """d0 set to distances the engine itself reports: those pairs are in, one ulp less out."""
    rng = np.random.default_rng(13)
    d_lon, d_lat = uniform(rng, 400, -56.2, -34.9, 0.05)
    s_lon, s_lat = uniform(rng, 60, -56.2, -34.9, 0.05)
    _, _, dist = collect(kd.pairs_within(d_lon, d_lat, s_lon, s_lat, 2000.0))
    for d0 in rng.choice(dist, 8, replace=False):
        at = int(np.sum(dist == d0))
        assert at >= 1
        inside = assert_same(d_lon, d_lat, s_lon, s_lat, float(d0))
        below = assert_same(d_lon, d_lat, s_lon, s_lat, float(np.nextafter(d0, 0.0)))
        assert inside - below == at


def test_points_on_a_meridian_at_exact_metre_steps() -> None:
    """Facilities placed d0 away along a meridian and a parallel: kept or not, as before."""
    step = np.degrees(1000.0 / EARTH_RADIUS_M)
    d_lon, d_lat = np.array([-56.2, 0.0, 179.99]), np.array([-34.9, 0.0, 60.0])
    s_lon = np.concatenate((d_lon, d_lon, d_lon + step, d_lon - step))
    s_lat = np.concatenate((d_lat + step, d_lat - step, d_lat, d_lat))
    for d0 in (1000.0, float(np.nextafter(1000.0, 0.0)), float(np.nextafter(1000.0, 2000.0))):
        assert_same(d_lon, d_lat, s_lon, s_lat, d0)


def test_duplicates_and_zero_distances() -> None:
    rng = np.random.default_rng(17)
    lon, lat = uniform(rng, 50, -56.2, -34.9, 0.02)
    d_lon, d_lat = np.repeat(lon, 4), np.repeat(lat, 4)  # every demand point four times
    s_lon, s_lat = np.concatenate((lon[:20], lon[:20])), np.concatenate((lat[:20], lat[:20]))
    assert assert_same(d_lon, d_lat, s_lon, s_lat, 500.0) > 0
    i, _, d = collect(grid.pairs_within(d_lon, d_lat, s_lon, s_lat, 0.0))
    assert i.size == 4 * 20 * 2
    assert not d.any()


def test_empty_inputs_and_one_facility() -> None:
    rng = np.random.default_rng(19)
    lon, lat = uniform(rng, 300, -56.2, -34.9, 0.05)
    empty = np.empty(0)
    assert list(grid.pairs_within(empty, empty, lon, lat, 1000.0)) == []
    assert list(grid.pairs_within(lon, lat, empty, empty, 1000.0)) == []
    assert grid.nearest_m(empty, empty, lon, lat).shape == (0,)
    assert np.isinf(grid.nearest_m(lon, lat, empty, empty)).all()
    assert assert_same(lon, lat, lon[:1], lat[:1], 1500.0) > 0
    assert assert_same(lon[:1], lat[:1], lon, lat, 1500.0) > 0
    far_lon, far_lat = np.array([10.0]), np.array([45.0])
    assert assert_same(lon, lat, far_lon, far_lat, 1000.0) == 0


def test_chunks_hold_consecutive_demand_points() -> None:
    """Each chunk: one run of demand points, in order, each point's pairs together."""
    rng = np.random.default_rng(23)
    d_lon, d_lat = uniform(rng, 3000, -56.3, -34.95, 0.1)
    s_lon, s_lat = uniform(rng, 200, -56.3, -34.95, 0.1)
    last = -1
    for workers in (1, 2):
        last = -1
        for i, j, d in grid.pairs_within(
            d_lon, d_lat, s_lon, s_lat, 800.0, chunk=250, workers=workers
        ):
            assert i.dtype == np.int32
            assert j.dtype == np.int32
            assert d.dtype == np.float64
            if i.size:
                assert i[0] > last
                assert np.all(np.diff(i) >= 0)
                last = int(i[-1])


def nearest_cases() -> dict[str, tuple]:
    rng = np.random.default_rng(29)
    centres = np.column_stack(uniform(rng, 4, -56.4, -35.05, 0.4))
    return {
        "random": (*uniform(rng, 800, -56.3, -34.95, 0.5), *uniform(rng, 9, -56.3, -34.95, 0.5)),
        "clustered, far points": (
            *uniform(rng, 600, -60.0, -40.0, 10.0),
            *clustered(rng, 200, centres, 0.01),
        ),
        "globe": (*on_sphere(rng, 500), *on_sphere(rng, 5)),
        "one facility at the pole": (*on_sphere(rng, 300), np.array([0.0]), np.array([90.0])),
        "antimeridian": (
            np.array([179.9999, -179.9999, 0.0]),
            np.array([0.0, 0.0, 0.0]),
            np.array([-179.99995]),
            np.array([0.0]),
        ),
    }


@pytest.mark.parametrize("case", list(nearest_cases()))
def test_nearest_same_as_kdtree(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    d_lon, d_lat, s_lon, s_lat = nearest_cases()[case]
    expected = kd.nearest_m(d_lon, d_lat, s_lon, s_lat)
    for start_m in (None, 10.0, 5_000.0):
        np.testing.assert_array_equal(
            grid.nearest_m(d_lon, d_lat, s_lon, s_lat, start_m=start_m), expected
        )
    monkeypatch.setattr(grid, "NEAREST_MAX_CANDIDATES", 10)  # the KD-tree fallback
    np.testing.assert_array_equal(grid.nearest_m(d_lon, d_lat, s_lon, s_lat), expected)


def test_nearest_from_pairs_is_the_smallest_pair_distance() -> None:
    rng = np.random.default_rng(31)
    d_lon, d_lat = uniform(rng, 1200, -56.3, -34.95, 0.2)
    s_lon, s_lat = uniform(rng, 90, -56.3, -34.95, 0.2)
    near = grid.nearest_from_pairs(
        list(grid.pairs_within(d_lon, d_lat, s_lon, s_lat, 1500.0, chunk=100)), 1200
    )
    expected = kd.nearest_m(d_lon, d_lat, s_lon, s_lat)
    reached = np.isfinite(near)
    assert 0 < reached.sum() < 1200
    np.testing.assert_array_equal(near[reached], expected[reached])
    assert np.all(expected[~reached] > 1500.0)


def test_engine_same_results_as_with_the_kdtree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whole engine: pair counts and nearest distances exact; the sums over the pairs come
    in another order, so access and ratios agree to a few ulps (here 1e-13 relative)."""
    rng = np.random.default_rng(37)
    centres = np.column_stack(uniform(rng, 5, -56.4, -35.05, 0.3))
    n, m = 3000, 240
    d_lon, d_lat = clustered(rng, n, centres, 0.012)
    s_lon, s_lat = clustered(rng, m, centres, 0.012)
    groups_d = [CARE_GROUPS[k] for k in rng.integers(0, 3, n)]
    groups_s = [CARE_GROUPS[k] for k in rng.integers(0, 3, m)]
    d = demand_from([f"d{k}" for k in range(n)], d_lon, d_lat, rng.integers(1, 30, n), groups_d)
    s = supply_from([f"s{k}" for k in range(m)], s_lon, s_lat, rng.integers(1, 90, m), groups_s)
    for method in ("2sfca", "e2sfca", "3sfca", "gravity"):
        params = Params(method=method, catchment=dict.fromkeys(CARE_GROUPS, 900.0))
        new = compute(d, s, params)
        with monkeypatch.context() as patch:
            patch.setattr(engine, "pairs_within", kd.pairs_within)
            patch.setattr(engine, "nearest_from_pairs", lambda chunks, k: np.full(k, np.inf))
            patch.setattr(
                engine, "nearest_m", lambda *a, start_m=None, **kw: kd.nearest_m(*a, **kw)
            )
            old = compute(d, s, params)
        assert new.n_pairs == old.n_pairs > 5_000
        np.testing.assert_array_equal(new.points.n_in_reach, old.points.n_in_reach)
        np.testing.assert_array_equal(new.points.nearest_m, old.points.nearest_m)
        np.testing.assert_allclose(new.points.access, old.points.access, rtol=1e-13, atol=0)
        np.testing.assert_allclose(new.facilities.ratio, old.facilities.ratio, rtol=1e-13)


def test_longitudes_outside_the_usual_range() -> None:
    """Callers other than the loaders may pass 190° or -540°: the same places, the same pairs."""
    rng = np.random.default_rng(41)
    d_lon, d_lat = uniform(rng, 500, 179.95, -0.05, 0.1)
    s_lon, s_lat = uniform(rng, 60, 179.95, -0.05, 0.1)
    shifted = d_lon + 360.0 * rng.integers(-2, 3, 500)
    assert assert_same(shifted, d_lat, s_lon - 720.0, s_lat, 800.0) > 0
