"""Fills a fresh SQLite database with N synthetic contributions for the benchmark.

    python bench/contributions/generate.py --n 100000 --out /tmp/contrib-100k.db

The database is migrated with ``app.cli.db_upgrade`` and gets the demo data (``app.demo.load``:
two forums, six sessions, eleven themes and axes, three caucuses), then, with SQLAlchemy Core
``executemany`` inserts in one transaction:

* ``users`` participant accounts (default 300) with e-mail ``user<i>@bench.example.org`` and the
  password ``PASSWORD``, hashed once with cheap argon2 parameters (the concurrency check logs in
  as them; see ``concurrency.py``);
* N contributions, oldest first (ids follow time, as in production), over a year: language es
  45 % / pt 30 % / en 25 % with sentences from ``corpus.py``; forum 1 (one session) 40 %, forum 2
  (five sessions) 60 %; channel web 60 % / live 25 % (remarks and questions, always in a
  session, no title) / e-mail 10 % / transcribed 5 %; status published 93 %, pending 3 %, hidden
  2 %, rejected 2 %; a caucus lens on a quarter; 0–3 themes of the forum each;
* endorsements: a heavy-tailed number per published contribution (most none, a few hundred at
  most), each from a distinct account, and ``endorsement_count`` equal to that number.

The FTS5 index is filled by the migration's insert trigger, row by row as the app would.
No ANALYZE is run: the app never runs one, so the query planner sees what it sees in production.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import corpus  # noqa: E402

PASSWORD = "bench-password-123"  # noqa: S105
USER_EMAIL = "user{i}@bench.example.org"
BATCH = 5000


def _cheap_hash(password: str) -> str:
    """An argon2id hash with low cost, so logging in 50 accounts takes no minutes. The server of
    the concurrency check runs with the same parameters, so it does not rehash on login."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(password)


def _endorsement_count(rng: random.Random, cap: int) -> int:
    # Pareto(1.2) - 1: ~56 % none, a median of 0, a mean of about 4, a long tail to the cap.
    return min(cap, int(rng.paretovariate(1.2)) - 1)


def generate(path: Path, n: int, *, users: int = 300, seed: int = 2025) -> dict[str, Any]:
    """Creates the database at ``path`` (replacing it) and returns what it holds and timings."""
    from sqlalchemy import text

    from app import demo
    from app.cli import db_upgrade
    from app.db import make_engine, open_session
    from app.models.contributions import Contribution, ContributionTheme, Endorsement
    from app.models.users import User

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    db_upgrade(url)
    engine = make_engine(url)
    with open_session(engine, write=True) as db:
        demo.load(db)
        db.commit()
    timings["migrate_and_demo_s"] = time.perf_counter() - t0

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        # A bigger page cache for the bulk load: five indexes and the FTS5 index are updated per
        # row, and SQLite's default 2 MB cache spills them to the WAL over and over.
        conn.exec_driver_sql("PRAGMA cache_size=-524288")
        sessions: dict[int, list[int]] = {}
        for sid, fid in conn.execute(text("SELECT id, forum_id FROM forum_session")):
            sessions.setdefault(fid, []).append(sid)
        themes: dict[int, list[int]] = {}
        for tid, fid in conn.execute(text("SELECT id, forum_id FROM theme")):
            themes.setdefault(fid, []).append(tid)
        caucuses = [cid for (cid,) in conn.execute(text("SELECT id FROM caucus"))]
        forums = sorted(sessions)
        if len(forums) < 2:
            raise SystemExit("the demo data should have two forums with sessions")

        t = time.perf_counter()
        password_hash = _cheap_hash(PASSWORD)
        user_rows = [
            {
                "email": USER_EMAIL.format(i=i),
                "display_name": corpus.person(rng),
                "password_hash": password_hash,
                "role": "participant",
                "is_active": True,
                "locale": rng.choice(corpus.LANGUAGES),
                "created_at": now - timedelta(days=400),
            }
            for i in range(users)
        ]
        conn.execute(User.__table__.insert(), user_rows)  # type: ignore[attr-defined]
        user_ids = [
            uid
            for (uid,) in conn.execute(
                text("SELECT id FROM user WHERE email LIKE '%@bench.example.org' ORDER BY id")
            )
        ]
        timings["users_s"] = time.perf_counter() - t

        t = time.perf_counter()
        start = now - timedelta(days=365)
        step = timedelta(days=365) / max(n, 1)
        contribution_table = Contribution.__table__  # type: ignore[attr-defined]
        theme_links: list[dict[str, int]] = []
        endorsements: list[dict[str, Any]] = []
        n_published = 0
        batch: list[dict[str, Any]] = []
        next_id = 1 + (
            conn.execute(text("SELECT coalesce(max(id), 0) FROM contribution")).scalar() or 0
        )
        for i in range(n):
            cid = next_id + i
            language = rng.choices(corpus.LANGUAGES, corpus.LANGUAGE_WEIGHTS)[0]
            forum_id = forums[0] if rng.random() < 0.4 else forums[1]
            channel = rng.choices(("web", "live", "email", "transcribed"), (60, 25, 10, 5))[0]
            created = start + step * i + timedelta(seconds=rng.random())
            row: dict[str, Any] = {
                "id": cid,
                "forum_id": forum_id,
                "session_id": None,
                "kind": "proposal",
                "channel": channel,
                "status": rng.choices(
                    ("published", "pending", "hidden", "rejected"), (93, 3, 2, 2)
                )[0],
                "author_id": None,
                "author_name": "",
                "author_email": None,
                "organisation_name": None,
                "caucus_id": rng.choice(caucuses) if rng.random() < 0.25 else None,
                "links": [],
                "endorsement_count": 0,
                "open_reports": 0,
                "pinned": False,
                "for_minutes": False,
                "moderation_note": None,
                "source_key": None,
                "idempotency_key": None,
                "receipt_hash": None,
                "received_at": None,
                "language": language,
                "created_at": created,
                "updated_at": created,
            }
            if channel == "live":
                row["kind"] = "remark" if rng.random() < 0.7 else "question"
                row["session_id"] = rng.choice(sessions[forum_id])
                row["author_id"] = rng.choice(user_ids)
                text_body = corpus.sentence(rng, language)
                row["title"] = ""
            else:
                if rng.random() < 0.6:
                    row["session_id"] = rng.choice(sessions[forum_id])
                row["title"] = corpus.title(rng, language)
                text_body = corpus.body(rng, language)
                if channel == "web":
                    if rng.random() < 0.85:
                        row["author_id"] = rng.choice(user_ids)
                        if rng.random() < 0.15:
                            row["organisation_name"] = rng.choice(corpus.ORGANISATIONS)
                    else:
                        row["author_name"] = corpus.person(rng)
                        row["author_email"] = f"anon{cid}@example.net"
                        row["receipt_hash"] = hashlib.sha256(f"receipt{cid}".encode()).hexdigest()
                    if rng.random() < 0.1:
                        row["links"] = [f"https://example.org/docs/{cid}"]
                elif channel == "email":
                    row["author_name"] = corpus.person(rng)
                    row["author_email"] = f"sender{cid}@example.net"
                    row["received_at"] = created
                    row["source_key"] = hashlib.sha256(f"<{cid}@mail.example>".encode()).hexdigest()
                else:  # transcribed
                    row["author_name"] = corpus.person(rng)
                    row["organisation_name"] = rng.choice(corpus.ORGANISATIONS)
            row["body"] = text_body
            row["excerpt"] = corpus.excerpt(text_body)
            if row["status"] == "published":
                n_published += 1
                count = _endorsement_count(rng, len(user_ids))
                if count:
                    row["endorsement_count"] = count
                    for uid in rng.sample(user_ids, count):
                        endorsements.append(
                            {"contribution_id": cid, "user_id": uid, "created_at": created}
                        )
            k = rng.choices((0, 1, 2, 3), (15, 45, 30, 10))[0]
            for tid in rng.sample(themes[forum_id], min(k, len(themes[forum_id]))):
                theme_links.append({"contribution_id": cid, "theme_id": tid})
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(contribution_table.insert(), batch)
                batch = []
        if batch:
            conn.execute(contribution_table.insert(), batch)
        timings["contributions_s"] = time.perf_counter() - t

        t = time.perf_counter()
        theme_table = ContributionTheme.__table__  # type: ignore[attr-defined]
        for j in range(0, len(theme_links), BATCH * 4):
            conn.execute(theme_table.insert(), theme_links[j : j + BATCH * 4])
        endorsement_table = Endorsement.__table__  # type: ignore[attr-defined]
        for j in range(0, len(endorsements), BATCH * 4):
            conn.execute(endorsement_table.insert(), endorsements[j : j + BATCH * 4])
        timings["links_s"] = time.perf_counter() - t
    engine.dispose()

    t = time.perf_counter()
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    timings["checkpoint_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t0
    return {
        "path": str(path),
        "contributions": n,
        "published": n_published,
        "users": len(user_ids),
        "theme_links": len(theme_links),
        "endorsements": len(endorsements),
        "size_mb": path.stat().st_size / 1e6,
        "timings": timings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="contributions (1000)")
    parser.add_argument("--users", type=int, default=300, help="participant accounts (300)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, required=True, help="SQLite file to create")
    args = parser.parse_args(argv)
    info = generate(args.out, args.n, users=args.users, seed=args.seed)
    timings = ", ".join(f"{k} {v:.2f}" for k, v in info["timings"].items())
    print(
        f"{info['contributions']:,} contributions ({info['published']:,} published), "
        f"{info['users']} users, {info['theme_links']:,} theme links, "
        f"{info['endorsements']:,} endorsements, {info['size_mb']:.1f} MB in {args.out}"
    )
    print(f"time: {timings}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
