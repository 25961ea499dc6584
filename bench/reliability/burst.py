"""Finding 18 of issue 9: 500 simultaneous GETs to the JSON list endpoints against one served
instance on loopback, on SQLite and on PostgreSQL.

Serves a migrated database holding the demo data with `townhall serve` (default settings: the
pool, threads and timeouts are what production gets), sends every request at once from one
asyncio client (500 connections), then measures /healthz and /readyz right after. Prints per
database: how many got 200, 503 or anything else, the slowest answer, and the health
latencies. A report, not a timed test; every loop is bounded.

    python bench/reliability/burst.py [--requests 500] [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PATHS = ("/api/v1/forums", "/api/v1/sessions", "/api/v1/contributions", "/api/v1/speakers")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CLIENT_TIMEOUT_S = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "TOWNHALL_DATABASE_URL": url,
        "TOWNHALL_SECRET_KEY": "bench-only-secret-key-not-for-production",
        "TOWNHALL_UPLOAD_DIR": str(workdir / "uploads"),
    }
    code = f"from app.cli import main; main(['serve', '--demo', '--port', '{port}'])"
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "server.log", "wb"),
    )


async def _wait_ready(base: str, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the server did not become ready")


async def _burst(base: str, count: int) -> dict[str, object]:
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT_S, limits=limits) as client:

        async def one(path: str) -> tuple[str, float]:
            start = time.monotonic()
            try:
                status = str((await client.get(path)).status_code)
            except httpx.TimeoutException:
                status = "timeout"
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            return status, time.monotonic() - start

        start = time.monotonic()
        results = await asyncio.gather(*(one(PATHS[i % len(PATHS)]) for i in range(count)))
        wall = time.monotonic() - start
    async with httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT_S) as client:
        t0 = time.monotonic()
        health = (await client.get("/healthz")).status_code
        health_s = time.monotonic() - t0
        t0 = time.monotonic()
        ready = (await client.get("/readyz")).status_code
        ready_s = time.monotonic() - t0
        t0 = time.monotonic()
        page = (await client.get("/api/v1/forums")).status_code
        page_s = time.monotonic() - t0
    statuses = Counter(status for status, _ in results)
    slowest = max(seconds for _, seconds in results)
    return {
        "statuses": dict(statuses),
        "slowest_s": slowest,
        "slowest_503_s": max((s for st, s in results if st == "503"), default=0.0),
        "wall_s": wall,
        "healthz": (health, health_s),
        "readyz": (ready, ready_s),
        "api_after": (page, page_s),
    }


def _run(label: str, url: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        port = _free_port()
        server = _serve(url, port, workdir)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(_wait_ready(base))
            figures = asyncio.run(_burst(base, count))
        finally:
            server.terminate()
            t0 = time.monotonic()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
            stop_s = time.monotonic() - t0
    statuses = figures["statuses"]
    assert isinstance(statuses, dict)
    print(
        f"{label}: {count} simultaneous GETs in {figures['wall_s']:.1f} s: "
        f"{statuses.get('200', 0)} × 200, {statuses.get('503', 0)} × 503, other "
        f"{ {k: v for k, v in statuses.items() if k not in ('200', '503')} }; "
        f"slowest answer {figures['slowest_s']:.2f} s "
        f"(slowest 503 {figures['slowest_503_s']:.2f} s)"
    )
    health, ready, after = figures["healthz"], figures["readyz"], figures["api_after"]
    print(
        f"{label}: right after: /healthz {health[0]} in {health[1] * 1000:.0f} ms, "  # type: ignore[index]
        f"/readyz {ready[0]} in {ready[1] * 1000:.0f} ms, "  # type: ignore[index]
        f"/api/v1/forums {after[0]} in {after[1] * 1000:.0f} ms; "  # type: ignore[index]
        f"SIGTERM to exit {stop_s:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--pg", default=DEFAULT_PG, help="a PostgreSQL server ('' to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _run("SQLite", f"sqlite:///{tmp}/burst.db", args.requests)
    if args.pg:
        name = f"th_burst_{uuid.uuid4().hex[:8]}"
        admin = create_engine(
            make_url(args.pg).set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            _run("PostgreSQL", url, args.requests)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
