"""Concurrency correctness: idempotent submissions and endorsements under 200 concurrent requests.

Run by ``run.py`` against its own uvicorn server on a copy of the 1,000-row database, with

* ``TOWNHALL_TRUST_FORWARDED_FOR=true`` and a distinct ``X-Forwarded-For`` per account, so that
  the per-IP limits (``SUBMIT_LIMIT_IP`` = 30/hour, ``ENDORSE_LIMIT_IP`` = 600/hour) count each
  simulated person separately, as they would behind a proxy, and do not mask the results; the
  per-account limits stay as they are (``SUBMIT_LIMIT_ACCOUNT`` = 10/hour: 25 accounts × 8
  submissions keep under it). Constants cannot be patched in another process, and none is;
* ``TOWNHALL_ARGON2_*`` set to the cheap parameters ``generate.py`` hashed the bench accounts
  with, so that logging 50 accounts in takes seconds and the server does not rehash.

Every account logs in through the API as a browser would: ``GET /api/v1/auth/csrf``,
``POST /api/v1/auth/login`` with the token, then a fresh token (the login starts a new session).

Submissions: 200 ``POST /api/v1/contributions`` (25 accounts × 8, all launched at once), each
with an ``Idempotency-Key`` and sent twice: ``lost`` — the answer arrives and the client retries
anyway (a lost response); ``race`` — the retry is sent while the first is still in flight (a
double submit); ``abandoned`` — the client gives up on the first attempt after a few
milliseconds (a timeout) and retries. Checked: no 5xx; every acknowledged key (2xx) is in the
table exactly once, and so is its unique title; both answers of a key name the same id; no
stored row lacks an acknowledgement.

Endorsements: one published contribution nobody endorsed yet; 50 accounts × 4 concurrent
``PUT .../endorsement`` (double clicks) = 200 requests; then 20 accounts send DELETE, DELETE,
PUT at once and 10 send DELETE twice (order undefined). Checked after each phase: no 5xx,
``endorsement_count`` = rows in ``endorsement`` = distinct endorsers (50 after phase 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import generate  # noqa: E402

SUBMITTERS = 25
PER_SUBMITTER = 8
ENDORSERS = 50
CLICKS = 4
ARGON2_ENV = {
    "TOWNHALL_ARGON2_TIME_COST": "1",
    "TOWNHALL_ARGON2_MEMORY_KIB": "8192",
    "TOWNHALL_ARGON2_PARALLELISM": "1",
}


def _ip(i: int) -> str:
    return f"198.51.100.{i + 1}"


async def login(base: str, i: int) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        base_url=base,
        headers={"X-Forwarded-For": _ip(i)},
        timeout=180,
        limits=httpx.Limits(max_connections=20),
    )
    token = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": generate.USER_EMAIL.format(i=i), "password": generate.PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    response.raise_for_status()
    token = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return client


def _payload(tag: str, k: int, forum_id: int, theme_id: int) -> dict[str, Any]:
    return {
        "forum_id": forum_id,
        "title": f"Bench {tag} proposta {k}: cuidados comunitários",
        "body": "A prefeitura deveria garantir os cuidados comunitários em todos os bairros. "
        f"(submission {k})",
        "language": "pt",
        "theme_ids": [theme_id],
    }


# How many requests may be in flight at once: None for all of them (the burst the issue asks
# for); a number below the server's worker threads (8) for the "bounded" variant.
_LIMIT: asyncio.Semaphore | None = None


@contextlib.asynccontextmanager
async def _slot() -> Any:
    if _LIMIT is None:
        yield
    else:
        async with _LIMIT:
            yield


async def _post(client: httpx.AsyncClient, body: dict[str, Any], key: str) -> dict[str, Any]:
    try:
        async with _slot():
            r = await client.post(
                "/api/v1/contributions", json=body, headers={"Idempotency-Key": key}
            )
    except httpx.HTTPError as exc:
        return {"status": None, "error": repr(exc)}
    out: dict[str, Any] = {"status": r.status_code}
    if r.is_success:
        out["id"] = r.json()["id"]
    else:
        out["error"] = r.text[:300]
    return out


async def submit_one(
    client: httpx.AsyncClient, body: dict[str, Any], mode: str, key: str
) -> dict[str, Any]:
    if mode == "race":
        first, retry = await asyncio.gather(_post(client, body, key), _post(client, body, key))
    elif mode == "abandoned":
        try:
            first = await asyncio.wait_for(_post(client, body, key), timeout=0.005)
        except TimeoutError:
            first = {"status": "abandoned"}
        retry = await _post(client, body, key)
    else:  # lost: the answer came, the client did not see it and sends the same again
        first = await _post(client, body, key)
        retry = await _post(client, body, key)
    return {"key": key, "title": body["title"], "mode": mode, "first": first, "retry": retry}


def _db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


async def check_submissions(
    base: str, db: Path, clients: list[httpx.AsyncClient], forum_id: int, theme_id: int
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    modes = ("lost", "race", "abandoned", "lost")
    jobs = []
    k = 0
    for client in clients[:SUBMITTERS]:
        for _ in range(PER_SUBMITTER):
            body = _payload(tag, k, forum_id, theme_id)
            jobs.append(submit_one(client, body, modes[k % len(modes)], uuid.uuid4().hex))
            k += 1
    t = time.perf_counter()
    outcomes = await asyncio.gather(*jobs)
    elapsed = time.perf_counter() - t

    statuses: Counter[str] = Counter()
    for o in outcomes:
        for attempt in ("first", "retry"):
            statuses[f"{o['mode']} {attempt} {o[attempt]['status']}"] += 1
    server_errors = [
        o for o in outcomes for a in ("first", "retry") if str(o[a]["status"]).startswith("5")
    ]
    problems: list[str] = []
    with contextlib.closing(_db(db)) as raw:
        by_key = dict(
            raw.execute(
                "SELECT idempotency_key, count(*) FROM contribution WHERE title LIKE ? "
                "GROUP BY idempotency_key",
                (f"Bench {tag} %",),
            ).fetchall()
        )
        by_title = dict(
            raw.execute(
                "SELECT title, count(*) FROM contribution WHERE title LIKE ? GROUP BY title",
                (f"Bench {tag} %",),
            ).fetchall()
        )
        stored_ids = dict(
            raw.execute(
                "SELECT idempotency_key, id FROM contribution WHERE title LIKE ?",
                (f"Bench {tag} %",),
            )
        )
    # The header's key is stored as it is or, since a later change of the router, as its SHA-256.
    for o in outcomes:
        hashed = hashlib.sha256(o["key"].encode()).hexdigest()
        if o["key"] not in by_key and hashed in by_key:
            by_key[o["key"]] = by_key.pop(hashed)
            stored_ids[o["key"]] = stored_ids.pop(hashed)
    acknowledged = 0
    for o in outcomes:
        ids = {a["id"] for a in (o["first"], o["retry"]) if "id" in a}
        if not ids:
            if by_key.get(o["key"]):
                problems.append(f"{o['key']} ({o['mode']}): stored but never acknowledged")
            continue
        acknowledged += 1
        if len(ids) > 1:
            problems.append(f"{o['key']} ({o['mode']}): two ids {sorted(ids)}")
        if by_key.get(o["key"]) != 1 or by_title.get(o["title"]) != 1:
            problems.append(
                f"{o['key']} ({o['mode']}): {by_key.get(o['key'], 0)} rows by key, "
                f"{by_title.get(o['title'], 0)} by title"
            )
        if stored_ids.get(o["key"]) not in ids:
            problems.append(f"{o['key']} ({o['mode']}): stored id differs from acknowledged")
    replays_ok = sum(
        1
        for o in outcomes
        if o["mode"] != "abandoned" and {o["first"]["status"], o["retry"]["status"]} == {200, 201}
    )
    return {
        "requests": 2 * len(outcomes),
        "submissions": len(outcomes),
        "accounts": SUBMITTERS,
        "seconds": elapsed,
        "acknowledged": acknowledged,
        "rows_stored": sum(by_key.values()),
        "one_201_one_200": replays_ok,
        "statuses": dict(sorted(statuses.items())),
        "server_errors": len(server_errors),
        "problems": problems[:20],
        "ok": not problems and not server_errors and acknowledged == len(outcomes),
    }


def _endorsement_state(db: Path, cid: int) -> tuple[int, int, int]:
    with contextlib.closing(_db(db)) as raw:
        count = raw.execute("SELECT endorsement_count FROM contribution WHERE id = ?", (cid,))
        rows = raw.execute(
            "SELECT count(*), count(DISTINCT user_id) FROM endorsement WHERE contribution_id = ?",
            (cid,),
        ).fetchone()
        return int(count.fetchone()[0]), int(rows[0]), int(rows[1])


async def _put_or_delete(client: httpx.AsyncClient, cid: int, method: str) -> int | None:
    try:
        async with _slot():
            r = await client.request(method, f"/api/v1/contributions/{cid}/endorsement")
    except httpx.HTTPError:
        return None
    return r.status_code


async def check_endorsements(
    db: Path, clients: list[httpx.AsyncClient], cid: int
) -> dict[str, Any]:
    before = _endorsement_state(db, cid)
    t = time.perf_counter()
    jobs = [_put_or_delete(c, cid, "PUT") for c in clients[:ENDORSERS] for _ in range(CLICKS)]
    phase1 = Counter(await asyncio.gather(*jobs))
    elapsed = time.perf_counter() - t
    after1 = _endorsement_state(db, cid)
    jobs = []
    for c in clients[:20]:
        jobs += [_put_or_delete(c, cid, m) for m in ("DELETE", "DELETE", "PUT")]
    for c in clients[20:30]:
        jobs += [_put_or_delete(c, cid, "DELETE") for _ in range(2)]
    phase2 = Counter(await asyncio.gather(*jobs))
    after2 = _endorsement_state(db, cid)
    ok1 = after1 == (ENDORSERS, ENDORSERS, ENDORSERS) and set(phase1) == {200}
    ok2 = after2[0] == after2[1] == after2[2] and set(phase2) == {200}
    return {
        "contribution_id": cid,
        "before": before,
        "phase1": {
            "requests": len(clients[:ENDORSERS]) * CLICKS,
            "seconds": elapsed,
            "statuses": {str(k): v for k, v in phase1.items()},
            "count_rows_distinct": after1,
            "expected": ENDORSERS,
            "ok": ok1,
        },
        "phase2": {
            "requests": sum(phase2.values()),
            "statuses": {str(k): v for k, v in phase2.items()},
            "count_rows_distinct": after2,
            "ok": ok2,
        },
        "ok": ok1 and ok2,
    }


async def _checks(base: str, db: Path, in_flight: int | None) -> dict[str, Any]:
    global _LIMIT
    _LIMIT = asyncio.Semaphore(in_flight) if in_flight else None
    with contextlib.closing(_db(db)) as raw:
        forum_id, theme_id = raw.execute(
            "SELECT forum_id, min(id) FROM theme GROUP BY forum_id ORDER BY forum_id LIMIT 1"
        ).fetchone()
        cid = raw.execute(
            "SELECT id FROM contribution WHERE status = 'published' AND endorsement_count = 0 "
            "AND NOT EXISTS (SELECT 1 FROM endorsement e WHERE e.contribution_id = contribution.id)"
            " AND title NOT LIKE 'Bench %' ORDER BY id DESC LIMIT 1 OFFSET ?",
            (1 if in_flight else 0,),
        ).fetchone()[0]
    t = time.perf_counter()
    semaphore = asyncio.Semaphore(8)

    async def limited(i: int) -> httpx.AsyncClient:
        async with semaphore:
            return await login(base, i)

    first = ENDORSERS if in_flight else 0  # other accounts (and IPs) for the second variant
    clients = list(await asyncio.gather(*(limited(first + i) for i in range(ENDORSERS))))
    login_s = time.perf_counter() - t
    try:
        submissions = await check_submissions(base, db, clients, forum_id, theme_id)
        endorsements = await check_endorsements(db, clients, cid)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return {
        "in_flight": in_flight or "all",
        "logins": {"accounts": len(clients), "seconds": login_s},
        "submissions": submissions,
        "endorsements": endorsements,
    }


def run_checks(
    db: Path,
    tmp: Path,
    *,
    server_factory: Callable[..., Any],
    env_factory: Callable[..., dict[str, str]],
    in_flight: int | None = None,
) -> dict[str, Any]:
    """Starts a server on ``db`` (TRUST_FORWARDED_FOR on, cheap argon2) and runs both checks,
    with all requests launched at once (``in_flight`` None) or at most ``in_flight`` at a time.
    Each variant logs in afresh; the per-account submission limit (10/hour) allows one run of
    8 per account only, so the bounded variant uses accounts 50-99."""
    env = env_factory(db, tmp, TOWNHALL_TRUST_FORWARDED_FOR="true", **ARGON2_ENV)
    with server_factory(env) as server:
        report = asyncio.run(_checks(server.base, db, in_flight))
    report["server"] = "one uvicorn worker, TOWNHALL_TRUST_FORWARDED_FOR=true, cheap argon2"
    return report


def format_report(report: dict[str, Any]) -> str:
    s, e = report["submissions"], report["endorsements"]
    p1, p2 = e["phase1"], e["phase2"]
    logins = report["logins"]
    lines = [
        f"Concurrency checks, {report['in_flight']} requests in flight at once "
        "(a copy of the 1k database, one uvicorn worker; "
        f"{logins['accounts']} accounts logged in in {logins['seconds']:.1f} s):",
        "",
        f"- submissions: {s['submissions']} keys × 2 attempts = {s['requests']} POSTs from "
        f"{s['accounts']} accounts in {s['seconds']:.1f} s; acknowledged {s['acknowledged']}, "
        f"rows stored {s['rows_stored']}, first/retry answered 201/200 for "
        f"{s['one_201_one_200']}; 5xx: {s['server_errors']}; "
        f"{'every acknowledged key stored exactly once: OK' if s['ok'] else 'FAILED'}",
        f"  statuses: {', '.join(f'{k}: {v}' for k, v in s['statuses'].items())}",
    ]
    lines += [f"  ! {p}" for p in s["problems"]]
    lines += [
        f"- endorsements of contribution {e['contribution_id']} (before: count/rows/distinct "
        f"{'/'.join(map(str, e['before']))}): {p1['requests']} concurrent PUTs from "
        f"{ENDORSERS} accounts in {p1['seconds']:.1f} s, statuses {p1['statuses']}; "
        f"count/rows/distinct = {'/'.join(map(str, p1['count_rows_distinct']))} "
        f"(expected {p1['expected']}): {'OK' if p1['ok'] else 'FAILED'}",
        f"  undo race: {p2['requests']} DELETE/PUT at once, statuses {p2['statuses']}; "
        f"count/rows/distinct = {'/'.join(map(str, p2['count_rows_distinct']))}: "
        f"{'OK' if p2['ok'] else 'FAILED'}",
    ]
    return "\n".join(lines)


def main() -> int:
    """Standalone: ``python concurrency.py [all|N ...]``: a fresh 1,000-row database, a server
    per variant, the checks."""
    import shutil
    import tempfile

    import run

    tmp = Path(tempfile.mkdtemp(prefix="townhall-concurrency-"))
    try:
        db = tmp / "c.db"
        generate.generate(db, 1000)
        for in_flight in (int(a) if a != "all" else None for a in sys.argv[1:] or ["all"]):
            report = run_checks(
                db, tmp, server_factory=run.Server, env_factory=run.server_env, in_flight=in_flight
            )
            print(format_report(report), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
