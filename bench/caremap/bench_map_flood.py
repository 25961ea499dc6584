"""Eight concurrent anonymous map requests against an ordinary page (a report, not a test).

Issue 9, finding 1: with a 40k-point demand file, anonymous map recomputations (each with a new
catchment, so no cache helps) used to stall every other page. This loads the SYNTHETIC demo,
adds a demand version of about 40,000 points (the demo's points, jittered, sixteen times over)
and a supply of four times the facilities, serves the app with uvicorn on a loopback port (the
settings' worker threads), and measures an ordinary page (the territories list) alone, then
while eight clients each ask for the map with a new catchment every second (or as soon as the
last answer came), and, for scale, while eight clients ask for the ordinary page itself as fast
as they can. It runs twice, each in a
process of its own: with the bounds as configured (cache, pair cap, rate limit, slots) and with
them switched off (what the code did before). Prints medians, the ratio and the flood's answers.

    python bench/caremap/bench_map_flood.py [--seconds 20]
"""

import argparse
import collections
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

UNBOUNDED = {
    "TOWNHALL_CAREMAP_MAX_PAIRS": str(10**12),
    "TOWNHALL_CAREMAP_RECOMPUTES_PER_MINUTE": str(10**6),
    "TOWNHALL_CAREMAP_COMPUTE_SLOTS": "64",
}
ORDINARY = "/caremap/territories"
FLOODERS = 8


def _big_files() -> dict[str, bytes]:
    from app.caremap.demo import DEMAND_COLUMNS, SUPPLY_COLUMNS, generate_demo
    from app.lib.csvout import csv_text

    _, demand, supply = generate_demo(7)
    rng = np.random.default_rng(1)
    big_demand = [
        {**row, "id": f"{row['id']}-{k}", "lon": row["lon"] + dx, "lat": row["lat"] + dy}
        for k in range(16)
        for row, dx, dy in zip(
            demand,
            rng.normal(0, 0.002, len(demand)),
            rng.normal(0, 0.002, len(demand)),
            strict=True,
        )
    ]
    big_supply = [
        {**row, "id": f"{row['id']}-{k}", "lon": row["lon"] + 0.001 * k}
        for k in range(4)
        for row in supply
    ]
    return {
        "demand.csv": csv_text(DEMAND_COLUMNS, big_demand, bom=False).encode(),
        "supply.csv": csv_text(SUPPLY_COLUMNS, big_supply, bom=False).encode(),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timed(client: httpx.Client, path: str, **params: object) -> tuple[float, int]:
    started = time.perf_counter()
    r = client.get(path, params=params or None)
    return (time.perf_counter() - started) * 1000, r.status_code


def run_once(seconds: float) -> dict[str, object]:
    import uvicorn

    from app.caremap.demo import demo_files
    from app.cli import db_upgrade
    from app.config import Settings
    from app.db import make_engine, open_session
    from app.main import create_app
    from app.models.caremap import DatasetKind, DatasetMeta, TerritoryCreate
    from app.services import caremap as service

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db_upgrade(url)
        engine = make_engine(url)
        with open_session(engine, write=True) as db:
            # Only the care map: the rest of the demo is not what this measures.
            place = service.create_territory(
                db, actor=None, data=TerritoryCreate.model_validate({"name": {"en": "Bench"}})
            )
            files = {"units.geojson": demo_files()["units.geojson"], **_big_files()}
            service.import_files(
                db,
                actor=None,
                territory=place,
                files=[
                    service.IncomingFile(
                        DatasetMeta(kind=kind, source="bench", licence="CC0-1.0", year=2025),
                        name,
                        files[name],
                    )
                    for kind, name in (
                        (DatasetKind.units, "units.geojson"),
                        (DatasetKind.demand, "demand.csv"),
                        (DatasetKind.supply, "supply.csv"),
                    )
                ],
            )
        settings = Settings(
            database_url=url,
            secret_key="bench-secret-key-0123456789",  # noqa: S106 — a throwaway local key
            page_cache=False,
        )
        app = create_app(settings, engine)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120) as client:
            first = client.get("/api/v1/caremap/territories/1/map", params={"catchment_m": 300})
            assert first.status_code == 200, first.text  # and the files parsed once
            alone = [_timed(client, ORDINARY)[0] for _ in range(30)]
            stop = time.monotonic() + seconds
            answers: collections.Counter[int] = collections.Counter()
            flood_ms: list[float] = []
            lock = threading.Lock()

            def flood(k: int) -> None:
                # Eight readers each asking for a new map every second (as soon as the last
                # answer came, if it took longer): eight concurrent map requests at a time.
                n = 0
                with httpx.Client(base_url=base, timeout=120) as own:
                    while time.monotonic() < stop:
                        tick = time.monotonic() + 1.0
                        catchment = 600 + k * 97 + n * 7  # always new: no cache helps
                        ms, status = _timed(
                            own, "/api/v1/caremap/territories/1/map", catchment_m=catchment
                        )
                        n += 1
                        with lock:
                            answers[status] += 1
                            flood_ms.append(ms)
                        time.sleep(max(0.0, tick - time.monotonic()))

            flooders = [threading.Thread(target=flood, args=(k,)) for k in range(FLOODERS)]
            for t in flooders:
                t.start()
            time.sleep(0.5)
            during: list[float] = []
            while time.monotonic() < stop:
                during.append(_timed(client, ORDINARY)[0])
                time.sleep(0.05)
            for t in flooders:
                t.join()
            after = [_timed(client, ORDINARY)[0] for _ in range(10)]
            # For scale: eight clients asking for the ordinary page itself, as fast as they can.
            stop = time.monotonic() + min(5.0, seconds)

            def busy() -> None:
                with httpx.Client(base_url=base, timeout=120) as own:
                    while time.monotonic() < stop:
                        own.get(ORDINARY)

            others = [threading.Thread(target=busy) for _ in range(FLOODERS)]
            for t in others:
                t.start()
            reference: list[float] = []
            while time.monotonic() < stop:
                reference.append(_timed(client, ORDINARY)[0])
                time.sleep(0.05)
            for t in others:
                t.join()
        server.should_exit = True
        thread.join(10)
        engine.dispose()
    return {
        "alone_ms": statistics.median(alone),
        "during_ms": statistics.median(during) if during else float("nan"),
        "during_p90_ms": sorted(during)[int(0.9 * (len(during) - 1))] if during else float("nan"),
        "after_ms": statistics.median(after),
        "reference_ms": statistics.median(reference) if reference else float("nan"),
        "ordinary_requests": len(during),
        "flood_answers": dict(sorted(answers.items())),
        "flood_median_ms": statistics.median(flood_ms) if flood_ms else float("nan"),
        "flood_max_ms": max(flood_ms) if flood_ms else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(args.seconds)))
        return
    rows = []
    for label, extra in (("bounded (as configured)", {}), ("unbounded (before)", UNBOUNDED)):
        env = {**os.environ, **extra}
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--seconds", str(args.seconds)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append((label, json.loads(out.strip().splitlines()[-1])))
    print(
        f"{FLOODERS} concurrent anonymous map requests, new catchment each; "
        f"ordinary page {ORDINARY}"
    )
    for label, r in rows:
        ratio = r["during_ms"] / r["alone_ms"]
        print(
            f"{label:26} ordinary page alone {r['alone_ms']:.1f} ms, during flood median "
            f"{r['during_ms']:.1f} ms (p90 {r['during_p90_ms']:.1f}, n={r['ordinary_requests']}), "
            f"ratio {ratio:.2f}x, after {r['after_ms']:.1f} ms; "
            f"flood answers {r['flood_answers']}, "
            f"median {r['flood_median_ms']:.0f} ms, max {r['flood_max_ms']:.0f} ms; "
            f"for scale, 8 clients on the ordinary page itself: {r['reference_ms']:.1f} ms"
        )


if __name__ == "__main__":
    main()
