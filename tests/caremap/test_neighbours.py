"""KD-tree neighbours on unit-sphere vectors are exactly the haversine neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from app.caremap.neighbours import haversine_m, nearest_m, pairs_within


def brute_force(
    dlon: np.ndarray, dlat: np.ndarray, slon: np.ndarray, slat: np.ndarray
) -> np.ndarray:
    return haversine_m(dlon[:, None], dlat[:, None], slon[None, :], slat[None, :])


@pytest.mark.parametrize("d0", [250.0, 1000.0, 3000.0])
def test_pairs_match_brute_force_haversine(d0: float) -> None:
    rng = np.random.default_rng(5)
    dlon, dlat = -56.3 + 0.1 * rng.random(700), -34.95 + 0.1 * rng.random(700)
    slon, slat = -56.3 + 0.1 * rng.random(90), -34.95 + 0.1 * rng.random(90)
    full = brute_force(dlon, dlat, slon, slat)
    chunks = list(pairs_within(dlon, dlat, slon, slat, d0, chunk=128))
    i = np.concatenate([c[0] for c in chunks])
    j = np.concatenate([c[1] for c in chunks])
    d = np.concatenate([c[2] for c in chunks])
    found = set(zip(i.tolist(), j.tolist(), strict=True))
    expected = set(zip(*np.nonzero(full <= d0), strict=True))
    # Pairs within a micrometre of d0 could fall either way by rounding; none occur here.
    assert not np.any(np.abs(full - d0) < 1e-6)
    assert found == {(int(a), int(b)) for a, b in expected}
    assert len(found) == i.size  # no duplicates across chunks
    np.testing.assert_allclose(d, full[i, j], rtol=1e-9, atol=1e-6)


def test_pairs_across_the_antimeridian_and_poles() -> None:
    dlon, dlat = np.array([179.9995, 0.0]), np.array([0.0, 89.9995])
    slon, slat = np.array([-179.9995, 180.0]), np.array([0.0, 89.9995])
    chunks = list(pairs_within(dlon, dlat, slon, slat, 200.0))
    pairs = {(int(a), int(b)) for c in chunks for a, b in zip(c[0], c[1], strict=True)}
    assert pairs == {(0, 0), (1, 1)}


def test_zero_distance_pairs_are_kept() -> None:
    lon, lat = np.array([-56.2, -56.2]), np.array([-34.9, -34.9])
    (i, _j, d), *_ = pairs_within(lon, lat, lon[:1], lat[:1], 10.0)
    assert sorted(i.tolist()) == [0, 1]
    assert d.tolist() == [0.0, 0.0]


def test_nearest_is_unbounded_and_exact() -> None:
    rng = np.random.default_rng(9)
    dlon, dlat = -56.3 + 0.5 * rng.random(300), -34.95 + 0.5 * rng.random(300)
    slon, slat = -56.3 + 0.5 * rng.random(7), -34.95 + 0.5 * rng.random(7)
    expected = brute_force(dlon, dlat, slon, slat).min(axis=1)
    np.testing.assert_allclose(nearest_m(dlon, dlat, slon, slat), expected, rtol=1e-9)
    empty = np.empty(0)
    assert np.isinf(nearest_m(dlon, dlat, empty, empty)).all()


def test_haversine_known_distance() -> None:
    # A quarter of the equator.
    quarter = float(haversine_m(0.0, 0.0, 90.0, 0.0))
    assert quarter == pytest.approx(np.pi / 2 * 6371008.8, rel=1e-12)
