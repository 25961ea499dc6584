"""Hand-computed floating-catchment cases and the conservation invariant.

Two demand points a (10 persons), b (30) and two facilities x (4 places),
y (6 places), catchment 1000 m: a–x at 0 m (kept), a–y at exactly 1000 m
(inclusive), b–y at 500 m, b–x at 1500 m (out of reach).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.caremap import CARE_GROUPS, Params, compute
from app.caremap.build import cost_table_from as cost_table
from app.caremap.build import demand_from, supply_from
from app.caremap.neighbours import pairs_within

KIDS = "children_0_5"


def random_points(
    rng: np.random.Generator, n: int, span: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    return -56.2 + span * rng.random(n), -34.9 + span * rng.random(n)


D = demand_from(["a", "b"], [0.0, 0.0], [0.0, 0.0], [10, 30], KIDS)
S = supply_from(["x", "y"], [0.0, 0.0], [0.0, 0.0], [4, 6], KIDS)
TABLE = cost_table([("a", "x", 0.0), ("a", "y", 1000.0), ("b", "y", 500.0), ("b", "x", 1500.0)])
REACH = dict.fromkeys(CARE_GROUPS, 1000.0)
STEPS = ((300.0, 1.0), (600.0, 0.68), (1000.0, 0.22))


def run(**kw: object) -> tuple[np.ndarray, np.ndarray]:
    params = Params(catchment=REACH, **kw)  # type: ignore[arg-type]
    result = compute(D, S, params, cost_table=TABLE)
    return result.points.access, result.facilities.ratio


def test_2sfca_hand_computed() -> None:
    access, ratio = run(method="2sfca")
    assert ratio == pytest.approx([4 / 10, 6 / 40], rel=1e-12)
    assert access == pytest.approx([0.4 + 0.15, 0.15], rel=1e-12)


def test_e2sfca_gaussian_hand_computed() -> None:
    access, ratio = run(method="e2sfca", decay="gaussian", sigma=500.0)
    w500, w1000 = math.exp(-0.5), math.exp(-2.0)
    r_y = 6 / (10 * w1000 + 30 * w500)
    assert ratio == pytest.approx([0.4, r_y], rel=1e-12)
    assert access == pytest.approx([0.4 + w1000 * r_y, w500 * r_y], rel=1e-12)


def test_e2sfca_steps_hand_computed() -> None:
    access, ratio = run(method="e2sfca", decay="steps", steps=STEPS)
    r_y = 6 / (10 * 0.22 + 30 * 0.68)
    assert ratio == pytest.approx([0.4, r_y], rel=1e-12)
    assert access == pytest.approx([0.4 + 0.22 * r_y, 0.68 * r_y], rel=1e-12)


def test_3sfca_hand_computed() -> None:
    access, _ = run(method="3sfca", decay="steps", steps=STEPS)
    g_ax, g_ay = 1 / 1.22, 0.22 / 1.22  # a chooses between x (w 1) and y (w 0.22)
    r_x = 4 / (10 * 1 * g_ax)
    r_y = 6 / (10 * 0.22 * g_ay + 30 * 0.68 * 1.0)
    assert access == pytest.approx([g_ax * r_x + 0.22 * g_ay * r_y, 0.68 * r_y], rel=1e-12)


def test_gravity_hand_computed() -> None:
    access, _ = run(method="gravity", gravity_beta=1.0, gravity_scale=1000.0, gravity_min=50.0)
    r_x = 4 / (10 * 20.0)  # d = 0 is clamped to 50 m: (50 / 1000)^-1 = 20
    r_y = 6 / (10 * 1.0 + 30 * 2.0)
    assert access == pytest.approx([20 * r_x + r_y, 2 * r_y], rel=1e-12)


def test_reach_counts_and_flags() -> None:
    far = demand_from(["a", "b", "c"], [0.0] * 3, [0.0] * 3, [10, 30, 5], KIDS)
    result = compute(far, S, Params(method="2sfca", catchment=REACH), cost_table=TABLE)
    assert result.points.n_in_reach.tolist() == [2, 1, 0]
    assert result.points.no_supply.tolist() == [False, False, True]
    assert result.points.access[2] == 0.0
    assert result.n_pairs == 3


def test_haversine_pair_at_exactly_catchment_is_kept() -> None:
    lon_y = 0.009  # about 1 km east along the equator
    d = demand_from(["a"], [0.0], [0.0], [10], KIDS)
    s = supply_from(["x", "y"], [0.0, lon_y], [0.0, 0.0], [4, 6], KIDS)
    _, j, dist = next(pairs_within(d.lon, d.lat, s.lon, s.lat, 5000.0))
    d_ay = float(dist[j == 1][0])
    exact = compute(d, s, Params(method="2sfca", catchment=dict.fromkeys(CARE_GROUPS, d_ay)))
    assert exact.points.n_in_reach.tolist() == [2]  # distance 0 and d == d0 both kept
    assert exact.points.access[0] == pytest.approx(1.0)
    short = compute(
        d, s, Params(method="2sfca", catchment=dict.fromkeys(CARE_GROUPS, d_ay * (1 - 1e-9)))
    )
    assert short.points.n_in_reach.tolist() == [1]


def test_groups_only_meet_their_own_facilities() -> None:
    d = demand_from(["a", "b"], [0.0, 0.0], [0.0, 0.0], [10, 10], ["children_0_5", "older_persons"])
    s = supply_from(["x"], [0.0], [0.0], [5], "older_persons")
    result = compute(d, s, Params(method="2sfca"))
    assert result.points.access.tolist() == [0.0, 0.5]
    assert result.points.nearest_m[0] == math.inf
    assert result.points.no_supply.tolist() == [True, False]


@pytest.mark.parametrize(
    "params",
    [
        Params(method="2sfca"),
        Params(method="e2sfca", decay="gaussian", sigma=400.0),
        Params(method="e2sfca", decay="steps", steps=STEPS),
        Params(method="3sfca", decay="gaussian"),
        Params(method="gravity"),
    ],
    ids=["2sfca", "e2sfca-gaussian", "e2sfca-steps", "3sfca", "gravity"],
)
def test_places_are_conserved(params: Params) -> None:
    rng = np.random.default_rng(3)
    n, m = 400, 40
    dlon, dlat = random_points(rng, n)
    slon, slat = random_points(rng, m, span=0.07)  # some facilities out of everyone's reach
    groups = [CARE_GROUPS[k] for k in rng.integers(0, 3, n)]
    sgroups = [CARE_GROUPS[k] for k in rng.integers(0, 3, m)]
    d = demand_from([f"d{k}" for k in range(n)], dlon, dlat, rng.integers(1, 20, n), groups)
    s = supply_from([f"s{k}" for k in range(m)], slon, slat, rng.integers(1, 50, m), sgroups)
    result = compute(d, s, params)
    reached = ~result.facilities.unreached
    assert reached.any()
    assert (~reached).any()
    total = float(np.dot(d.persons, result.points.access))
    assert total == pytest.approx(float(s.capacity[reached].sum()), rel=1e-12)


def test_minutes_need_a_cost_table() -> None:
    from app.caremap import CareParamError

    with pytest.raises(CareParamError):
        compute(D, S, Params(cost_unit="min"))


def test_steps_must_cover_the_catchment() -> None:
    from app.caremap import CareParamError

    with pytest.raises(CareParamError) as info:
        compute(D, S, Params(decay="steps", steps=((300.0, 1.0),), catchment=REACH))
    assert "%(value)s" in info.value.msgid
