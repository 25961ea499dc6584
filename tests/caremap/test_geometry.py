"""Point-in-polygon with holes and multipolygons; interior points; outside points reported."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.caremap import Params, Unit, Units, compute
from app.caremap.build import demand_from, supply_from
from app.caremap.geometry import point_on_surface, points_in_unit, unit_area_m2


def square(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=np.float64)


DONUT = Unit("D", "Donut", "zone", None, ((square(0, 0, 4, 4), square(1, 1, 3, 3)),))
ISLANDS = Unit("I", "Islands", "zone", None, ((square(10, 0, 11, 1),), (square(12, 0, 13, 1),)))


def test_holes_are_outside() -> None:
    lon = np.array([0.5, 2.0, 3.5, 5.0, 1.5])
    lat = np.array([0.5, 2.0, 3.5, 2.0, 2.5])
    assert points_in_unit(DONUT, lon, lat).tolist() == [0, 2]


def test_multipolygon_parts_are_inside_and_gaps_outside() -> None:
    lon = np.array([10.5, 11.5, 12.5, 13.5])
    lat = np.full(4, 0.5)
    assert points_in_unit(ISLANDS, lon, lat).tolist() == [0, 2]


def test_shared_edges_assign_each_point_once() -> None:
    rng = np.random.default_rng(1)
    # Four cells with a jittered shared corner; points on a fine lattice, many on edges.
    c = (0.37, 0.61)
    cells = [
        np.array([[0, 0], [0.5, 0], c, [0, 0.5], [0, 0]]),
        np.array([[0.5, 0], [1, 0], [1, 0.5], c, [0.5, 0]]),
        np.array([[0, 0.5], c, [0.5, 1], [0, 1], [0, 0.5]]),
        np.array([c, [1, 0.5], [1, 1], [0.5, 1], c]),
    ]
    units = [
        Unit(str(k), str(k), "z", None, ((np.asarray(r, float),),)) for k, r in enumerate(cells)
    ]
    grid = np.linspace(0.001, 0.999, 97)
    lon = np.concatenate([np.repeat(grid, grid.size), rng.random(500)])
    lat = np.concatenate([np.tile(grid, grid.size), rng.random(500)])
    counts = np.zeros(lon.size, dtype=int)
    for u in units:
        counts[points_in_unit(u, lon, lat)] += 1
    assert (counts == 1).all()


def test_vectorised_matches_a_plain_ray_cast() -> None:
    rng = np.random.default_rng(2)
    angles = np.sort(rng.random(40)) * 2 * np.pi
    radii = 0.5 + rng.random(40)
    ring = np.column_stack((radii * np.cos(angles), radii * np.sin(angles)))
    ring = np.vstack((ring, ring[:1]))
    star = Unit("S", "Star", "z", None, ((ring,),))
    lon, lat = rng.uniform(-1.6, 1.6, 3000), rng.uniform(-1.6, 1.6, 3000)

    def plain(x: float, y: float) -> bool:
        inside = False
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
        return inside

    expected = [k for k in range(lon.size) if plain(lon[k], lat[k])]
    assert points_in_unit(star, lon, lat).tolist() == expected


def test_point_on_surface_is_inside_even_where_the_centroid_is_not() -> None:
    u_shape = np.array(
        [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]], float
    )
    unit = Unit("U", "U", "z", None, ((u_shape,),))
    assert points_in_unit(unit, np.array([1.5]), np.array([1.5])).size == 0  # centroid-ish: outside
    x, y = point_on_surface(unit)
    assert points_in_unit(unit, np.array([x]), np.array([y])).tolist() == [0]
    x, y = point_on_surface(DONUT)
    assert points_in_unit(DONUT, np.array([x]), np.array([y])).tolist() == [0]


def test_area_subtracts_holes() -> None:
    assert unit_area_m2(DONUT) / unit_area_m2(
        Unit("F", "F", "z", None, ((square(0, 0, 4, 4),),))
    ) == pytest.approx(12 / 16, rel=1e-9)


def test_points_outside_every_unit_are_reported() -> None:
    g = "older_persons"
    d = demand_from(["in", "hole", "out"], [0.5, 2.0, 20.0], [0.5, 2.0, 20.0], [3, 4, 5], g)
    s = supply_from(["f"], [0.5], [0.5], [10], g)
    result = compute(d, s, Params(), units=Units((DONUT,)))
    assert result.outside_demand_ids == ("hole", "out")
    assert result.outside_persons == 9.0
    row = next(r for r in result.units if r.care_group == g)
    assert row.persons == 3.0
    assert row.n_points == 1
