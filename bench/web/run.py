"""Load benchmark of Town Hall's pages against two reference routes (a report, not a test).

    python bench/web/run.py [--duration 10] [--connections 32] [--quick]

Serves the app with its demo data under uvicorn (one worker, no access log, uvloop/httptools
when installed) on a free loopback port, then for each route:

1. saturating load: ``wrk -t2 -c32 -d10s --latency URL`` -> requests/s, p50, p99;
2. half load: a constant-rate open-loop generator (``loadgen.py``) at half of that route's own
   saturating rate -> p50, p99 measured from each request's scheduled send time.

Routes: the session page (/sessions/2), the forum list (/forums), and, mounted only for the
benchmark (``benchapp.py``), the framework ceiling (/_bench/static) and the template ceiling
(/_bench/template), both of the session page's size. Prints a table and the ratios against the
goals; writes everything to bench/results/web.json. See bench/web/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results" / "web.json"
HOST = "127.0.0.1"
sys.path.insert(0, str(HERE))

from benchapp import (  # noqa: E402
    FORUMS_PATH,
    SECRET_KEY,
    SESSION_PATH,
    STATIC_PATH,
    TEMPLATE_PATH,
)
from loadgen import open_loop  # noqa: E402

ROUTES = {
    SESSION_PATH: "session page",
    FORUMS_PATH: "forum list",
    STATIC_PATH: "framework ceiling (static, async def)",
    TEMPLATE_PATH: "template ceiling (Jinja2, async def)",
}
# The same pages served with the page cache off: what a logged-in reader (staff editing, a
# caucus representative) gets on every request. Reported beside the goals, not against them.
RENDERED = {f"{SESSION_PATH} rendered": SESSION_PATH, f"{FORUMS_PATH} rendered": FORUMS_PATH}
REAL = (SESSION_PATH, FORUMS_PATH, *RENDERED)
GOAL_THROUGHPUT = 0.5  # real page req/s / template ceiling req/s, at least
GOAL_P99_HALF = 2.0  # real page p99 at half load / template ceiling's, at most


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    server_cpu_ms_per_request: float = float("nan")


@dataclass
class RouteResult:
    path: str
    label: str
    bytes: int
    saturating: WrkResult
    half_load: dict[str, Any]


# -- wrk --------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    def grab(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match:
            return match[1]
        if default is None:
            raise ValueError(f"wrk output lacks {pattern!r}:\n{output}")
        return default

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_s=float(grab(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(grab(r"^\s+50%\s+(\S+)")),
        p75_ms=_ms(grab(r"^\s+75%\s+(\S+)")),
        p90_ms=_ms(grab(r"^\s+90%\s+(\S+)")),
        p99_ms=_ms(grab(r"^\s+99%\s+(\S+)")),
        requests=int(grab(r"^\s+(\d+) requests in")),
        non_2xx=int(grab(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def find_wrk() -> str:
    found = shutil.which("wrk") or ("/usr/bin/wrk" if Path("/usr/bin/wrk").exists() else None)
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def run_wrk(wrk: str, url: str, *, threads: int, connections: int, duration_s: float) -> str:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration_s:g}s", "--latency", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 60, check=True)
    return done.stdout


# -- the server -------------------------------------------------------------------------------


_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc; NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) * _TICK_S


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def server_command(port: int) -> list[str]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchapp:create_bench_app",
        "--factory",
        "--app-dir",
        str(HERE),
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if _importable("uvloop"):
        cmd += ["--loop", "uvloop"]
    if _importable("httptools"):
        cmd += ["--http", "httptools"]
    return cmd


def fetch(url: str, timeout: float = 10.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return bytes(response.read())


def wait_ready(proc: subprocess.Popen[bytes], url: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            fetch(url, timeout=2.0)
            return
        except OSError:
            time.sleep(0.25)
    raise SystemExit(f"the server was not ready after {timeout_s:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# -- report -----------------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.{digits}f}"


def ratios(results: dict[str, RouteResult]) -> dict[str, Any]:
    static = results[STATIC_PATH]
    template = results[TEMPLATE_PATH]
    out: dict[str, Any] = {
        "template_vs_framework_rps": template.saturating.requests_per_s
        / static.saturating.requests_per_s,
    }
    for path in REAL:
        page = results[path]
        rps = page.saturating.requests_per_s / template.saturating.requests_per_s
        p99 = page.half_load["p99_ms"] / template.half_load["p99_ms"]
        out[path] = {
            "rps_vs_template": rps,
            "rps_goal_met": rps >= GOAL_THROUGHPUT,
            "p99_half_vs_template": p99,
            "p99_half_goal_met": p99 <= GOAL_P99_HALF,
            "rps_vs_framework": page.saturating.requests_per_s / static.saturating.requests_per_s,
            # CPU cost ratio: the throughput ratio a CPU-bound server would show on an idle box.
            "cpu_per_request_template_vs_page": template.saturating.server_cpu_ms_per_request
            / page.saturating.server_cpu_ms_per_request,
        }
    return out


def print_report(results: dict[str, RouteResult], summary: dict[str, Any]) -> None:
    head = (
        f"{'route':<22}{'bytes':>7}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'cpu ms/r':>10}"
        f"{'@half r/s':>11}{'p50@½ ms':>10}{'p99@½ ms':>10}"
    )
    print()
    print(head)
    print("-" * len(head))
    for path, r in results.items():
        half = r.half_load
        print(
            f"{path:<22}{r.bytes:>7}{_fmt(r.saturating.requests_per_s, 0):>10}"
            f"{_fmt(r.saturating.p50_ms, 2):>9}{_fmt(r.saturating.p99_ms, 2):>9}"
            f"{_fmt(r.saturating.server_cpu_ms_per_request, 3):>10}"
            f"{_fmt(half['achieved_rate'], 0):>11}{_fmt(half['p50_ms'], 2):>10}"
            f"{_fmt(half['p99_ms'], 2):>10}"
        )
    print()
    for path, r in results.items():
        problems = []
        if r.saturating.non_2xx or r.saturating.socket_errors:
            problems.append(
                f"wrk: {r.saturating.non_2xx} non-2xx, {r.saturating.socket_errors} socket errors"
            )
        if r.half_load["errors"] or r.half_load["unfinished"]:
            problems.append(
                f"half load: {r.half_load['errors']} errors, {r.half_load['unfinished']} unfinished"
            )
        lag = r.half_load["send_lag_p99_ms"]
        if lag > 5 and lag > 0.5 * r.half_load["p99_ms"]:
            problems.append(
                f"half load: requests left up to {lag:,.0f} ms late (p99): the generator or the"
                " machine stalled, so this p99 measures the machine more than the route"
            )
        if problems:
            print(f"  ! {path}: {'; '.join(problems)}")
    print(
        f"template ceiling / framework ceiling, req/s: {summary['template_vs_framework_rps']:.2f}"
    )
    for path in REAL:
        s = summary[path]
        print(
            f"{path:<22} req/s / template ceiling: {s['rps_vs_template']:.2f} "
            f"(goal >= {GOAL_THROUGHPUT}: {'met' if s['rps_goal_met'] else 'NOT met'}); "
            f"p99@half / template's: {s['p99_half_vs_template']:.2f} "
            f"(goal <= {GOAL_P99_HALF}: {'met' if s['p99_half_goal_met'] else 'NOT met'}); "
            f"req/s / framework ceiling: {s['rps_vs_framework']:.3f}; "
            f"CPU/request, template ÷ page: {s['cpu_per_request_template_vs_page']:.2f}"
        )


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("fastapi", "starlette", "uvicorn", "uvloop", "httptools", "jinja2", "sqlalchemy"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[name] = importlib.metadata.version(name)
    return out


# -- main -------------------------------------------------------------------------------------


def _measure(
    env: dict[str, str],
    routes: dict[str, str],
    duration: float,
    warmup: float,
    args: argparse.Namespace,
    wrk: str,
) -> dict[str, RouteResult]:
    """Starts a server with `env`, loads each route (label -> path), stops the server."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    cmd = server_command(port)
    print(f"server: {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    results: dict[str, RouteResult] = {}
    try:
        wait_ready(proc, base + STATIC_PATH)
        sizes = {label: len(fetch(base + path)) for label, path in routes.items()}
        print("sizes:  " + ", ".join(f"{p} {n} B" for p, n in sizes.items()), flush=True)
        for path in routes.values():  # warm-up: templates compiled, pool and caches filled
            run_wrk(wrk, base + path, threads=1, connections=4, duration_s=warmup)
        saturating: dict[str, WrkResult] = {}
        for label, path in routes.items():
            print(
                f"wrk -t{args.threads} -c{args.connections} -d{duration:g}s {label} ...", flush=True
            )
            cpu = cpu_seconds(proc.pid)
            out = run_wrk(
                wrk,
                base + path,
                threads=args.threads,
                connections=args.connections,
                duration_s=duration,
            )
            saturating[label] = parse_wrk(out)
            used = cpu_seconds(proc.pid) - cpu
            saturating[label].server_cpu_ms_per_request = used * 1e3 / saturating[label].requests
        for label, path in routes.items():
            rate = saturating[label].requests_per_s / 2
            print(f"open loop {rate:,.0f} req/s for {duration:g}s {label} ...", flush=True)
            cpu = cpu_seconds(proc.pid)
            half = open_loop(
                HOST, port, path, rate=rate, duration_s=duration, connections=args.connections
            )
            summary_half = half.summary()
            summary_half["server_cpu_share"] = (cpu_seconds(proc.pid) - cpu) / half.elapsed_s
            description = ROUTES.get(label) or f"{ROUTES[path]}, rendered every time"
            results[label] = RouteResult(
                path, description, sizes[label], saturating[label], summary_half
            )
    finally:
        stop(proc)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=32, help="connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--quick", action="store_true", help="3 s runs")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    args = parser.parse_args(argv)
    duration: float = 3.0 if args.quick else args.duration
    warmup = 1.0 if args.quick else 2.0
    wrk = find_wrk()

    tmp = Path(tempfile.mkdtemp(prefix="townhall-bench-"))
    env = os.environ | {
        "TOWNHALL_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "TOWNHALL_SECRET_KEY": SECRET_KEY,
        "TOWNHALL_UPLOAD_DIR": str(tmp / "uploads"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    print(f"data:   {tmp} (demo data; migrating and loading takes a few seconds)", flush=True)
    results: dict[str, RouteResult] = {}
    loads = [load_average()]
    try:
        routes = {path: path for path in ROUTES}
        results |= _measure(env, routes, duration, warmup, args, wrk)
        # A second server, cache off, on the same data: every request renders the page.
        results |= _measure(
            env | {"TOWNHALL_PAGE_CACHE": "false"}, RENDERED, duration, warmup, args, wrk
        )
        loads.append(load_average())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary = ratios(results)
    print_report(results, summary)
    cpus = os.cpu_count() or 1
    print(f"1-min load average: {loads[0]:.1f} before, {loads[-1]:.1f} after ({cpus} CPUs)")
    if max(loads) > cpus:
        print("  ! the machine was busy with other work: req/s and latencies are depressed and")
        print("    noisy; the server CPU ms/request column is the steadier measure")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_1min": {"before": loads[0], "after": loads[-1]},
        },
        "versions": _versions(),
        "server": server_command(0)[1:],
        "config": {
            "duration_s": duration,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "half_load_generator": "bench/web/loadgen.py (open loop, constant rate)",
        },
        "goals": {
            "rps_vs_template_min": GOAL_THROUGHPUT,
            "p99_half_vs_template_max": GOAL_P99_HALF,
        },
        "routes": {path: asdict(r) for path, r in results.items()},
        "ratios": summary,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
