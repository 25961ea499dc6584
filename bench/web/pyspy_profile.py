"""Where a page's time goes: py-spy samples the benchmark server while wrk loads one route.

    pip install py-spy
    python bench/web/pyspy_profile.py [/sessions/2 /forums ...] [--duration 10] [--svg DIR]
    python bench/web/pyspy_profile.py --db /tmp/c10k.db [--as staff] /sessions/2   # logged in

For each route: serve the benchmark app (as run.py does), keep it saturated with wrk, and sample
every thread of the server with ``py-spy record --format raw`` (collapsed stacks). Prints, per
route, the share of samples *inside* a list of known cost centres (inclusive time) and the
functions with the most samples of their own (self time). ``--svg DIR`` also writes a flame graph
per route. Also counts the SQL statements one request of each route runs (in-process).

``--db`` profiles the routes as a logged-in reader gets them instead: the server of
``loggedin.py`` on that generated database (``bench/contributions/generate.py``), logged in
through the login form as the participant or (``--as staff``) the demo administrator, wrk
sending that session's cookie. The SQL count is then left out (it needs the anonymous app).
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loggedin  # noqa: E402
from benchapp import FORUMS_PATH, SECRET_KEY, SESSION_PATH, TEMPLATE_PATH  # noqa: E402
from run import HOST, ROOT, find_wrk, free_port, server_command, stop, wait_ready  # noqa: E402

# (label, substring of a "function (file:line)" frame): inclusive share of samples.
COST_CENTRES: list[tuple[str, str]] = [
    ("uvicorn HTTP protocol (parse, write)", "uvicorn/protocols/http/"),
    ("logged-in copy served (web/fragment_hits.py)", "app/web/fragment_hits.py"),
    ("  reader's load (web/readers.py)", "app/web/readers.py"),
    ("  copy looked up and filled (web/fragments.py)", "app/web/fragments.py"),
    ("middleware: SecurityHeaders + Locale (app)", "app/web/middleware.py"),
    ("middleware: Starlette SessionMiddleware", "starlette/middleware/sessions.py"),
    ("FastAPI routing and request handling", "fastapi/routing.py"),
    ("  dependency solving", "solve_dependencies"),
    ("  thread-pool hop, loop side (run_sync)", "run_sync_in_worker_thread"),
    ("in a thread-pool worker (def route, def deps)", "WorkerThread.run"),
    ("  get_session dependency (app/db.py)", "get_session (app/db.py"),
    ("  optional_user dependency (app/deps.py)", "optional_user (app/deps.py"),
    ("  route function (app/routers)", "app/routers/"),
    ("    services (queries + ORM objects)", "app/services/"),
    ("      SQLAlchemy Session.execute/get", "Session._execute_internal (sqlalchemy"),
    ("      SQLAlchemy ORM row -> objects", "sqlalchemy/orm/loading.py"),
    ("      SQLModel object construction", "sqlmodel/main.py"),
    ("      SQLite driver (execute + fetch)", "do_execute"),
    ("    app.templating.render", "render (app/templating.py"),
    ("      Jinja2 Template.render", "Template.render (jinja2"),
    ("        template code (.html frames)", ".html:"),
    ("        Context.call (every template call)", "Context.call (jinja2"),
    ("        gettext _() (jinja2 newstyle)", "_gettext_alias (jinja2"),
    ("        Markup % (newstyle gettext, format)", "Markup.__mod__"),
    ("        Babel (dates, times, tz names)", "babel/"),
    ("        |dt |time filters incl. ZoneInfo", "_dt (app/templating.py"),
    ("        |loc |locparas |paras filters", "_locali"),
    ("Starlette responses (body, headers)", "starlette/responses.py"),
    ("pydantic", "pydantic"),
]


def collapse(raw: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def report(route: str, raw: str, top: int) -> None:
    stacks = collapse(raw)
    total = sum(n for _s, n in stacks) or 1
    # Idle threads (waiting in the pool or in epoll) are not work: leave them out.
    idle_markers = ("_worker (concurrent", "wait (threading.py", "poll (selectors.py")
    busy = [(s, n) for s, n in stacks if not any(m in s[-1] for m in idle_markers)]
    busy_total = sum(n for _s, n in busy) or 1
    print(f"\n== {route}: {total} samples, {busy_total} busy ==")
    print("inclusive share of busy samples:")
    for label, marker in COST_CENTRES:
        n = sum(c for s, c in busy if any(marker in frame for frame in s))
        print(f"  {label:<44}{100 * n / busy_total:6.1f} %")
    selfs: collections.Counter[str] = collections.Counter()
    for s, n in busy:
        selfs[s[-1]] += n
    print("self time, top functions:")
    for frame, n in selfs.most_common(top):
        print(f"  {100 * n / busy_total:5.1f} %  {frame[:110]}")


def count_queries(paths: list[str]) -> None:
    """SQL statements per request, in-process (TOWNHALL_* already point at the bench DB)."""
    from benchapp import create_bench_app
    from sqlalchemy import event
    from starlette.testclient import TestClient

    app = create_bench_app()
    statements: list[str] = []

    def on_execute(*args: object) -> None:
        statements.append(str(args[2]).split("\n")[0][:90])

    event.listen(app.state.engine, "before_cursor_execute", on_execute)
    client = TestClient(app, base_url=f"http://{HOST}")
    for path in paths:
        client.get(path)
        statements.clear()
        client.get(path)
        print(f"{path}: {len(statements)} SQL statements per request")
        for s in statements:
            print(f"    {s}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("routes", nargs="*", default=[SESSION_PATH, FORUMS_PATH, TEMPLATE_PATH])
    parser.add_argument("--duration", type=int, default=10, help="seconds sampled per route")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples/s")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--svg", type=Path, help="also write flame graphs and raw stacks here")
    parser.add_argument(
        "--all-threads",
        action="store_true",
        help="sample every running thread, not only the one holding the GIL (default: --gil)",
    )
    parser.add_argument("--db", type=Path, help="logged in, on this generated database")
    parser.add_argument("--as", dest="who", choices=("participant", "staff"), default="participant")
    args = parser.parse_args(argv)
    pyspy = shutil.which("py-spy")
    if not pyspy:
        raise SystemExit("py-spy is not installed: pip install py-spy")
    wrk = find_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="townhall-profile-"))
    os.environ.update(
        TOWNHALL_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        TOWNHALL_SECRET_KEY=SECRET_KEY,
        TOWNHALL_UPLOAD_DIR=str(tmp / "uploads"),
        PYTHONPATH=str(ROOT),
    )
    headers: dict[str, str] = {}
    if args.db:
        proc, port = loggedin.serve(args.db, tmp, 1)
        headers["Cookie"] = loggedin.login(
            port, *(loggedin.STAFF if args.who == "staff" else loggedin.PARTICIPANT)
        )
    else:
        port = free_port()
        proc = subprocess.Popen(server_command(port), cwd=ROOT)
    try:
        wait_ready(proc, f"http://{HOST}:{port}{TEMPLATE_PATH}")
        for route in args.routes:
            url = f"http://{HOST}:{port}{route}"
            status, _body = loggedin.get(port, route, headers)
            if status != 200:
                raise SystemExit(f"GET {route}: {status}")
            loggedin.wrk(wrk, url, headers, connections=4, seconds=2)
            load = threading.Thread(
                target=loggedin.wrk,
                args=(wrk, url, headers),
                kwargs={"connections": 32, "seconds": args.duration + (9 if args.svg else 3)},
            )
            load.start()
            out = tmp / "stacks.txt"
            cmd = [pyspy, "record", "--pid", str(proc.pid), "--duration", str(args.duration)]
            cmd += ["--rate", str(args.rate), "--format", "raw", "--nonblocking", "-o", str(out)]
            gil = [] if args.all_threads else ["--gil"]
            cmd += gil
            subprocess.run(cmd, check=True, capture_output=True, timeout=args.duration + 60)
            if args.svg:
                args.svg.mkdir(parents=True, exist_ok=True)
                svg = args.svg / (route.strip("/").replace("/", "_") + ".svg")
                svg_cmd = [*cmd[:4], "--duration", "5", "--rate", str(args.rate), "--nonblocking"]
                subprocess.run(
                    [*svg_cmd, *gil, "-o", str(svg)],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )
            load.join()
            if args.svg:
                shutil.copy(out, svg.with_suffix(".txt"))
            report(route, out.read_text(), args.top)
    finally:
        stop(proc)
    try:
        if not args.db:
            count_queries([r for r in args.routes if not r.startswith("/_bench")])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
