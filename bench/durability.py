"""Durability under a crash (issue 15, "Trust"): N concurrent clients against a served instance,
a ``kill -9`` of the server in the middle of the load, a restart on the same port, and clients
that retry every unacknowledged request as clients do (same body, same idempotency key).

    python bench/durability.py [--clients 200] [--db sqlite|postgres|both] [--pg URL]

Set-up, in this process, on a fresh SQLite file or a fresh PostgreSQL database (made and
dropped here): a forum, a session with its live window open, N accounts (every fifth one
secretariat, the others participants; one password hash shared, so set-up is quick), published
proposals to endorse, a policy document with one section per client (every client on its
drafting team) and the session's minutes with one block per secretariat client. Then
``townhall serve`` on a loopback port (X-Forwarded-For trusted: each client sends an address of
its own, so the per-IP limits are those of 200 people, not of one) and, per client, in asyncio
with httpx: log in, then in a shuffled order

- submit proposals (``POST /api/v1/contributions`` with an ``Idempotency-Key`` header),
- endorse published proposals (``PUT .../endorsement``: one per account by a unique index),
- post live remarks (``POST .../live/remarks``, the key in the body as the live form sends it,
  or in an ``Idempotency-Key`` header as an API client does),
- comment on a shared paragraph (``POST /api/v1/paragraphs/{id}/comments``, the key a header),
- save its policy section (``PUT /api/v1/sections/{id}``, whole body on a base version),
- (secretariat) save its minutes block (``PUT /api/v1/minutes/{id}/items/block/{id}``).

A failed request (connection refused or reset, timeout, 5xx, 429) is sent again, unchanged,
until it is answered. A section save retried after it was stored is a no-op merge (200); a
minutes save retried after it was stored is a 409 whose ``current`` is the client's own text:
the client takes it as "already saved". Once a third of the actions are acknowledged the
server gets SIGKILL, is restarted on the same port, and the clients carry on.

Then the server is stopped and the database read: every acknowledged action must be stored
once (lost: acknowledged, not stored; duplicated: stored more than once, by its marker), and
the database checked (``PRAGMA integrity_check``; on PostgreSQL ``bt_index_check`` from amcheck
over every B-tree index). Prints one table per database. ``run()`` is what
tests/test_durability.py calls with fewer clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "bench-durability-secret-key-not-for-production-0123"  # noqa: S105
PASSWORD = "durability-bench-password"  # noqa: S105
KINDS = ("contribution", "endorsement", "remark", "comment", "section", "minutes")
CLIENT_TIMEOUT_S = 30.0
# Logging in is not what is measured: argon2id at the suite's cost (tests/conftest.py), in this
# process (the shared hash) and in the server's (which then finds nothing to rehash).
ARGON2 = {
    "TOWNHALL_ARGON2_TIME_COST": "1",
    "TOWNHALL_ARGON2_MEMORY_KIB": "1024",
    "TOWNHALL_ARGON2_PARALLELISM": "1",
}
# A 5xx this long after the restarted server answered /readyz still counts as the kill's.
KILL_GRACE_S = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# -- set-up -----------------------------------------------------------------------------------


@dataclass
class World:
    forum_id: int
    session_id: int
    minutes_id: int
    users: list[tuple[int, str, bool]]  # (id, email, staff)
    sections: list[int]  # one per client
    blocks: dict[int, int]  # client index -> minutes block id
    endorsable: list[int]
    minutes_version: int  # after set-up: every stored minutes save adds one
    block_count: int  # the minutes' blocks after set-up: the clients add none
    paragraph_id: int  # a paragraph of a section of its own, commented on by every client


def prepare(url: str, clients: int) -> World:
    """The database the server will serve: migrated, with what the clients act on."""
    from sqlmodel import select

    from app.cli import db_upgrade
    from app.config import get_settings
    from app.db import make_engine, open_session
    from app.models.contributions import Channel, Contribution, Kind, Status
    from app.models.forums import ForumCreate, SessionCreate
    from app.models.minutes import ItemCreate, MinutesCreate
    from app.models.policy import DocumentCreate, SectionCreate, TeamMemberIn, TeamRole
    from app.models.users import Role, User
    from app.security import hash_password
    from app.services import forums, sessions
    from app.services import live as live_service
    from app.services import minutes as minutes_service
    from app.services import policy as policy_service

    os.environ.update(ARGON2)
    get_settings.cache_clear()
    db_upgrade(url)
    engine = make_engine(url)
    digest = hash_password(PASSWORD)
    try:
        with open_session(engine, write=True) as db:
            admin = User(
                email="durability-admin@example.org",
                display_name="Durability admin",
                password_hash=digest,
                role=Role.admin,
            )
            db.add(admin)
            people = [
                User(
                    email=f"client-{i}@example.org",
                    display_name=f"Client {i}",
                    password_hash=digest,
                    role=Role.secretariat if i % 5 == 0 else Role.participant,
                )
                for i in range(clients)
            ]
            db.add_all(people)
            db.commit()
            forum = forums.create_forum(
                db,
                actor=admin,
                data=ForumCreate.model_validate(
                    {
                        "kind": "event",
                        "title": {"en": "Durability forum"},
                        "city": "Montevideo",
                        "country": "UY",
                        "timezone": "America/Montevideo",
                        "starts_on": "2025-05-02",
                        "ends_on": "2025-05-05",
                    }
                ),
            )
            session = sessions.create_session(
                db,
                actor=admin,
                data=SessionCreate.model_validate(
                    {
                        "forum_id": forum.id,
                        "title": {"en": "Durability session"},
                        "type": "parallel_alliance",
                        "format": "in_person",
                        "starts_at": datetime(2025, 5, 3, 15, 0),
                        "timezone": "America/Montevideo",
                        "duration_minutes": 90,
                        "venue": "Antel Arena",
                        "languages": ["en"],
                    }
                ),
            )
            assert forum.id is not None
            assert session.id is not None
            forum_id, session_id = forum.id, session.id
            live_service.set_open(db, actor=admin, session=session, open_=True)
            db.commit()
            for n in range(20):
                db.add(
                    Contribution(
                        forum_id=forum_id,
                        kind=Kind.proposal,
                        channel=Channel.web,
                        status=Status.published,
                        title=f"Seed proposal {n}",
                        body="A published proposal the clients endorse.",
                        excerpt="A published proposal the clients endorse.",
                        language="en",
                        author_name="Seed",
                    )
                )
            db.commit()
            endorsable = [
                int(c)
                for c in db.execute(
                    select(Contribution.id).where(Contribution.title.startswith("Seed proposal"))
                ).scalars()
            ]
            document = policy_service.create_document(
                db,
                actor=admin,
                data=DocumentCreate.model_validate(
                    {"forum_id": forum_id, "title": {"en": "Durability"}, "language": "en"}
                ),
            )
            users = [(int(u.id or 0), u.email, u.role == Role.secretariat) for u in people]
            sections = []
            for i, (uid, _, _) in enumerate(users):
                policy_service.add_member(
                    db,
                    actor=admin,
                    document=document,
                    data=TeamMemberIn(user_id=uid, role=TeamRole.editor),
                )
                made = policy_service.create_section(
                    db,
                    actor=admin,
                    document=document,
                    data=SectionCreate(title=f"Section {i}", body=f"Client {i} starts here."),
                )
                sections.append(int(made.id or 0))
            shared = policy_service.create_section(
                db,
                actor=admin,
                document=document,
                data=SectionCreate(title="Comments", body="Comment on this paragraph."),
            )
            paragraph_id = db.execute(
                text("SELECT id FROM policy_paragraph WHERE section_id = :s"), {"s": shared.id}
            ).scalar_one()
            minutes = minutes_service.create_draft(
                db, actor=admin, session=session, data=MinutesCreate(language="en")
            )
            blocks: dict[int, int] = {}
            for i, (_, _, staff) in enumerate(users):
                if not staff:
                    continue
                minutes, block = minutes_service.add_item(
                    db,
                    actor=admin,
                    minutes=minutes,
                    kind="block",
                    data=ItemCreate(base_version=minutes.version, title=f"Block {i}"),
                )
                blocks[i] = int(block.id)
            return World(
                forum_id=forum_id,
                session_id=session_id,
                minutes_id=int(minutes.id or 0),
                users=users,
                sections=sections,
                blocks=blocks,
                endorsable=endorsable,
                minutes_version=int(minutes.version),
                paragraph_id=int(paragraph_id),
                block_count=int(
                    db.execute(
                        text("SELECT count(*) FROM minutes_block WHERE minutes_id = :m"),
                        {"m": minutes.id},
                    ).scalar_one()
                ),
            )
    finally:
        engine.dispose()


# -- the server -------------------------------------------------------------------------------


def serve(url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = (
        os.environ
        | ARGON2
        | {
            "TOWNHALL_DATABASE_URL": url,
            "TOWNHALL_SECRET_KEY": SECRET,
            "TOWNHALL_UPLOAD_DIR": str(workdir / "uploads"),
            "TOWNHALL_TRUST_FORWARDED_FOR": "true",
            "TOWNHALL_DEMO": "false",
        }
    )
    code = f"from app.cli import main; main(['serve', '--port', '{port}'])"
    with open(workdir / "server.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log, stderr=log
        )


async def wait_ready(base: str, limit_s: float = 120.0) -> None:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready")


# -- the clients ------------------------------------------------------------------------------


@dataclass
class Action:
    kind: str
    marker: str
    client: int
    target: int = 0  # endorsement: the contribution
    acked: bool = False
    rejected: str = ""


@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    acked: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)  # retried, found saved (409 = ours)
    http5xx: list[tuple[str, float, int]] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    reject_samples: list[str] = field(default_factory=list)


class Load:
    def __init__(
        self, world: World, base: str, per_kind: int, seed: int, kinds: tuple[str, ...] = KINDS
    ) -> None:
        self.world = world
        self.base = base
        self.per_kind = per_kind
        self.tally = Tally()
        self.rng = random.Random(seed)
        self.actions: list[Action] = []
        self.plans: list[list[Action]] = []
        for i, (_, _, staff) in enumerate(world.users):
            plan: list[Action] = []
            for kind in kinds:
                if kind == "minutes" and not staff:
                    continue
                for j in range(per_kind):
                    marker = f"dur-{kind}-{i}-{j}-{uuid.uuid4().hex[:6]}"
                    target = world.endorsable[(i + j * 7) % len(world.endorsable)]
                    plan.append(Action(kind, marker, i, target))
            self.rng.shuffle(plan)
            self.plans.append(plan)
            self.actions += plan
        self.acked_total = 0
        self.logged_in = 0

    async def client(self, i: int, start: asyncio.Event) -> None:
        _, email, _ = self.world.users[i]
        ip = f"10.{i // 250}.{i % 250}.{7}"
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=self.base,
            timeout=CLIENT_TIMEOUT_S,
            limits=limits,
            headers={"X-Forwarded-For": ip},
        ) as http:
            csrf = await self._login(http, email)
            self.logged_in += 1
            await start.wait()
            versions: dict[str, int] = {}
            for action in self.plans[i]:
                await self._do(http, csrf, action, versions)

    async def _send(
        self, http: httpx.AsyncClient, kind: str, method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        self.tally.requests[kind] += 1
        try:
            response = await http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            self.tally.errors[type(exc).__name__] += 1
            return None
        if response.status_code >= 500:
            self.tally.http5xx.append((kind, time.monotonic(), response.status_code))
        return response

    async def _login(self, http: httpx.AsyncClient, email: str) -> str:
        delay = 0.2
        while True:
            got = await self._send(http, "login", "GET", "/api/v1/auth/csrf")
            if got is not None and got.status_code == 200:
                token = got.json()["csrf_token"]
                done = await self._send(
                    http,
                    "login",
                    "POST",
                    "/api/v1/auth/login",
                    json={"email": email, "password": PASSWORD},
                    headers={"X-CSRF-Token": token},
                )
                if done is not None and done.status_code == 200:
                    again = await self._send(http, "login", "GET", "/api/v1/auth/csrf")
                    if again is not None and again.status_code == 200:
                        return str(again.json()["csrf_token"])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _request(self, action: Action, versions: dict[str, int]) -> tuple[str, str, dict[str, Any]]:
        w, i = self.world, action.client
        if action.kind == "contribution":
            body = {
                "forum_id": w.forum_id,
                "title": action.marker,
                "body": f"A proposal for the durability bench: {action.marker}.",
                "language": "en",
            }
            return (
                "POST",
                "/api/v1/contributions",
                {
                    "json": body,
                    "headers": {"Idempotency-Key": f"key-{action.marker}"},
                },
            )
        if action.kind == "endorsement":
            return "PUT", f"/api/v1/contributions/{action.target}/endorsement", {}
        if action.kind == "remark":
            path = f"/api/v1/sessions/{w.session_id}/live/remarks"
            key = f"key-{action.marker}"
            if int(action.marker.split("-")[3]) % 2:  # half as an API client: the header
                return (
                    "POST",
                    path,
                    {"json": {"body": action.marker}, "headers": {"Idempotency-Key": key}},
                )
            # the other half as the live form sends it: in the body
            return "POST", path, {"json": {"body": action.marker, "idempotency_key": key}}
        if action.kind == "comment":
            return (
                "POST",
                f"/api/v1/paragraphs/{w.paragraph_id}/comments",
                {
                    "json": {"body": action.marker},
                    "headers": {"Idempotency-Key": f"key-{action.marker}"},
                },
            )
        if action.kind == "section":
            body = {
                "body": f"Client {i} says {action.marker}.",
                "base_version": versions["section"],
            }
            return "PUT", f"/api/v1/sections/{w.sections[i]}", {"json": body}
        body = {"base_version": versions["minutes"], "title": action.marker}
        return "PUT", f"/api/v1/minutes/{w.minutes_id}/items/block/{w.blocks[i]}", {"json": body}

    async def _version(self, http: httpx.AsyncClient, action: Action) -> int:
        """The editor's copy: the section's or the minutes' version, read before the edit."""
        w, i = self.world, action.client
        path = (
            f"/api/v1/sections/{w.sections[i]}"
            if action.kind == "section"
            else f"/api/v1/minutes/{w.minutes_id}"
        )
        delay = 0.2
        while True:
            got = await self._send(http, "read", "GET", path)
            if got is not None and got.status_code == 200:
                return int(got.json()["version"])
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def _do(
        self, http: httpx.AsyncClient, csrf: str, action: Action, versions: dict[str, int]
    ) -> None:
        if action.kind in ("section", "minutes"):
            versions[action.kind] = await self._version(http, action)
        method, path, kw = self._request(action, versions)
        kw["headers"] = {"X-CSRF-Token": csrf} | kw.get("headers", {})
        delay = 0.2
        retried = False
        while True:
            response = await self._send(http, action.kind, method, path, **kw)
            status = response.status_code if response is not None else 0
            if 200 <= status < 300:
                action.acked = True
                break
            if status == 409 and retried and action.kind == "minutes":
                current = response.json().get("current", {})  # type: ignore[union-attr]
                if current.get("title") == action.marker:
                    self.tally.already[action.kind] += 1
                    action.acked = True
                    break
            if status and status < 500 and status not in (408, 429):
                action.rejected = f"{status}"
                self.tally.rejected[action.kind] += 1
                if len(self.tally.reject_samples) < 5:
                    self.tally.reject_samples.append(
                        f"{action.kind} {status} {response.text[:300]}"  # type: ignore[union-attr]
                    )
                return
            retried = True
            await asyncio.sleep(delay * (0.5 + self.rng.random()))
            delay = min(delay * 2, 2.0)
        self.tally.acked[action.kind] += 1
        self.acked_total += 1


async def _drive(
    load: Load, url: str, port: int, workdir: Path, kill_fraction: float, server: list[Any]
) -> dict[str, float]:
    start = asyncio.Event()
    tasks = [asyncio.create_task(load.client(i, start)) for i in range(len(load.plans))]
    while load.logged_in < len(load.plans):
        await asyncio.sleep(0.1)
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]
    t_start = time.monotonic()
    start.set()
    kill_at = int(len(load.actions) * kill_fraction)
    timing: dict[str, float] = {}
    while load.acked_total < kill_at:
        await asyncio.sleep(0.02)
    os.kill(server[0].pid, signal.SIGKILL)
    timing["kill"] = time.monotonic()
    timing["acked_at_kill"] = load.acked_total
    server[0].wait()
    server[0] = serve(url, port, workdir)
    await wait_ready(load.base)
    timing["ready"] = time.monotonic()
    await asyncio.gather(*tasks)
    timing["load_s"] = time.monotonic() - t_start
    return timing


# -- what was stored --------------------------------------------------------------------------


def stored(url: str, load: Load) -> dict[str, Counter[str]]:
    """How many times each action's marker is in the database."""
    engine = create_engine(url)
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    w = load.world
    try:
        with engine.connect() as conn:
            for title, n in conn.execute(
                text(
                    "SELECT title, count(*) FROM contribution"
                    " WHERE title LIKE 'dur-contribution-%' GROUP BY title"
                )
            ):
                counts["contribution"][title] = n
            for body, n in conn.execute(
                text(
                    "SELECT body, count(*) FROM contribution"
                    " WHERE body LIKE 'dur-remark-%' GROUP BY body"
                )
            ):
                counts["remark"][body] = n
            for body, n in conn.execute(
                text(
                    "SELECT body, count(*) FROM policy_comment"
                    " WHERE body LIKE 'dur-comment-%' GROUP BY body"
                )
            ):
                counts["comment"][body] = n
            pairs = Counter(
                (int(u), int(c))
                for u, c in conn.execute(text("SELECT user_id, contribution_id FROM endorsement"))
            )
            for a in load.actions:
                if a.kind == "endorsement":
                    counts["endorsement"][a.marker] = pairs.get((w.users[a.client][0], a.target), 0)
            revisions: dict[int, list[str]] = {}
            for section_id, paragraphs in conn.execute(
                text("SELECT section_id, paragraphs FROM policy_section_revision")
            ):
                body = paragraphs if isinstance(paragraphs, str) else json.dumps(paragraphs)
                revisions.setdefault(int(section_id), []).append(body)
            titles = {
                int(b): t
                for b, t in conn.execute(
                    text("SELECT id, title FROM minutes_block WHERE minutes_id = :m"),
                    {"m": w.minutes_id},
                )
            }
            for a in load.actions:
                if a.kind == "section":
                    found = revisions.get(w.sections[a.client], [])
                    counts["section"][a.marker] = sum(a.marker in body for body in found)
            # A minutes block is saved in place: its last acknowledged title must be there, and
            # every save that was stored moved the minutes' version on by one.
            last: dict[int, Action] = {}
            for plan in load.plans:  # a client's plan is the order of its saves
                for a in plan:
                    if a.kind == "minutes" and a.acked:
                        last[a.client] = a
            for a in last.values():
                counts["minutes"][a.marker] = int(titles.get(w.blocks[a.client]) == a.marker)
            version = conn.execute(
                text("SELECT version FROM minutes WHERE id = :m"), {"m": w.minutes_id}
            ).scalar_one()
            counts["minutes"]["__applied__"] = int(version) - w.minutes_version
            counts["minutes"]["__blocks__"] = len(titles)
    finally:
        engine.dispose()
    return counts


def integrity(url: str) -> str:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
                return "PRAGMA integrity_check: " + ", ".join(rows)
            try:
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            except Exception as exc:  # reported, not raised
                return f"amcheck unavailable ({type(exc).__name__})"
            indexes = conn.execute(
                text(
                    "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE a.amname = 'btree' AND n.nspname = 'public' AND c.relpersistence != 't'"
                )
            ).scalars()
            checked, failed = 0, []
            for oid in list(indexes):
                try:
                    conn.execute(text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
                    checked += 1
                except Exception as exc:  # a corrupt index is the finding
                    failed.append(f"{oid}: {exc}")
            verdict = "ok" if not failed else f"FAILED {failed[:3]}"
            return f"amcheck bt_index_check(heapallindexed) on {checked} B-tree indexes: {verdict}"
    finally:
        engine.dispose()


# -- one run ----------------------------------------------------------------------------------


@dataclass
class Row:
    kind: str
    requests: int
    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    rejected: int
    http5xx_kill: int
    http5xx_other: int


@dataclass
class Report:
    label: str
    clients: int
    rows: list[Row]
    integrity: str
    timing: dict[str, float]
    errors: dict[str, int]
    already: dict[str, int]
    reject_samples: list[str]
    extra_blocks: int

    @property
    def total(self) -> Row:
        sums = [
            sum(getattr(r, f) for r in self.rows) for f in Row.__dataclass_fields__ if f != "kind"
        ]
        return Row("total", *sums)

    def table(self) -> str:
        head = (
            "action",
            "requests",
            "acked",
            "stored",
            "lost",
            "dup",
            "4xx",
            "5xx kill",
            "5xx other",
        )
        lines = [" | ".join(f"{h:>12}" for h in head)]
        for r in [*self.rows, self.total]:
            values = [r.kind, r.requests, r.acknowledged, r.stored, r.lost, r.duplicated,
                      r.rejected, r.http5xx_kill, r.http5xx_other]  # fmt: skip
            lines.append(" | ".join(f"{v!s:>12}" for v in values))
        t = self.timing
        lines.append(
            f"{self.label}, {self.clients} clients: load {t['load_s']:.1f} s; SIGKILL after "
            f"{t['acked_at_kill']:.0f} acknowledged actions, server answering again after "
            f"{t['ready'] - t['kill']:.1f} s; client-side errors {dict(self.errors) or 'none'}; "
            f"retries found already saved {dict(self.already) or 'none'}; "
            f"minutes blocks {'as made' if not self.extra_blocks else f'{self.extra_blocks} extra'}"
        )
        lines.append(f"{self.label}: {self.integrity}")
        for sample in self.reject_samples:
            lines.append(f"  rejected: {sample}")
        return "\n".join(lines)


def run(
    url: str,
    *,
    label: str,
    clients: int = 200,
    per_kind: int = 2,
    kill_fraction: float = 1 / 3,
    seed: int = 15,
) -> Report:
    kinds = KINDS
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        world = prepare(url, clients)
        port = free_port()
        base = f"http://{HOST}:{port}"
        load = Load(world, base, per_kind, seed, kinds)
        server = [serve(url, port, workdir)]
        try:
            asyncio.run(wait_ready(base))
            timing = asyncio.run(_drive(load, url, port, workdir, kill_fraction, server))
        except BaseException:
            sys.stderr.write((workdir / "server.log").read_text()[-3000:])
            raise
        finally:
            server[0].terminate()
            try:
                server[0].wait(timeout=30)
            except subprocess.TimeoutExpired:
                server[0].kill()
                server[0].wait()
    counts = stored(url, load)
    window = (timing["kill"], timing["ready"] + KILL_GRACE_S)
    rows = []
    for kind in kinds:
        mine = [a for a in load.actions if a.kind == kind]
        found = counts[kind]
        acked = [a for a in mine if a.acked]
        if kind == "minutes":
            # Saved in place: stored = saves the version count says were applied; lost = an
            # acknowledged last save not in its block, or fewer applied than acknowledged.
            stored_n = found["__applied__"]
            lost = sum(1 for m, n in found.items() if not m.startswith("__") and not n)
            lost = max(lost, len(acked) - stored_n)
            dup = max(0, stored_n - len(acked))
        else:
            stored_n = sum(1 for a in mine if found.get(a.marker, 0) > 0)
            lost = sum(1 for a in acked if found.get(a.marker, 0) == 0)
            dup = sum(max(0, n - 1) for n in found.values())
        fives = [t for k, t, _ in load.tally.http5xx if k == kind]
        in_kill = sum(1 for t in fives if window[0] <= t <= window[1])
        rows.append(
            Row(
                kind,
                load.tally.requests[kind],
                len(acked),
                stored_n,
                lost,
                dup,
                load.tally.rejected[kind],
                in_kill,
                len(fives) - in_kill,
            )
        )
    other5 = [t for k, t, _ in load.tally.http5xx if k not in kinds]
    if other5:
        in_kill = sum(1 for t in other5 if window[0] <= t <= window[1])
        rows.append(Row("login/read", load.tally.requests["login"] + load.tally.requests["read"],
                        0, 0, 0, 0, 0, in_kill, len(other5) - in_kill))  # fmt: skip
    return Report(
        label=label,
        clients=clients,
        rows=rows,
        integrity=integrity(url),
        timing=timing,
        errors=dict(load.tally.errors),
        already=dict(load.tally.already),
        reject_samples=load.tally.reject_samples,
        extra_blocks=counts["minutes"]["__blocks__"] - world.block_count,
    )


def run_sqlite(**kw: Any) -> Report:
    with tempfile.TemporaryDirectory() as tmp:
        return run(f"sqlite:///{tmp}/durability.db", label="SQLite", **kw)


def run_postgres(pg: str = DEFAULT_PG, **kw: Any) -> Report:
    name = f"th_durability_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(pg).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
        return run(url, label="PostgreSQL", **kw)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--per-kind", type=int, default=2, help="actions of each kind per client")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--pg", default=DEFAULT_PG, help="a PostgreSQL server to make a database on"
    )
    args = parser.parse_args()
    failed = False
    kw = {"clients": args.clients, "per_kind": args.per_kind}
    if args.db in ("sqlite", "both"):
        report = run_sqlite(**kw)
        print(report.table(), flush=True)
        failed |= report.total.lost > 0 or report.total.duplicated > 0
    if args.db in ("postgres", "both"):
        report = run_postgres(args.pg, **kw)
        print(report.table(), flush=True)
        failed |= report.total.lost > 0 or report.total.duplicated > 0
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
