"""The database as configured: SQLite pragmas, concurrent writers, no migration drift."""

import threading

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
