"""Benchmark of the care-map gap engine (a script, not a test).

    python bench/caremap/bench_engine.py [--quick] [--skip-large] [--access-timeout S]

1. 100,000 demand points x 10,000 facilities (three care groups), 2 km
   catchment, E2SFCA with Gaussian decay, in a 40 x 40 km box around
   Montevideo. The engine is timed end to end: load the CSVs written
   beforehand, find neighbours, compute, aggregate over 16 units, write both
   output CSVs. PySAL ``access`` is given the engine's own pair table as its cost
   DataFrame and only its compute (``enhanced_two_stage_fca``) is timed, which
   favours it. Prints both times, the ratio (goal >= 15x) and the largest
   relative difference between the two results.
2. 1,000,000 x 50,000 end to end in a fresh process: wall time and peak RSS
   (goal < 30 s and < 4 GB on 2 cores).

``--quick`` divides every size by 10.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.caremap import (  # noqa: E402
    CARE_GROUPS,
    SPHERES,
    Params,
    compute,
    load_demand,
    load_supply,
    load_units,
    write_points_csv,
    write_units_csv,
)
from app.caremap.neighbours import pairs_within  # noqa: E402

LON0, LAT0 = -56.40, -35.05
SPAN_LON, SPAN_LAT = 0.44, 0.36  # about 40 x 40 km
CATCHMENT_M = 2000.0
SIGMA_M = 1000.0


def write_inputs(folder: Path, n_demand: int, n_supply: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)

    def coords(n: int) -> tuple[np.ndarray, np.ndarray]:
        return LON0 + SPAN_LON * rng.random(n), LAT0 + SPAN_LAT * rng.random(n)

    lon, lat = coords(n_demand)
    groups = np.array(CARE_GROUPS)[rng.integers(0, 3, n_demand)]
    persons = rng.integers(1, 30, n_demand)
    with (folder / "demand.csv").open("w") as fh:
        fh.write("id,lon,lat,care_group,persons\n")
        fh.writelines(
            f"d{k},{x:.6f},{y:.6f},{g},{p}\n"
            for k, (x, y, g, p) in enumerate(zip(lon, lat, groups, persons, strict=True))
        )
    lon, lat = coords(n_supply)
    groups = np.array(CARE_GROUPS)[rng.integers(0, 3, n_supply)]
    spheres = np.array(SPHERES)[rng.integers(0, 4, n_supply)]
    caps = rng.integers(1, 120, n_supply).astype(str).astype(object)
    caps[rng.random(n_supply) < 0.05] = ""
    with (folder / "supply.csv").open("w") as fh:
        fh.write("id,lon,lat,care_group,sphere,capacity\n")
        fh.writelines(
            f"s{k},{x:.6f},{y:.6f},{g},{s},{c}\n"
            for k, (x, y, g, s, c) in enumerate(zip(lon, lat, groups, spheres, caps, strict=True))
        )
    features = []
    for r in range(4):
        for c in range(4):
            x0, y0 = LON0 + c * SPAN_LON / 4, LAT0 + r * SPAN_LAT / 4
            x1, y1 = x0 + SPAN_LON / 4, y0 + SPAN_LAT / 4
            ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"unit_id": f"U{r}{c}", "name": f"U{r}{c}", "level": "zone"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    (folder / "units.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )


def params() -> Params:
    return Params(
        method="e2sfca",
        catchment=dict.fromkeys(CARE_GROUPS, CATCHMENT_M),
        decay="gaussian",
        sigma=SIGMA_M,
    )


def run_engine(folder: Path) -> tuple[float, dict[str, float], object]:
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    units = load_units(folder / "units.geojson")
    demand = load_demand(folder / "demand.csv")
    supply = load_supply(folder / "supply.csv")
    stages["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = compute(demand, supply, params(), units=units)
    stages["compute"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    write_points_csv(result, folder / "points.csv")
    write_units_csv(result, folder / "units.csv")
    stages["write"] = time.perf_counter() - t2
    return time.perf_counter() - t0, stages, (demand, supply, result)


def access_pair_table(demand: object, supply: object) -> object:
    import pandas as pd

    frames = []
    for g in range(len(CARE_GROUPS)):
        d_sel = np.flatnonzero(demand.group == g)  # type: ignore[attr-defined]
        s_sel = np.flatnonzero(supply.group == g)  # type: ignore[attr-defined]
        for i, j, d in pairs_within(
            demand.lon[d_sel], demand.lat[d_sel],  # type: ignore[attr-defined]
            supply.lon[s_sel], supply.lat[s_sel],  # type: ignore[attr-defined]
            CATCHMENT_M,
        ):  # fmt: skip
            frames.append(
                pd.DataFrame(
                    {
                        "origin": demand.ids[d_sel][i],  # type: ignore[attr-defined]
                        "dest": supply.ids[s_sel][j],  # type: ignore[attr-defined]
                        "cost": d,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _access_job(queue: mp.Queue, demand_df: object, supply_df: object, cost: object) -> None:  # type: ignore[type-arg]
    import access

    warnings.simplefilter("ignore")
    acc = access.Access(
        demand_df=demand_df,
        demand_index="geoid",
        demand_value="pop",
        supply_df=supply_df,
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    t0 = time.perf_counter()
    out = acc.enhanced_two_stage_fca(
        name="e2", max_cost=CATCHMENT_M, weight_fn=access.weights.gaussian(SIGMA_M)
    )
    elapsed = time.perf_counter() - t0
    queue.put((elapsed, out["e2_cap"].to_dict()))


def run_access(
    demand: object, supply: object, timeout_s: float
) -> tuple[float | None, dict[str, float]]:
    """access's compute time in a child process, killed after timeout_s."""
    import pandas as pd

    cost = access_pair_table(demand, supply)
    demand_df = pd.DataFrame({"geoid": demand.ids, "pop": demand.persons})  # type: ignore[attr-defined]
    supply_df = pd.DataFrame({"geoid": supply.ids, "cap": supply.capacity})  # type: ignore[attr-defined]
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_access_job, args=(queue, demand_df, supply_df, cost))
    proc.start()
    try:
        elapsed, values = queue.get(timeout=timeout_s)
    except Exception:
        proc.kill()
        proc.join()
        return None, {}
    proc.join()
    return elapsed, values


def _large_job(folder: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    total, stages, (_, _, result) = run_engine(Path(folder))
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    queue.put((total, stages, rss_gb, result.n_pairs))  # type: ignore[attr-defined]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="sizes divided by 10")
    ap.add_argument("--skip-large", action="store_true", help="only the comparison with access")
    ap.add_argument("--access-timeout", type=float, default=900.0, help="seconds")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    n1, m1 = 100_000 // scale, 10_000 // scale
    n2, m2 = 1_000_000 // scale, 50_000 // scale

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_inputs(folder, n1, m1)
        total, stages, (demand, supply, result) = run_engine(folder)
        pairs = result.n_pairs  # type: ignore[attr-defined]
        print(f"[1] engine end to end, {n1:,} x {m1:,}, {pairs:,} pairs: {total:.2f} s", end="")
        print("  (" + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()) + ")")
        acc_time, acc_values = run_access(demand, supply, args.access_timeout)
        if acc_time is None:
            print(f"[1] access: no result within {args.access_timeout:.0f} s (compute only)")
            print(f"[1] ratio: > {args.access_timeout / total:.1f}x")
        else:
            ours = dict(zip(result.points.ids.tolist(), result.points.access.tolist(), strict=True))  # type: ignore[attr-defined]
            rel = max(abs(ours[k] - v) / abs(v) for k, v in acc_values.items() if v == v and v != 0)
            print(f"[1] access compute only (given our pair table): {acc_time:.2f} s")
            print(f"[1] ratio access / engine end to end: {acc_time / total:.1f}x (goal >= 15x)")
            print(f"[1] max relative difference vs access: {rel:.2e}")

    if args.skip_large:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write_inputs(Path(tmp), n2, m2, seed=2)
        ctx = mp.get_context("spawn")  # a fresh process, so its peak RSS is its own
        queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        proc = ctx.Process(target=_large_job, args=(tmp, queue))
        proc.start()
        total, stages, rss_gb, pairs = queue.get()
        proc.join()
        print(f"[2] engine end to end, {n2:,} x {m2:,}, {pairs:,} pairs: {total:.2f} s", end="")
        print("  (" + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()) + ")")
        print(f"[2] peak RSS: {rss_gb:.2f} GB (goal < 30 s and < 4 GB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
