"""The database as configured: SQLite pragmas, concurrent writers, no migration drift."""

import threading
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from app.db import open_session
from app.lib.search import include_object
from app.models.audit import AuditEvent
from tests.conftest import PG_URL


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], diff


@pytest.mark.skipif(bool(PG_URL), reason="SQLite settings")
def test_sqlite_runs_with_wal_full_sync_foreign_keys_and_timeout(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_writers_queue_instead_of_failing(engine: Engine) -> None:
    """Read-then-write transactions from many threads: with BEGIN IMMEDIATE none fails with
    'database is locked', and no write is lost."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with open_session(engine, write=True) as db:
                    db.execute(text("SELECT count(*) FROM audit_event")).scalar()
                    db.add(
                        AuditEvent(action="test", object_type="thread", object_id=n, summary=str(i))
                    )
                    db.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_session(engine, write=False) as db:
        assert db.execute(text("SELECT count(*) FROM audit_event")).scalar() == 80


@pytest.mark.skipif(bool(PG_URL), reason="SQLite locking")
def test_reads_after_a_commit_do_not_hold_the_write_lock(engine: Engine) -> None:
    """A request that has committed its write and reads to build its response must not keep
    SQLite's write lock until its session closes: under a burst, every worker thread would wait
    behind it (found by the contributions benchmark)."""
    import sqlite3

    with open_session(engine, write=True) as db:
        db.add(AuditEvent(action="test", object_type="test", object_id=1, summary=""))
        db.commit()
        db.execute(text("SELECT count(*) FROM audit_event")).scalar()  # a transaction is open
        other = sqlite3.connect(engine.url.database or "", timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")  # would raise "database is locked"
            other.execute("ROLLBACK")
        finally:
            other.close()


def _burst(app: object, paths: list[str]) -> tuple[list[int], float]:
    """All the GETs at once, from as many threads, through one client (one event loop)."""
    import time

    from fastapi.testclient import TestClient

    statuses: list[int] = []
    slowest = 0.0
    with TestClient(app) as client:  # type: ignore[arg-type]
        barrier = threading.Barrier(len(paths))

        def get(path: str) -> None:
            nonlocal slowest
            barrier.wait()
            start = time.monotonic()
            statuses.append(client.get(path).status_code)
            slowest = max(slowest, time.monotonic() - start)

        threads = [threading.Thread(target=get, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    return statuses, slowest


def test_a_burst_of_api_reads_never_holds_connections_across_the_validation_hop(
    database_url: str,
) -> None:
    """Finding 18: as many connections as threads, and a burst of JSON list reads. A read used
    to keep its connection while its response waited for a thread to be validated, while the
    threads waited for connections: the pool timed out. Now every read is answered 200."""
    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    settings = Settings(
        database_url=database_url,
        worker_threads=2,
        db_pool_size=2,
        db_max_overflow=0,
        db_pool_timeout_s=1.0,
        page_cache=False,
    )
    engine = make_engine(database_url, settings=settings)
    try:
        paths = ["/api/v1/forums", "/api/v1/sessions", "/api/v1/contributions"] * 20
        statuses, _slowest = _burst(create_app(settings, engine), paths)
    finally:
        engine.dispose()
    assert statuses.count(200) == len(paths), sorted(set(statuses))


def test_a_burst_past_the_in_flight_limit_gets_quick_503s_not_a_long_queue(
    database_url: str,
) -> None:
    """Finding 18: past what the instance can take at once, a quick 503 with Retry-After."""
    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    settings = Settings(
        database_url=database_url, worker_threads=1, max_requests_in_flight=3, page_cache=False
    )
    engine = make_engine(database_url, settings=settings)
    try:
        statuses, slowest = _burst(create_app(settings, engine), ["/api/v1/contributions"] * 40)
    finally:
        engine.dispose()
    assert set(statuses) == {200, 503}, statuses
    assert statuses.count(200) >= 3
    assert slowest < 5


def test_a_burst_of_reads_never_holds_connections_across_the_dependency_hop(
    database_url: str,
) -> None:
    """Found by the policy benchmark: a load-or-404 dependency (the contribution, the section,
    the minutes) runs in a worker thread of its own and the endpoint in another; the dependency
    used to keep its connection while the request waited for the endpoint's thread, while the
    threads waited for connections: the pool timed out and readers got 503s. Now every read of
    a record behind such a dependency is answered 200."""
    from app.config import Settings
    from app.db import make_engine, open_session
    from app.main import create_app
    from tests import factories

    settings = Settings(
        database_url=database_url,
        worker_threads=2,
        db_pool_size=2,
        db_max_overflow=0,
        db_pool_timeout_s=1.0,
        page_cache=False,
    )
    engine = make_engine(database_url, settings=settings)
    try:
        with open_session(engine, write=True) as db:
            forum = factories.forum(db)
            found = factories.contribution(db, forum)
            paths = [f"/api/v1/contributions/{found.id}", f"/contributions/{found.id}"] * 30
        statuses, _slowest = _burst(create_app(settings, engine), paths)
    finally:
        engine.dispose()
    assert statuses.count(200) == len(paths), sorted(set(statuses))


def _api_routes(routes: list[Any]) -> list[Any]:
    from fastapi.routing import APIRoute

    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _api_routes(list(inner.routes))
    return found


def test_every_plain_dependency_hands_its_connection_back(app: Any) -> None:
    """The rule behind the burst test above, for every route: a `def` dependency (it runs in
    a worker thread of its own) is wrapped by db.hands_back."""
    import inspect

    def plain(dependant: Any) -> list[str]:
        out = []
        for sub in dependant.dependencies:
            out += plain(sub)
            call = sub.call
            if inspect.isfunction(call) and not (
                inspect.iscoroutinefunction(call)
                or inspect.isgeneratorfunction(call)
                or inspect.isasyncgenfunction(call)
                or getattr(call, "hands_back", False)
            ):
                out.append(f"{call.__module__}.{call.__qualname__}")
        return out

    routes = _api_routes(list(app.routes))
    assert len(routes) > 100
    missing = sorted({name for route in routes for name in plain(route.dependant)})
    assert not missing, missing
