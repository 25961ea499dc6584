"""The SQL each benchmarked route runs, its SQLite query plan, and its time at each table size.

    python bench/contributions/plans.py DB [DB ...]

For every route of the benchmark the real app is built in-process (``create_app`` with the page
cache off) on an engine that records every statement it executes; one GET of the route is made
with Starlette's TestClient. Each recorded SELECT is then run again on a plain ``sqlite3``
connection to the same file, with the same parameters: ``EXPLAIN QUERY PLAN`` (printed, with
flags for full scans of ``contribution``, temporary sorts and subqueries materialised into a
list) and its median time over a few executions. The number of statements per request shows
N+1 patterns; comparing the times at 1,000 and 100,000 rows shows which query grows with the
table.

For the search route it also times the alternative suggested in the findings (walk the FTS5
index in rowid order, newest first, and stop at the page size) next to the app's query.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_SKIP = re.compile(r"^\s*(PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", re.IGNORECASE)


@dataclass
class Statement:
    sql: str
    params: Any
    plan: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    median_ms: float = float("nan")


@dataclass
class RoutePlan:
    label: str
    path: str
    status: int
    statements: list[Statement]

    @property
    def flags(self) -> list[str]:
        return [f for s in self.statements for f in s.flags]


_BIG_TABLES = ("contribution", "contribution_theme", "endorsement", "contribution_fts")


def _flags(sql: str, plan: Sequence[str]) -> list[str]:
    """Plan lines whose cost grows with the contributions tables (small tables are ignored)."""
    if not re.search(r"\bcontribution", sql):
        return []
    out = []
    for line in plan:
        detail = line.strip()
        scan = re.fullmatch(r"SCAN (\w+)(?: AS \w+)?", detail)
        if scan and scan[1] in _BIG_TABLES:
            out.append(f"FULL SCAN: {detail}")
        if "USE TEMP B-TREE FOR ORDER BY" in detail:
            out.append("sorts every matching row (TEMP B-TREE FOR ORDER BY)")
        if detail.startswith("LIST SUBQUERY"):
            out.append("IN (subquery) materialised as a list: cost grows with its matches")
    return out


def explain(raw: sqlite3.Connection, sql: str, params: Any) -> list[str]:
    rows = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def time_query(raw: sqlite3.Connection, sql: str, params: Any, repeat: int = 7) -> float:
    raw.execute(sql, params).fetchall()  # warm the page cache
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        raw.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def capture(db_path: Path, routes: dict[str, str]) -> dict[str, RoutePlan]:
    """One GET of each route in-process, recording the SQL it runs; then plans and timings."""
    from sqlalchemy import event

    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    recorded: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        recorded.append((statement, parameters))

    settings = Settings(database_url=url, page_cache=False)
    app = create_app(settings, engine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    out: dict[str, RoutePlan] = {}
    raw = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as client:
            for label, path in routes.items():
                client.get(path)  # first request: start-up work, caches
                recorded.clear()
                response = client.get(path)
                statements = []
                for sql, params in recorded:
                    if _SKIP.match(sql) or not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    st = Statement(sql, params)
                    st.plan = explain(raw, sql, params)
                    st.flags = _flags(sql, st.plan)
                    st.median_ms = time_query(raw, sql, params)
                    statements.append(st)
                out[label] = RoutePlan(label, path, response.status_code, statements)
    finally:
        raw.close()
        engine.dispose()
    return out


def alternatives(db_path: Path, *, forum_id: int, theme_id: int, word: str) -> dict[str, Any]:
    """The filtered-list and search queries in the form the app used until commit 0200af0
    (found by this benchmark) and in the rewritten form it uses since, on ids only (the old
    form also sorted every matching row with all its columns): median ms and plan of each."""
    head = "SELECT c.id FROM contribution AS c WHERE c.status = 'published' AND "
    tail = " ORDER BY c.id DESC LIMIT 21"
    prefix = f'"{word}"*'
    cases = {
        "filtered: id IN (theme subquery) (app before 0200af0)": (
            head + "c.forum_id = ? AND c.language = 'es' AND c.id IN "
            "(SELECT contribution_id FROM contribution_theme WHERE theme_id = ?)" + tail,
            (forum_id, theme_id),
        ),
        "filtered: EXISTS on the link's key (app since 0200af0)": (
            head + "c.forum_id = ? AND c.language = 'es' AND EXISTS (SELECT 1 FROM "
            "contribution_theme AS ct WHERE ct.contribution_id = c.id AND ct.theme_id = ?)" + tail,
            (forum_id, theme_id),
        ),
        "search: id IN (FTS5 subquery) (app before 0200af0)": (
            head
            + "c.id IN (SELECT rowid FROM contribution_fts WHERE contribution_fts MATCH ?)"
            + tail,
            (prefix,),
        ),
        "search: FTS5 walked by rowid DESC (app since 0200af0)": (
            "SELECT c.id FROM contribution_fts AS f JOIN contribution AS c ON c.id = f.rowid "
            "WHERE contribution_fts MATCH ? AND c.status = 'published' "
            "ORDER BY f.rowid DESC LIMIT 21",
            (prefix,),
        ),
    }
    out: dict[str, Any] = {}
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as raw:
        for name, (sql, params) in cases.items():
            out[name] = {
                "sql": sql,
                "params": params,
                "plan": explain(raw, sql, params),
                "median_ms": time_query(raw, sql, params),
            }
        out["search matches"] = raw.execute(
            "SELECT count(*) FROM contribution_fts WHERE contribution_fts MATCH ?", (prefix,)
        ).fetchone()[0]
    return out


def print_plans(plans: dict[str, RoutePlan], *, show_sql: bool = True) -> None:
    for label, rp in plans.items():
        total = sum(s.median_ms for s in rp.statements)
        print(
            f"\n## {label}: GET {rp.path} -> {rp.status}, {len(rp.statements)} SELECTs, "
            f"{total:.2f} ms of SQL"
        )
        seen: dict[str, int] = {}
        for st in rp.statements:
            seen[st.sql] = seen.get(st.sql, 0) + 1
        for i, st in enumerate(rp.statements, 1):
            if "contribution" not in st.sql or seen.get(st.sql, 0) == 0:
                continue
            times = seen.pop(st.sql)
            repeat = f" (x{times}, one per row: N+1)" if times > 1 else ""
            sql = " ".join(st.sql.split())
            sql = sql[:200] + ("…" if len(sql) > 200 else "")
            print(f"  [{i}] {st.median_ms:.3f} ms{repeat}  {sql}")
            if show_sql:
                for line in st.plan:
                    print(f"        {line}")
            for flag in st.flags:
                print(f"      ! {flag}")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, nargs="+")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from run import routes_for

    for db in args.db:
        print(f"\n# {db}")
        plans = capture(db, routes_for(db, real_only=True))
        print_plans(plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())
