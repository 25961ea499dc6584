"""How fast the care-map pages answer on the SYNTHETIC demo territory (a report, not a test).

Loads the demo into a fresh SQLite file, then times through the ASGI app (no network):
the map page recomputed with different filters (each a new engine run on 2,500 demand points
and 166 facilities), the same as an htmx partial, a stored run's evidence panel, and storing a
run. Prints the median and the 90th percentile of each, in milliseconds.

    python bench/caremap/bench_map_page.py [--repeat 30]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.cli import db_upgrade
from app.config import Settings
from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from app.demo import load as load_demo
from app.main import create_app

FILTERS = [
    {"care_group": "children_0_5", "method": "e2sfca", "catchment_m": "1000"},
    {"care_group": "older_persons", "method": "2sfca", "catchment_m": "1500", "sphere": "public"},
    {"care_group": "persons_with_disabilities", "method": "3sfca", "catchment_m": "2000"},
    {"care_group": "children_0_5", "method": "gravity", "catchment_m": "800", "metric": "coverage"},
]


def _times(call: object, repeat: int) -> tuple[float, float]:
    samples = []
    for k in range(repeat):
        started = time.perf_counter()
        call(k)  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.9 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db_upgrade(url)
        engine = make_engine(url)
        with open_session(engine, write=True) as db:
            load_demo(db)
        settings = Settings(
            database_url=url,
            secret_key="bench-secret-key-0123456789",  # noqa: S106 — a throwaway local key
            page_cache=False,
        )
        app = create_app(settings, engine)
        with TestClient(app) as client:
            base = "/caremap/territories/1/map"
            client.get(base)  # parse the files once (cached per dataset version)

            def page(k: int) -> None:
                r = client.get(base, params=FILTERS[k % len(FILTERS)])
                assert r.status_code == 200

            def partial(k: int) -> None:
                r = client.get(
                    base, params=FILTERS[k % len(FILTERS)], headers={"HX-Request": "true"}
                )
                assert r.status_code == 200

            def panel(k: int) -> None:
                r = client.get("/caremap/runs/1/panel?care_group=children_0_5&metric=gap")
                assert r.status_code == 200

            rows = [
                ("map page, recomputed", _times(page, args.repeat)),
                ("map partial (htmx), recomputed", _times(partial, args.repeat)),
                ("stored panel, full page", _times(panel, args.repeat)),
            ]
            token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
            client.post(
                "/api/v1/auth/login",
                json={"email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD},
                headers={"X-CSRF-Token": token},
            )
            token = client.get("/api/v1/auth/csrf").json()["csrf_token"]

            def store(k: int) -> None:
                r = client.post(
                    "/api/v1/caremap/territories/1/runs",
                    json={"method": "e2sfca"},
                    headers={"X-CSRF-Token": token},
                )
                assert r.status_code == 201, r.text

            rows.append(("store a run (API)", _times(store, max(5, args.repeat // 3))))
        engine.dispose()
    print(f"{'operation':36} {'median ms':>10} {'p90 ms':>8}")
    for name, (median, p90) in rows:
        print(f"{name:36} {median:10.1f} {p90:8.1f}")


if __name__ == "__main__":
    main()
