"""Load benchmark of a big policy document, as a logged-in editor (a report, not a test).

    python bench/policy/run.py [--quick] [--data DIR] [--duration 10] [--connections 32]

Generates the database (``generate.py``: 60 sections, 2,000 revisions, 200 amendments, 1,000
comments; ``part2.py``: 10,000 contributions, 5,000 source links, caucus sign-off, snapshots 1
and 2), serves the real app under uvicorn (one worker, uvloop/httptools when installed) with
the framework and template ceilings of ``bench/web/benchapp.py`` mounted in front, logs in as the
drafting team's editor through ``POST /login`` and loads, with that session cookie: the document
page, the section editor, the diff between revision 2 and the last one, and the blame of the
section with the most revisions; the listening report (page, CSV, JSON API), the stage diff
from snapshot 1 to 2 and snapshot 2's page; then the two ceilings. Each route is checked first
(200, and for part 2 the figures, changes and endnotes the data holds). Per route: one request
at a time (median of 3), ``wrk`` at saturation (req/s, p50/p99, server CPU ms per request from
/proc; longer runs for slow routes), then an open-loop generator at half of that route's req/s
(p50/p99 from each request's scheduled send time). Prints the table and the ratios to the
template ceiling; writes ``bench/results/policy-<timestamp>.md`` and ``.json``.
See bench/policy/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
STATIC = "framework ceiling"
TEMPLATE = "template ceiling"
for _p in (str(HERE), str(ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)


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


async def _read_response(reader: Any) -> int:
    """loadgen's reader, which takes Content-Length bodies only, taught chunked ones too: the
    listening report's CSV is a StreamingResponse (Transfer-Encoding: chunked). Put in
    bench/web/loadgen.py's place for this process only (bench/policy keeps to its folder)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip().lower()
    if b"content-length" in fields:
        length = int(fields[b"content-length"])
        if length:
            await reader.readexactly(length)
        return status
    if fields.get(b"transfer-encoding") != b"chunked":
        raise ValueError("response without Content-Length or chunked body")
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)  # the chunk and its CRLF
        if size == 0:
            return status


# What the open loop got besides 2xx/3xx, per route: status codes and exceptions, by name.
_ANSWERS: Counter[str] = Counter()


async def _counted(reader: Any) -> int:
    try:
        status = await _read_response(reader)
    except Exception as exc:
        _ANSWERS[type(exc).__name__] += 1
        raise
    if not 200 <= status < 400:
        _ANSWERS[str(status)] += 1
    return status


sys.modules["loadgen"]._read_response = _counted

import generate  # noqa: E402

# -- data -------------------------------------------------------------------------------------


def prepare(data: Path, seed: int) -> tuple[Path, dict[str, Any]]:
    """The database in ``data``, generated unless one of the same seed is there."""
    db = data / "policy.db"
    marker = data / "policy.json"
    if db.exists() and marker.exists():
        info = json.loads(marker.read_text())
        if info.get("seed") == seed:
            print(f"data: reusing {db} (generated in {info['timings']['total_s']:.0f} s)")
            return db, info
    print(f"data: generating {db} (about two minutes) ...", flush=True)
    info = generate.generate(db, seed=seed)
    marker.write_text(json.dumps(info, indent=2))
    print(
        f"data: {info['sections']} sections, {info['revisions']:,} revisions (at most "
        f"{info['revisions_per_section']['max']} in one section), {info['amendments']} "
        f"amendments ({info['amendments_outdated']} outdated), {info['comments']:,} comments, "
        f"{info['size_mb']:.0f} MB, in {info['timings']['total_s']:.0f} s",
        flush=True,
    )
    print(
        "data: timings " + ", ".join(f"{k} {v:.1f}" for k, v in info["timings"].items()),
        flush=True,
    )
    return db, info


def routes_for(db: Path, info: dict[str, Any]) -> dict[str, str]:
    section = info["hottest_section_id"]
    document = info["document_id"]
    older, newer = info["diff_from"], info["diff_to"]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        last = raw.execute(
            "SELECT max(number) FROM policy_section_revision WHERE section_id = ?", (section,)
        ).fetchone()[0]
    return {
        "document page": f"/documents/{document}",
        "section editor": f"/sections/{section}/edit",
        f"diff 2→{last}": f"/sections/{section}/diff?from=2&to={last}",
        "blame": f"/sections/{section}/blame",
        "listening report": f"/documents/{document}/listening-report",
        "listening report CSV": f"/documents/{document}/listening-report.csv",
        "listening report JSON": f"/api/v1/documents/{document}/listening-report",
        f"stage diff {older}→{newer}": f"/documents/{document}/v/{newer}/diff",
        "snapshot page": f"/documents/{document}/v/{newer}",
        TEMPLATE: "/_bench/template",
        STATIC: "/_bench/static",
    }


# -- what each route must answer --------------------------------------------------------------

RANK = {"incorporated": 0, "partly_incorporated": 1, "merged": 2, "not_taken_up": 3}
OUTCOMES = (*RANK, "not_considered")


def expected_report(db: Path, info: dict[str, Any]) -> dict[str, int]:
    """The working text's listening report totals, computed here from the tables (not by the
    app's code): the forum's published contributions, each by the best outcome of its links."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        published = [
            cid
            for (cid,) in raw.execute(
                "SELECT c.id FROM contribution c JOIN policy_document d ON d.forum_id = c.forum_id"
                " WHERE d.id = ? AND c.status = 'published'",
                (info["document_id"],),
            )
        ]
        best: dict[int, int] = {}
        for cid, outcome in raw.execute(
            "SELECT target_id, outcome FROM policy_paragraph_source"
            " WHERE document_id = ? AND target_kind = 'contribution'",
            (info["document_id"],),
        ):
            best[cid] = min(best.get(cid, 4), RANK[outcome])
    counts = dict.fromkeys(OUTCOMES, 0)
    for cid in published:
        counts[OUTCOMES[best.get(cid, 4)]] += 1
    return {"total": len(published), **counts}


def _number(n: int) -> re.Pattern[str]:
    """n as a page prints it, whatever the locale's group separator (10,012 10.012 10 012)."""
    digits = f"{n:,}".split(",")
    return re.compile(r"[\s,.\u00a0\u202f]?".join(digits).join((r"(?<![\d.,])", r"(?![\d])")))


def checks_for(db: Path, info: dict[str, Any]) -> dict[str, Any]:
    """label -> a function of the body that names what is wrong with it (None: as expected)."""
    report = expected_report(db, info)
    newer = info["diff_to"]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as raw:
        notes = raw.execute(
            "SELECT count(*) FROM policy_snapshot_source s JOIN policy_snapshot n"
            " ON n.id = s.snapshot_id WHERE n.document_id = ? AND n.number = ?",
            (info["document_id"], newer),
        ).fetchone()[0]

    def json_report(body: bytes) -> str | None:
        data = json.loads(body)
        got = {"total": data["total"], **data["outcomes"]}
        if got != report:
            return f"figures {got}, counted from the tables {report}"
        if len(data["breakdowns"]) != 5:
            return f"{len(data['breakdowns'])} breakdowns, not 5"
        return None

    def csv_report(body: bytes) -> str | None:
        lines = body.decode("utf-8-sig").splitlines()
        head = lines[0].split(",") if lines else []
        total = lines[1].split(",") if len(lines) > 1 else []
        if head[:4] != ["breakdown", "group", "label", "total"] or total[:1] != ["total"]:
            return f"unexpected CSV: {lines[:2]}"
        got = dict(zip(head[3:], (int(x) for x in total[3:]), strict=True))
        if got != report:
            return f"total row {got}, counted from the tables {report}"
        return None

    def page_report(body: bytes) -> str | None:
        html = body.decode()
        missing = [k for k in ("total", *OUTCOMES) if not _number(report[k]).search(html)]
        if missing or 'id="listening-outcomes-title"' not in html:
            return f"the page lacks the figures of {missing} or its outcomes chart"
        return None

    def stage_diff(body: bytes) -> str | None:
        html = body.decode()
        changed = html.count('class="diff-paragraph diff-')
        if not changed or ("<ins>" not in html and "<del>" not in html):
            return "no changed paragraph between the two snapshots"
        return None

    def snapshot_page(body: bytes) -> str | None:
        shown = body.decode().count('<li id="note-')
        if shown != notes:
            return f"{shown} endnotes, the snapshot froze {notes} sources"
        return None

    older = info["diff_from"]
    return {
        "listening report": page_report,
        "listening report CSV": csv_report,
        "listening report JSON": json_report,
        f"stage diff {older}→{newer}": stage_diff,
        "snapshot page": snapshot_page,
    }


# -- the server and the session ---------------------------------------------------------------


def server_command(port: int) -> list[str]:
    cmd = [sys.executable, "-m", "uvicorn", "benchapp:create_bench_app", "--factory"]
    cmd += ["--app-dir", str(ROOT / "bench" / "web"), "--host", HOST, "--port", str(port)]
    cmd += ["--workers", "1", "--no-access-log", "--log-level", "warning"]
    if web._importable("uvloop"):
        cmd += ["--loop", "uvloop"]
    if web._importable("httptools"):
        cmd += ["--http", "httptools"]
    return cmd


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def login(port: int, email: str, password: str) -> str:
    """Logs in through the login form (CSRF token and all); the Cookie header to send."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    jar = _cookies(page)
    found = re.search(r'name="csrf_token"\s+value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"\s+name="csrf_token"', html
    )
    if page.status != 200 or not found:
        raise SystemExit(f"GET /login: {page.status}, no CSRF token in the form")
    form = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": found[1], "next": "/"}
    )
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    conn.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    answer = conn.getresponse()
    answer.read()
    jar |= _cookies(answer)
    conn.close()
    if answer.status != 303 or "th_session" not in jar:
        raise SystemExit(f"POST /login answered {answer.status}: the editor could not log in")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def check_routes(
    port: int, routes: dict[str, str], cookie: str, editor: str, checks: dict[str, Any]
) -> dict[str, int]:
    """Every route answers 200 to the editor; the real pages show them logged in (the CSV and
    the JSON carry no name); the part 2 routes answer what `checks` expects."""
    sizes = {}
    for label, path in routes.items():
        status, body = get(port, path, cookie)
        if status != 200:
            raise SystemExit(f"{label} ({path}) answered {status} to the editor, not 200")
        page = not path.startswith(("/_bench/", "/api/")) and not path.endswith(".csv")
        if page and editor.encode() not in body:
            raise SystemExit(f"{label} ({path}) does not show {editor!r}: not logged in?")
        problem = checks[label](body) if label in checks else None
        if problem:
            raise SystemExit(f"{label} ({path}): {problem}")
        sizes[label] = len(body)
    return sizes


# -- measuring --------------------------------------------------------------------------------


def run_wrk(
    wrk: str, url: str, cookie: str, *, threads: int, connections: int, duration: float
) -> str:
    """wrk with the session cookie and a 30 s request timeout (its 2 s default would drop a
    slow route's requests)."""
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--timeout", "30s"]
    cmd += ["-H", f"Cookie: {cookie}", "--latency", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 90, check=True)
    return done.stdout


def drain(pid: int, timeout_s: float = 120.0) -> None:
    """Waits until the server is idle (under 10 % of a CPU over 0.5 s), so that requests a
    generator gave up on are not billed to the next route."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        cpu = web.cpu_seconds(pid)
        time.sleep(0.5)
        if web.cpu_seconds(pid) - cpu < 0.05:
            return


ROUNDS = 3  # a slow route's wrk run lasts long enough for each connection to finish this many


@dataclass
class Measure:
    label: str
    path: str
    bytes: int
    serial_ms: float = float("nan")  # one request at a time, median of SERIAL
    serial_cpu_ms: float = float("nan")
    wrk_s: float = float("nan")
    rps: float = float("nan")
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    cpu_ms: float = float("nan")
    errors: int = 0
    half: dict[str, Any] = field(default_factory=dict)


SERIAL = 3


def serial(pid: int, port: int, path: str, cookie: str) -> tuple[float, float]:
    """(wall ms, server CPU ms) of one request with nothing else in flight, median of SERIAL."""
    walls, cpus = [], []
    for _ in range(SERIAL):
        cpu, start = web.cpu_seconds(pid), time.perf_counter()
        status, _body = get(port, path, cookie)
        walls.append((time.perf_counter() - start) * 1e3)
        cpus.append((web.cpu_seconds(pid) - cpu) * 1e3)
        if status != 200:
            raise SystemExit(f"{path} answered {status} while measuring")
    return sorted(walls)[SERIAL // 2], sorted(cpus)[SERIAL // 2]


def wrk_seconds(m: Measure, args: argparse.Namespace) -> float:
    """--duration, or longer for a slow route: with N connections in flight one worker shares
    its CPU between N requests, so a route of c ms needs about N × c ms before any request
    ends; the run lasts ROUNDS times that (at most --max-duration), so that wrk counts
    finished requests rather than the ones cut off at the end."""
    need = ROUNDS * args.connections * max(m.serial_cpu_ms, 0.0) / 1e3
    return max(args.duration, min(args.max_duration, math.ceil(need)))


def measure(
    pid: int,
    port: int,
    routes: dict[str, str],
    sizes: dict[str, int],
    cookie: str,
    args: argparse.Namespace,
    wrk: str,
) -> dict[str, Measure]:
    base = f"http://{HOST}:{port}"
    for path in routes.values():  # warm-up: templates compiled, pool and caches filled
        run_wrk(wrk, base + path, cookie, threads=1, connections=4, duration=args.warmup)
        drain(pid)
    out = {label: Measure(label, path, sizes[label]) for label, path in routes.items()}
    for label, path in routes.items():
        m = out[label]
        m.serial_ms, m.serial_cpu_ms = serial(pid, port, path, cookie)
        m.wrk_s = wrk_seconds(m, args)
    for label, path in routes.items():
        m = out[label]
        print(f"  wrk -t{args.threads} -c{args.connections} -d{m.wrk_s:g}s {label} ...", flush=True)
        drain(pid)
        cpu = web.cpu_seconds(pid)
        result = web.parse_wrk(
            run_wrk(
                wrk,
                base + path,
                cookie,
                threads=args.threads,
                connections=args.connections,
                duration=m.wrk_s,
            )
        )
        m.rps, m.p50_ms, m.p99_ms = result.requests_per_s, result.p50_ms, result.p99_ms
        m.cpu_ms = (web.cpu_seconds(pid) - cpu) * 1e3 / max(1, result.requests)
        m.errors = result.non_2xx + result.socket_errors
    for label, path in routes.items():
        m = out[label]
        rate = max(0.2, m.rps / 2)
        print(f"  open loop {rate:,.1f} req/s {m.wrk_s:g}s {label} ...", flush=True)
        drain(pid)
        _ANSWERS.clear()
        half = web.open_loop(
            HOST,
            port,
            path,
            rate=rate,
            duration_s=m.wrk_s,
            connections=args.connections,
            headers={"Cookie": cookie},
        )
        m.half = half.summary() | {"error_kinds": dict(_ANSWERS)}
    return out


# -- report -----------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def table(results: dict[str, Measure]) -> str:
    template = results[TEMPLATE]
    headers = ["route", "bytes", "1 req ms (CPU)", "wrk s", "req/s", "p50/p99 ms", "CPU ms/req"]
    headers += ["@½ req/s", "p50/p99@½ ms", "req/s ÷tmpl", "p99@½ ÷tmpl", "errors"]
    rows = []
    for r in results.values():
        half = r.half
        rows.append(
            [
                r.label,
                f"{r.bytes:,}",
                f"{_f(r.serial_ms)} ({_f(r.serial_cpu_ms, 0)})",
                f"{r.wrk_s:g}",
                _f(r.rps, 1 if r.rps < 10 else 0),
                f"{_f(r.p50_ms)}/{_f(r.p99_ms)}",
                _f(r.cpu_ms, 2),
                _f(half.get("achieved_rate"), 1 if half.get("achieved_rate", 0) < 10 else 0),
                f"{_f(half.get('p50_ms'))}/{_f(half.get('p99_ms'))}",
                _f(r.rps / template.rps, 3),
                _f(half.get("p99_ms", math.nan) / template.half.get("p99_ms", math.nan), 1),
                str(r.errors + half.get("errors", 0) + half.get("unfinished", 0)),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    return "\n".join([line, sep, *body])


def ratios(results: dict[str, Measure]) -> dict[str, dict[str, float]]:
    template, static = results[TEMPLATE], results[STATIC]
    return {
        label: {
            "rps_vs_template": r.rps / template.rps,
            "rps_vs_framework": r.rps / static.rps,
            "p99_half_vs_template": r.half.get("p99_ms", math.nan)
            / template.half.get("p99_ms", math.nan),
            "cpu_per_request_template_vs_route": template.cpu_ms / r.cpu_ms,
        }
        for label, r in results.items()
        if label not in (TEMPLATE, STATIC)
    }


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return done.stdout.strip()
    except OSError:
        return "?"


def _unpublished(info: dict[str, Any]) -> int:
    return sum(
        n for k, n in info["contributions"].items() if k in ("pending", "hidden", "rejected")
    )


def _frozen(info: dict[str, Any], number: int) -> int:
    return int(info["snapshots"][str(number)]["sources"])


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1 s warm-up")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--data", type=Path, help="keep/reuse the generated database here")
    parser.add_argument(
        "--ceiling-bytes", type=int, help="size of the ceilings (default: the section editor's)"
    )
    parser.add_argument(
        "--max-duration",
        type=float,
        help="longest wrk run of a slow route, seconds (60; --quick 15)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration = 3.0
    if args.max_duration is None:
        args.max_duration = 15.0 if args.quick else 60.0
    args.warmup = 1.0 if args.quick else 2.0
    wrk = web.find_wrk()

    tmp = Path(tempfile.mkdtemp(prefix="townhall-policy-bench-"))
    data = args.data or tmp
    data.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y%m%d-%H%M%S")
    created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    loads = [web.load_average()]
    try:
        db, info = prepare(data, args.seed)
        routes = routes_for(db, info)
        checks = checks_for(db, info)
        env = os.environ | {
            "TOWNHALL_DATABASE_URL": f"sqlite:///{db}",
            "TOWNHALL_SECRET_KEY": web.SECRET_KEY,
            "TOWNHALL_UPLOAD_DIR": str(tmp / "uploads"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        target = args.ceiling_bytes
        for attempt in ("size", "measure"):
            # The ceilings are sized to the section editor as the editor sees it (a page of
            # ordinary size, like bench/web's session page; the document page is ~50 times
            # bigger): a first server measures it, the second serves ceilings of that size.
            if attempt == "size" and target:
                continue
            port = web.free_port()
            cmd = server_command(port)
            proc = subprocess.Popen(
                cmd, cwd=ROOT, env=env | {"BENCH_TARGET_BYTES": str(target or 1000)}
            )
            try:
                web.wait_ready(proc, f"http://{HOST}:{port}/_bench/static")
                cookie = login(port, generate.EDITOR_EMAIL, generate.PASSWORD)
                sizes = check_routes(port, routes, cookie, "Bench editor", checks)
                if attempt == "size":
                    target = sizes["section editor"]
                    continue
                print(f"server: {' '.join(cmd[1:])}", flush=True)
                print("sizes:  " + ", ".join(f"{k} {v:,} B" for k, v in sizes.items()))
                results = measure(proc.pid, port, routes, sizes, cookie, args, wrk)
            finally:
                web.stop(proc)
        loads.append(web.load_average())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the data too, unless --data named a folder

    cpus = os.cpu_count() or 1
    summary = ratios(results)
    shown = {k: v for k, v in info.items() if k not in ("section_ids", "path")}
    lines = [
        f"# Policy document benchmark {created} (app at commit {_commit()})",
        "",
        f"Data: one document, {info['sections']} sections, {info['revisions']:,} revisions "
        f"(per section {info['revisions_per_section']['min']}–"
        f"{info['revisions_per_section']['max']}, median "
        f"{info['revisions_per_section']['median']}), {info['amendments']} amendments "
        f"({info['amendments_outdated']} outdated), {info['comments']:,} comments in "
        f"{info['threads']} threads; generated through the services in "
        f"{info['timings']['total_s']:.0f} s. Editor, diff and blame: the section with the most "
        f"revisions ({info['revisions_per_section']['max']}, "
        f"{info['hottest_section_paragraphs']} paragraphs).",
        "",
        f"Part 2: {info['contributions_published']:,} published contributions in the "
        f"document's forum (and {_unpublished(info):,} not published; bulk-inserted), "
        f"{info['source_links']:,} paragraph source links through sources.link "
        f"({info['contributions_linked']:,} contributions linked, "
        f"{info['contributions_feeding_several_paragraphs']:,} of them feeding several "
        f"paragraphs; up to {info['max_sources_per_paragraph']} sources on one paragraph), "
        f"{sum(info['reviews'].values())} caucus reviews, drafting → caucus review "
        f"(snapshot {info['diff_from']}, {_frozen(info, info['diff_from']):,} sources) → "
        f"Policy Council (snapshot {info['diff_to']}, {_frozen(info, info['diff_to']):,} "
        f"sources) with {len(info['sections_revised_in_caucus_review'])} sections revised "
        f"between; part 2 generated in {info['timings']['part2_s']:.0f} s. Listening report: "
        "the working text's, as the editor reads it.",
        "",
        f"Setup: one uvicorn worker (uvloop/httptools), logged in as a drafting-team editor "
        f"(session cookie on every request, ceilings included); wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration:g}s per route (longer for a slow route: "
        f"{ROUNDS} × {args.connections} × its one-request CPU time, at most "
        f"{args.max_duration:g} s; column `wrk s`); @½: open loop at half that route's req/s "
        "for as long, latency from the scheduled send time; `1 req ms (CPU)`: one request at "
        f"a time, median of {SERIAL}, wall and server CPU ms; "
        f"ceilings of {target:,} B (the section editor's size); CPU ms/req = server CPU time / "
        "requests.",
        "",
        f"Machine: {cpus} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        "1-min load average " + " → ".join(f"{x:.1f}" for x in loads) + ".",
        "",
        table(results),
    ]
    for r in results.values():
        kinds = r.half.get("error_kinds") or {}
        if r.errors or kinds or r.half.get("unfinished"):
            lines += [
                "",
                f"Errors, {r.label}: wrk {r.errors} (non-2xx or socket errors); open loop "
                + (", ".join(f"{n} × {k}" for k, n in kinds.items()) or "none")
                + f", {r.half.get('unfinished', 0)} unfinished.",
            ]
    if max(loads) > cpus:
        lines += [
            "",
            f"Note: the load average exceeded the {cpus} CPUs: other work shared the machine, so"
            " req/s and latencies are depressed and noisy; CPU ms/req is the steadier measure.",
        ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    md = RESULTS / f"policy-{started}.md"
    md.write_text(text)
    document = {
        "created": created,
        "commit": _commit(),
        "data": shown,
        "machine": {"cpus": cpus, "platform": platform.platform(), "load_average_1min": loads},
        "versions": web._versions(),
        "server": server_command(0)[1:],
        "config": {
            "duration_s": args.duration,
            "max_duration_s": args.max_duration,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "ceiling_bytes": target,
        },
        "routes": {k: asdict(v) for k, v in results.items()},
        "ratios": summary,
    }
    md.with_suffix(".json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"written: {md} (and .json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
