"""Benchmark of the care-map gap engine (a script, not a test).

    python bench/caremap/bench_engine.py [--quick] [--skip-large] [--repeat N]
                                         [--access-timeout S]

1. 100,000 demand points x 10,000 facilities (three care groups), clustered
   (20 towns of Gaussian spread 0.6-1.9 km, sizes Pareto-distributed, 10 % of
   the points scattered over the whole 40 x 40 km box around Montevideo), 1 km
   catchment, E2SFCA with Gaussian decay (sigma 500 m): 9.79 million pairs
   in reach. The engine is the real command, ``townhall caremap compute``, run
   in a fresh process and timed from before the process starts to after it
   exits: interpreter start, imports, loading the CSVs, the pair search, the
   method, the aggregation over 16 units and writing both output CSVs.
   ``--repeat`` runs (3) before access and as many after it, so that both sides
   see the same load; their median counts. Every run is printed, with the time
   outside the command's own clock (process wall time minus its last stage stamp:
   interpreter start, imports and exit).
   PySAL ``access`` is then given the same pairs (the engine's own
   ``pairs_within``, as a cost DataFrame) and only its compute
   (``enhanced_two_stage_fca``) is timed, which favours it. Prints both times,
   the ratio (goal >= 15x) and the largest relative difference between the
   access values the command wrote and access's.
2. 1,000,000 x 50,000, uniform over the box, 2 km catchment (sigma 1 km), as in
   this script's first version, the same command in a fresh process: wall time
   and the child's peak RSS (goal < 30 s and < 4 GB on 2 cores).

``--quick`` divides every size by 10.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.caremap import CARE_GROUPS, SPHERES, load_demand, load_supply  # noqa: E402
from app.caremap.neighbours import pairs_within  # noqa: E402

LON0, LAT0 = -56.40, -35.05
SPAN_LON, SPAN_LAT = 0.44, 0.36  # about 40 x 40 km
CATCHMENT_M = 1000.0
SIGMA_M = 500.0
TOWNS = 20
TOWN_SPREAD_M = 1250.0
SCATTERED = 0.10
LARGE_CATCHMENT_M, LARGE_SIGMA_M = 2000.0, 1000.0  # run 2, as in the first version of this script
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(LAT0)))


def _points(
    rng: np.random.Generator, n: int, towns: np.ndarray, weight: np.ndarray, spread: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if towns.size == 0:
        return LON0 + SPAN_LON * rng.random(n), LAT0 + SPAN_LAT * rng.random(n)
    k = rng.choice(len(towns), n, p=weight)
    lon = towns[k, 0] + rng.normal(0.0, 1.0, n) * spread[k] / M_PER_DEG_LON
    lat = towns[k, 1] + rng.normal(0.0, 1.0, n) * spread[k] / M_PER_DEG_LAT
    scattered = rng.random(n) < SCATTERED
    lon[scattered] = LON0 + SPAN_LON * rng.random(int(scattered.sum()))
    lat[scattered] = LAT0 + SPAN_LAT * rng.random(int(scattered.sum()))
    return lon, lat


def write_inputs(
    folder: Path, n_demand: int, n_supply: int, *, seed: int = 1, clustered: bool = True
) -> None:
    rng = np.random.default_rng(seed)
    n_towns = TOWNS if clustered else 0
    towns = np.column_stack(
        (LON0 + SPAN_LON * rng.random(n_towns), LAT0 + SPAN_LAT * rng.random(n_towns))
    )
    weight = rng.pareto(1.5, n_towns) + 1.0
    weight /= max(float(weight.sum()), 1.0)
    spread = TOWN_SPREAD_M * (0.5 + rng.random(n_towns))

    lon, lat = _points(rng, n_demand, towns, weight, spread)
    groups = np.array(CARE_GROUPS)[rng.integers(0, 3, n_demand)]
    persons = rng.integers(1, 30, n_demand)
    with (folder / "demand.csv").open("w") as fh:
        fh.write("id,lon,lat,care_group,persons\n")
        fh.writelines(
            f"d{k},{x:.6f},{y:.6f},{g},{p}\n"
            for k, (x, y, g, p) in enumerate(zip(lon, lat, groups, persons, strict=True))
        )
    lon, lat = _points(rng, n_supply, towns, weight, spread)
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


def command() -> list[str]:
    """The installed ``townhall`` console script beside this interpreter (not a shim), else
    ``python -m app.cli``: the same entry either way."""
    script = Path(sys.executable).with_name("townhall")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "app.cli"]


def run_cli(
    folder: Path, catchment_m: float = CATCHMENT_M, sigma_m: float = SIGMA_M
) -> tuple[float, float, float, int, float]:
    """One ``townhall caremap compute`` in a fresh process: (wall s, seconds outside the
    command's own clock, the child's peak RSS in GB, pairs in reach, its CPU s)."""
    argv = [
        *command(),
        "caremap", "compute",
        "--units", str(folder / "units.geojson"),
        "--demand", str(folder / "demand.csv"),
        "--supply", str(folder / "supply.csv"),
        "--method", "e2sfca",
        "--catchment-m", f"{catchment_m:g}",
        "--decay", "gaussian",
        "--sigma-m", f"{sigma_m:g}",
        "--out-units", str(folder / "units.csv"),
        "--out-points", str(folder / "points.csv"),
    ]  # fmt: skip
    err = folder / "stderr.txt"
    with err.open("w") as stderr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = err.read_text()
    if proc.returncode != 0:
        raise SystemExit(f"townhall caremap compute failed ({proc.returncode}):\n{text}")
    stamps = [float(s) for s in re.findall(r"^\[\s*([\d.]+)s\]", text, re.M)]
    pairs = re.search(r"done: (\d+) pairs", text)
    # The command's clock starts after its imports; its last stamp is its own run time.
    outside = wall - (stamps[-1] if stamps else 0.0)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, outside, usage.ru_maxrss / 1024**2, int(pairs.group(1)) if pairs else -1, cpu


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
    t0, c0 = time.perf_counter(), time.process_time()
    out = acc.enhanced_two_stage_fca(
        name="e2", max_cost=CATCHMENT_M, weight_fn=access.weights.gaussian(SIGMA_M)
    )
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    queue.put((elapsed, cpu, out["e2_cap"].to_dict()))


def run_access(
    demand: object, supply: object, timeout_s: float
) -> tuple[float | None, float, dict[str, float], int]:
    """access's compute time (wall, CPU) in a child process, killed after timeout_s; and
    the pairs."""
    import pandas as pd

    cost = access_pair_table(demand, supply)
    demand_df = pd.DataFrame({"geoid": demand.ids, "pop": demand.persons})  # type: ignore[attr-defined]
    supply_df = pd.DataFrame({"geoid": supply.ids, "cap": supply.capacity})  # type: ignore[attr-defined]
    n_pairs = len(cost)  # type: ignore[arg-type]
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    proc = ctx.Process(target=_access_job, args=(queue, demand_df, supply_df, cost))
    proc.start()
    try:
        elapsed, cpu, values = queue.get(timeout=timeout_s)
    except Exception:
        proc.kill()
        proc.join()
        return None, 0.0, {}, n_pairs
    proc.join()
    return elapsed, cpu, values, n_pairs


def written_access(path: Path) -> dict[str, float]:
    with path.open(newline="") as fh:
        return {row["id"]: float(row["access"]) for row in csv.DictReader(fh)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="sizes divided by 10")
    ap.add_argument("--skip-large", action="store_true", help="only the comparison with access")
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="command runs before access, and again after (median of all)",
    )
    ap.add_argument("--access-timeout", type=float, default=900.0, help="seconds")
    args = ap.parse_args()
    scale = 10 if args.quick else 1
    n1, m1 = 100_000 // scale, 10_000 // scale
    n2, m2 = 1_000_000 // scale, 50_000 // scale
    print(f"command: {' '.join(command())} caremap compute ... ({os.cpu_count()} cores)")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_inputs(folder, n1, m1)
        walls: list[float] = []
        cpus: list[float] = []

        def engine_runs(label: str) -> None:
            for k in range(max(1, args.repeat)):
                wall, outside, _rss, pairs, cpu = run_cli(folder)
                walls.append(wall)
                cpus.append(cpu)
                print(
                    f"[1] townhall caremap compute, {n1:,} x {m1:,}, {pairs:,} pairs, "
                    f"run {k + 1} {label} access: {wall:.2f} s, CPU {cpu:.2f} s "
                    f"(outside its own clock: start, imports, exit {outside:.2f} s)"
                )

        engine_runs("before")
        ours = written_access(folder / "points.csv")
        demand = load_demand(folder / "demand.csv")
        supply = load_supply(folder / "supply.csv")
        acc_time, acc_cpu, acc_values, acc_pairs = run_access(demand, supply, args.access_timeout)
        engine_runs("after")
        total, total_cpu = statistics.median(walls), statistics.median(cpus)
        print(
            f"[1] engine end to end (median of {len(walls)}): {total:.2f} s, "
            f"CPU {total_cpu:.2f} s (all threads)"
        )
        if acc_time is None:
            print(f"[1] access: no result within {args.access_timeout:.0f} s (compute only)")
            print(f"[1] ratio: > {args.access_timeout / total:.1f}x")
        else:
            rel = max(abs(ours[k] - v) / abs(v) for k, v in acc_values.items() if v == v and v != 0)
            print(
                f"[1] access compute only (given the same {acc_pairs:,} pairs): "
                f"{acc_time:.2f} s, CPU {acc_cpu:.2f} s"
            )
            print(f"[1] ratio access / engine end to end: {acc_time / total:.1f}x (goal >= 15x)")
            print(
                f"[1] CPU-time ratio (less sensitive to others' load): {acc_cpu / total_cpu:.1f}x"
            )
            print(f"[1] max relative difference vs access: {rel:.2e}")

    if args.skip_large:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        write_inputs(Path(tmp), n2, m2, seed=2, clustered=False)
        wall, outside, rss_gb, pairs, cpu = run_cli(Path(tmp), LARGE_CATCHMENT_M, LARGE_SIGMA_M)
        print(
            f"[2] townhall caremap compute, {n2:,} x {m2:,}, {pairs:,} pairs: {wall:.2f} s, "
            f"CPU {cpu:.2f} s (outside its own clock {outside:.2f} s)"
        )
        print(f"[2] peak RSS: {rss_gb:.2f} GB (goal < 30 s and < 4 GB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
