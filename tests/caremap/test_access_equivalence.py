"""Same inputs, same pair table: the engine agrees with PySAL ``access`` to 1e-9."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from app.caremap import CARE_GROUPS, Params, compute
from app.caremap.build import demand_from, supply_from
from app.caremap.neighbours import pairs_within

access = pytest.importorskip("access")
pd = pytest.importorskip("pandas")

# access (on pandas 3) warns about its own use of inplace=True.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

D0 = 1000.0
STEPS = ((300.0, 1.0), (600.0, 0.68), (1000.0, 0.22))


def random_points(rng: np.random.Generator, n: int, span: float) -> tuple[np.ndarray, np.ndarray]:
    return -56.2 + span * rng.random(n), -34.9 + span * rng.random(n)


def instance() -> tuple[object, object, object]:
    rng = np.random.default_rng(11)
    n, m = 600, 80
    dlon, dlat = random_points(rng, n, span=0.06)
    slon, slat = random_points(rng, m, span=0.06)
    d = demand_from([f"d{k}" for k in range(n)], dlon, dlat, rng.integers(1, 40, n), "children_0_5")
    s = supply_from([f"s{k}" for k in range(m)], slon, slat, rng.integers(1, 60, m), "children_0_5")
    chunks = list(pairs_within(d.lon, d.lat, s.lon, s.lat, D0))
    i = np.concatenate([c[0] for c in chunks])
    j = np.concatenate([c[1] for c in chunks])
    dist = np.concatenate([c[2] for c in chunks])
    cost = pd.DataFrame({"origin": d.ids[i], "dest": s.ids[j], "cost": dist})
    return d, s, cost


def access_values(
    method: str, weight_fn: Callable[[float], float] | None
) -> tuple[object, pd.Series]:
    d, s, cost = instance()
    acc = access.Access(
        demand_df=pd.DataFrame({"geoid": d.ids, "pop": d.persons}),  # type: ignore[attr-defined]
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": s.ids, "cap": s.capacity}),  # type: ignore[attr-defined]
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    if method == "3sfca":
        out = acc.three_stage_fca(name="x", max_cost=D0, weight_fn=weight_fn)
    elif method == "e2sfca":
        out = acc.enhanced_two_stage_fca(name="x", max_cost=D0, weight_fn=weight_fn)
    else:
        out = acc.two_stage_fca(name="x", max_cost=D0, weight_fn=weight_fn)
    return (d, s), out["x_cap"]


CASES = {
    "2sfca": (Params(method="2sfca"), None),
    "e2sfca-gaussian": (
        Params(method="e2sfca", decay="gaussian", sigma=400.0),
        access.weights.gaussian(400.0),
    ),
    "e2sfca-steps": (
        Params(method="e2sfca", decay="steps", steps=STEPS),
        access.weights.step_fn(dict(STEPS)),
    ),
    "3sfca-gaussian": (
        Params(method="3sfca", decay="gaussian", sigma=400.0),
        access.weights.gaussian(400.0),
    ),
    "gravity": (
        Params(method="gravity", gravity_beta=1.5, gravity_scale=1000.0, gravity_min=50.0),
        access.weights.gravity(scale=1000.0, alpha=-1.5, min_dist=50.0),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_access(case: str) -> None:
    params, weight_fn = CASES[case]
    params = Params(**{**params.__dict__, "catchment": dict.fromkeys(CARE_GROUPS, D0)})
    (d, s), theirs = access_values(params.method, weight_fn)
    ours = compute(d, s, params)  # type: ignore[arg-type]
    by_id = dict(zip(ours.points.ids.tolist(), ours.points.access.tolist(), strict=True))
    reached = theirs.dropna()
    assert len(reached) > 400
    mine = np.array([by_id[k] for k in reached.index])
    rel = np.abs(mine - reached.to_numpy()) / np.abs(reached.to_numpy())
    assert rel.max() <= 1e-9, f"{case}: max relative difference {rel.max():.3g}"
    # Points access leaves undefined (no pair in reach) are zero and flagged here.
    unreached = sorted(set(by_id) - set(reached.index))
    flags = dict(zip(ours.points.ids.tolist(), ours.points.no_supply.tolist(), strict=True))
    assert all(by_id[k] == 0.0 and flags[k] for k in unreached)
