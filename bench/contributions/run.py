"""Load benchmark of the contribution list, filters, search and API at 1,000 and 100,000 rows.

    python bench/contributions/run.py [--quick] [--data DIR] [--sizes 1000,100000]

For each size: generates the database (``generate.py``), serves the real app under uvicorn (one
worker, page cache off so every request renders) next to the template and framework ceilings of
``bench/web``, and loads each route with ``wrk`` (saturating, 32 connections) and with
``bench/web/loadgen.py`` (open loop at half of that route's saturating rate). Then the HTML
routes once more with the page cache on, the concurrency checks (``concurrency.py``) and the
query plans (``plans.py``). Prints the tables and writes them to
``bench/results/contributions-<timestamp>.md`` (and ``.json``). See bench/contributions/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
SECRET_KEY = "bench-only-secret-key-not-for-production"  # noqa: S105
GOAL_SCALE = 0.8  # req/s at 100k / req/s at 1k, at least (issue 3)
SIZES = (1000, 100_000)

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def _load_web_runner() -> Any:
    """bench/web/run.py as a module (its name clashes with this file's): wrk, /proc, server."""
    spec = importlib.util.spec_from_file_location("bench_web_run", ROOT / "bench/web/run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_web_run"] = module
    spec.loader.exec_module(module)
    return module


web = _load_web_runner()

import corpus  # noqa: E402
import generate  # noqa: E402

STATIC = "framework ceiling"
TEMPLATE = "template ceiling"
HTML_ROUTES = ("list", "filtered", "search", "deep page", "most endorsed")


def route_params(db: Path) -> dict[str, int]:
    """The forum with sessions, its first theme, and a cursor ~90 % down the newest-first list."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as raw:
        forum_id, theme_id = raw.execute(
            "SELECT t.forum_id, min(t.id) FROM theme t JOIN forum_session s "
            "ON s.forum_id = t.forum_id GROUP BY t.forum_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        max_id = raw.execute("SELECT max(id) FROM contribution").fetchone()[0] or 0
    return {"forum_id": forum_id, "theme_id": theme_id, "deep": max(2, max_id // 10)}


def routes_for(db: Path, *, real_only: bool = False) -> dict[str, str]:
    """label -> path; the filter values and the deep cursor come from the database."""
    p = route_params(db)
    forum_id, theme_id, deep = p["forum_id"], p["theme_id"], p["deep"]
    routes = {
        "list": "/contributions",
        "filtered": f"/contributions?forum_id={forum_id}&language=es&theme_id={theme_id}",
        "search": f"/contributions?q={corpus.COMMON_WORD}",
        "deep page": f"/contributions?cursor={deep}",
        "most endorsed": "/contributions?sort=endorsed",
        "API list": "/api/v1/contributions",
    }
    if not real_only:
        routes |= {TEMPLATE: "/_bench/template", STATIC: "/_bench/static"}
    return routes


# -- the server -------------------------------------------------------------------------------


def server_command(port: int, workers: int = 1) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "contribapp:create_bench_app",
        "--factory",
        "--app-dir",
        str(HERE),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if web._importable("uvloop"):
        cmd += ["--loop", "uvloop"]
    if web._importable("httptools"):
        cmd += ["--http", "httptools"]
    return cmd


def server_env(db: Path, tmp: Path, **extra: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "TOWNHALL_DATABASE_URL": f"sqlite:///{db}",
            "TOWNHALL_SECRET_KEY": SECRET_KEY,
            "TOWNHALL_UPLOAD_DIR": str(tmp / "uploads"),
            "TOWNHALL_PAGE_CACHE": "false",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        | extra
    )


class Server:
    """One uvicorn process; ``with Server(...) as s: s.base``."""

    def __init__(self, env: dict[str, str], workers: int = 1) -> None:
        self.port = web.free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.cmd = server_command(self.port, workers)
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env)
        try:
            web.wait_ready(self.proc, self.base + "/_bench/static")
        except BaseException:
            web.stop(self.proc)
            raise
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc is not None:
            web.stop(self.proc)


# -- measuring --------------------------------------------------------------------------------


def run_wrk(wrk: str, url: str, *, threads: int, connections: int, duration_s: float) -> str:
    """``wrk`` with a 30 s request timeout (its default of 2 s drops slow routes' requests)."""
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s:g}s", "--timeout", "30s"]
    cmd += ["--latency", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 90, check=True)
    return done.stdout


def drain(pid: int, timeout_s: float = 180.0) -> float:
    """Waits until the server is idle (under 10 % of a CPU over 0.5 s): requests a load
    generator gave up on are still being served, and would be billed to the next route."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        cpu = web.cpu_seconds(pid)
        time.sleep(0.5)
        if web.cpu_seconds(pid) - cpu < 0.05:
            break
    return time.monotonic() - start


@dataclass
class Measure:
    label: str
    path: str
    bytes: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    errors: int
    half: dict[str, Any] = field(default_factory=dict)


def measure_routes(
    server: Server,
    routes: dict[str, str],
    *,
    duration: float,
    half_duration: float,
    warmup: float,
    connections: int,
    threads: int,
    wrk: str,
) -> dict[str, Measure]:
    assert server.proc is not None
    sizes = {}
    for label, path in routes.items():
        body = web.fetch(server.base + path, timeout=60)
        sizes[label] = len(body)
    for path in routes.values():
        run_wrk(wrk, server.base + path, threads=1, connections=4, duration_s=warmup)
        drain(server.proc.pid)
    out: dict[str, Measure] = {}
    for label, path in routes.items():
        print(f"  wrk -t{threads} -c{connections} -d{duration:g}s {label} ...", flush=True)
        cpu = web.cpu_seconds(server.proc.pid)
        drain(server.proc.pid)
        result = web.parse_wrk(
            run_wrk(
                wrk,
                server.base + path,
                threads=threads,
                connections=connections,
                duration_s=duration,
            )
        )
        used = web.cpu_seconds(server.proc.pid) - cpu
        out[label] = Measure(
            label,
            path,
            sizes[label],
            result.requests_per_s,
            result.p50_ms,
            result.p99_ms,
            used * 1e3 / max(1, result.requests),
            result.non_2xx + result.socket_errors,
        )
    if half_duration > 0:
        for label, path in routes.items():
            rate = max(1.0, out[label].rps / 2)
            print(f"  open loop {rate:,.0f} req/s {half_duration:g}s {label} ...", flush=True)
            drain(server.proc.pid)
            half = web.open_loop(
                HOST,
                server.port,
                path,
                rate=rate,
                duration_s=half_duration,
                connections=connections,
            )
            out[label].half = half.summary()
    return out


# -- report -----------------------------------------------------------------------------------


def _f(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, sep, *body])


def main_table(results: dict[int, dict[str, Measure]], small: int, large: int) -> str:
    headers = [
        "route",
        f"req/s {small // 1000}k",
        f"req/s {large // 1000}k",
        f"{large // 1000}k/{small // 1000}k",
        "goal ≥0.8",
        f"p50/p99 ms {small // 1000}k",
        f"p50/p99 ms {large // 1000}k",
        f"p99@½ ms {small // 1000}k",
        f"p99@½ ms {large // 1000}k",
        f"CPU ms/req {small // 1000}k",
        f"CPU ms/req {large // 1000}k",
        f"÷tmpl {small // 1000}k",
        f"÷tmpl {large // 1000}k",
        "bytes",
    ]
    rows = []
    a, b = results[small], results[large]
    for label in a:
        ra, rb = a[label], b[label]
        ratio = rb.rps / ra.rps if ra.rps else float("nan")
        goal = "" if label in (STATIC, TEMPLATE) else ("met" if ratio >= GOAL_SCALE else "NOT met")
        rows.append(
            [
                label,
                _f(ra.rps, 0),
                _f(rb.rps, 0),
                _f(ratio, 2),
                goal,
                f"{_f(ra.p50_ms)}/{_f(ra.p99_ms)}",
                f"{_f(rb.p50_ms)}/{_f(rb.p99_ms)}",
                _f(ra.half.get("p99_ms", float("nan"))),
                _f(rb.half.get("p99_ms", float("nan"))),
                _f(ra.cpu_ms, 2),
                _f(rb.cpu_ms, 2),
                _f(ra.rps / a[TEMPLATE].rps, 2),
                _f(rb.rps / b[TEMPLATE].rps, 2),
                str(rb.bytes),
            ]
        )
    return table(headers, rows)


def cache_table(cached: dict[int, dict[str, Measure]], small: int, large: int) -> str:
    headers = ["route (page cache on)", f"req/s {small // 1000}k", f"req/s {large // 1000}k"]
    headers += [f"{large // 1000}k/{small // 1000}k", "p50/p99 ms 100k", "CPU ms/req 100k"]
    rows = []
    for label in cached[small]:
        ra, rb = cached[small][label], cached[large][label]
        rows.append(
            [
                label,
                _f(ra.rps, 0),
                _f(rb.rps, 0),
                _f(rb.rps / ra.rps if ra.rps else float("nan"), 2),
                f"{_f(rb.p50_ms)}/{_f(rb.p99_ms)}",
                _f(rb.cpu_ms, 2),
            ]
        )
    return table(headers, rows)


def _versions() -> dict[str, str]:
    out: dict[str, str] = web._versions()
    out["sqlite"] = sqlite3.sqlite_version
    return out


# -- main -------------------------------------------------------------------------------------


def prepare(data: Path, n: int, seed: int) -> Path:
    """The database for ``n`` rows in ``data``, generated unless a matching one is there."""
    db = data / f"contributions-{n}.db"
    marker = data / f"contributions-{n}.json"
    if db.exists() and marker.exists():
        info = json.loads(marker.read_text())
        if info.get("seed") == seed and info.get("contributions") == n:
            print(f"data {n:,}: reusing {db} (generated in {info['timings']['total_s']:.1f} s)")
            return db
    print(f"data {n:,}: generating {db} ...", flush=True)
    info = generate.generate(db, n, seed=seed)
    info["seed"] = seed
    marker.write_text(json.dumps(info, indent=2))
    t = info["timings"]
    print(
        f"data {n:,}: {info['published']:,} published, {info['theme_links']:,} theme links, "
        f"{info['endorsements']:,} endorsements, {info['size_mb']:.0f} MB; generated in "
        f"{t['total_s']:.1f} s (contributions {t['contributions_s']:.1f} s, links "
        f"{t['links_s']:.1f} s, migration + demo {t['migrate_and_demo_s']:.1f} s)",
        flush=True,
    )
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 s runs, 3 s half load")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route (10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="1000,100000")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--data", type=Path, help="keep/reuse generated databases here")
    parser.add_argument("--no-half", action="store_true", help="skip the half-load runs")
    parser.add_argument("--no-cache-run", action="store_true", help="skip the page-cache-on run")
    parser.add_argument("--no-concurrency", action="store_true")
    parser.add_argument("--no-plans", action="store_true")
    args = parser.parse_args(argv)
    duration = 5.0 if args.quick else args.duration
    half_duration = 0.0 if args.no_half else (3.0 if args.quick else args.duration)
    warmup = 1.0 if args.quick else 2.0
    sizes = [int(s) for s in args.sizes.split(",")]
    small, large = min(sizes), max(sizes)
    wrk = web.find_wrk()

    tmp = Path(tempfile.mkdtemp(prefix="townhall-contrib-bench-"))
    data = args.data or tmp
    data.mkdir(parents=True, exist_ok=True)
    loads = [web.load_average()]
    started = time.strftime("%Y%m%d-%H%M%S")
    document: dict[str, Any] = {"created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    results: dict[int, dict[str, Measure]] = {}
    cached: dict[int, dict[str, Measure]] = {}
    target_bytes = ""
    extra_sections: list[str] = []
    try:
        dbs = {n: prepare(data, n, args.seed) for n in sizes}
        for n in sizes:
            routes = routes_for(dbs[n])
            env = server_env(dbs[n], tmp, BENCH_TARGET_BYTES=target_bytes)
            print(f"\nserver ({n:,} rows, page cache off): {' '.join(server_command(0)[1:])}")
            with Server(env) as server:
                if not target_bytes:
                    # The ceilings get the size of the list page at the smallest size, and keep
                    # it for every run, so that they are the same yardstick throughout.
                    target_bytes = str(len(web.fetch(server.base + routes["list"])))
                results[n] = measure_routes(
                    server,
                    routes,
                    duration=duration,
                    half_duration=half_duration,
                    warmup=warmup,
                    connections=args.connections,
                    threads=args.threads,
                    wrk=wrk,
                )
            loads.append(web.load_average())
        if not args.no_cache_run:
            for n in sizes:
                routes = {k: v for k, v in routes_for(dbs[n]).items() if k in HTML_ROUTES}
                env = server_env(
                    dbs[n], tmp, BENCH_TARGET_BYTES=target_bytes, TOWNHALL_PAGE_CACHE="true"
                )
                print(f"\nserver ({n:,} rows, page cache on)")
                with Server(env) as server:
                    cached[n] = measure_routes(
                        server,
                        routes,
                        duration=max(2, int(duration // 2)),
                        half_duration=0,
                        warmup=warmup,
                        connections=args.connections,
                        threads=args.threads,
                        wrk=wrk,
                    )
            loads.append(web.load_average())
        if not args.no_concurrency:
            import concurrency

            copy = tmp / "concurrency.db"
            shutil.copyfile(dbs[small], copy)
            print(f"\nconcurrency checks on a copy of the {small:,}-row database")
            document["concurrency"] = []
            # First at most 6 requests in flight (below the 8 worker threads): the idempotency
            # and endorsement logic on their own; then all at once, as the issue asks.
            for in_flight in (6, None):
                report = concurrency.run_checks(
                    copy,
                    tmp,
                    server_factory=Server,
                    env_factory=server_env,
                    in_flight=in_flight,
                )
                document["concurrency"].append(report)
                print(concurrency.format_report(report), flush=True)
                extra_sections.append(concurrency.format_report(report) + "\n")
            loads.append(web.load_average())
        if not args.no_plans:
            import plans

            plan_text = []
            document["plans"] = {}
            for n in sizes:
                captured = plans.capture(dbs[n], routes_for(dbs[n], real_only=True))
                document["plans"][n] = {
                    label: {
                        "path": rp.path,
                        "selects": len(rp.statements),
                        "sql_ms": sum(s.median_ms for s in rp.statements),
                        "statements": [asdict(s) for s in rp.statements],
                    }
                    for label, rp in captured.items()
                }
                if n == large:
                    print(f"\nquery plans at {n:,} rows")
                    plans.print_plans(captured)
            alt = {
                n: plans.alternatives(
                    dbs[n],
                    word=corpus.COMMON_WORD,
                    **{k: v for k, v in route_params(dbs[n]).items() if k != "deep"},
                )
                for n in sizes
            }
            document["alternatives"] = alt
            plan_text.append(plans_summary(document["plans"], sizes, alt))
            extra_sections.append("\n".join(plan_text))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the data too, unless --data named a folder

    cpus = os.cpu_count() or 1
    machine = (
        f"{cpus} CPUs, {platform.platform()}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}; 1-min load average "
        + " → ".join(f"{x:.1f}" for x in loads)
        + " (server, wrk and load generator share the machine)"
    )
    config = (
        f"one uvicorn worker (uvloop/httptools), page cache off unless said; wrk -t{args.threads} "
        f"-c{args.connections} -d{duration:g}s per route (saturating; p50/p99 from wrk); "
        f"p99@½: open-loop generator at half that route's req/s for {half_duration:g} s; "
        f"ceilings sized to the list page ({target_bytes} B); CPU ms/req = server process CPU "
        "time / requests"
    )
    out = [
        f"# Contributions benchmark {document['created']}",
        "",
        f"Machine: {machine}.",
        "",
        f"Setup: {config}.",
        "",
        main_table(results, small, large),
    ]
    if cached:
        out += ["", cache_table(cached, small, large)]
    if max(loads) > cpus:
        out += [
            "",
            f"Note: the load average exceeded the {cpus} CPUs: other work shared the machine, so "
            "req/s and latencies are depressed and noisy; CPU ms/req is the steadier measure.",
        ]
    out += ["", *extra_sections]
    text = "\n".join(out) + "\n"
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = RESULTS / f"contributions-{started}.md"
    md.write_text(text)
    document |= {
        "machine": {"cpus": cpus, "platform": platform.platform(), "load_average_1min": loads},
        "versions": _versions(),
        "config": config,
        "results": {n: {k: asdict(v) for k, v in r.items()} for n, r in results.items()},
        "cached": {n: {k: asdict(v) for k, v in r.items()} for n, r in cached.items()},
    }
    md.with_suffix(".json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"written: {md} (and .json)")
    return 0


def plans_summary(plans: dict[int, dict[str, Any]], sizes: list[int], alt: dict[int, Any]) -> str:
    small, large = min(sizes), max(sizes)
    headers = ["route", "SELECTs/request", f"SQL ms {small // 1000}k", f"SQL ms {large // 1000}k"]
    headers += ["slowest statement at 100k", "plan flags at 100k"]
    rows = []
    for label, info in plans[large].items():
        stmts = info["statements"]
        slowest = max(stmts, key=lambda s: s["median_ms"]) if stmts else None
        flags = sorted({f for s in stmts for f in s["flags"]})
        rows.append(
            [
                label,
                str(info["selects"]),
                _f(plans[small][label]["sql_ms"], 2),
                _f(info["sql_ms"], 2),
                (
                    f"{slowest['median_ms']:.2f} ms: " + " ".join(slowest["sql"].split())[:60] + "…"
                    if slowest
                    else ""
                ),
                "; ".join(flags) or "none",
            ]
        )
    lines = ["Queries (in-process, one request each, statements re-run on sqlite3):", ""]
    lines.append(table(headers, rows))
    names = [k for k in alt[large] if k != "search matches"]
    alt_rows = [
        [name, *(_f(alt[n][name]["median_ms"], 2) for n in sizes), alt[large][name]["plan"][0]]
        for name in names
    ]
    lines += [
        "",
        f"Rewrites (ids only; search for '{corpus.COMMON_WORD}', which matches "
        + ", ".join(f"{alt[n]['search matches']:,} rows at {n // 1000}k" for n in sizes)
        + "):",
        "",
        table(["query", *(f"ms {n // 1000}k" for n in sizes), "first plan line at 100k"], alt_rows),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
