"""The permission grid's world, built once per test process and put back before each case.

Building it (tests/grids.py build_world: a forum, sessions, a care map with a computed run,
minutes in each state, a policy document with every part) takes about a second, and the grid
has some 1,500 cases: built for each, it was most of the suite's time. Each case still starts on
a database holding exactly the world and nothing else, with the same ids:

- SQLite: the world's database is copied into memory with SQLite's backup API, and copied back
  over the case's database file (the app's connections see the new pages on their next read);
- PostgreSQL: the world's tables are copied into a schema of the worker's database; a case's
  tables are emptied and filled from it, and every sequence is set where the world left it.

A snapshot older than MAX_AGE_S is built again, so that what the world holds relative to the
clock (tokens valid for an hour, a speaker's turn under way) stays as a fresh world's would.
"""

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session, SQLModel

MAX_AGE_S = 600.0
SCHEMA = "grid_world"


class Snapshot:
    def __init__(self, engine: Engine, ids: dict[str, Any]) -> None:
        self.ids = dict(ids)
        self.taken_at = time.monotonic()
        self.dialect = engine.dialect.name
        self.memory: sqlite3.Connection | None = None
        self.sequences: list[tuple[str, int]] = []
        if self.dialect == "sqlite":
            self.memory = sqlite3.connect(":memory:", check_same_thread=False)
            with _raw_sqlite(engine) as source:
                source.backup(self.memory)
        else:
            self._copy_to_schema(engine)

    def fresh(self, engine: Engine) -> bool:
        return engine.dialect.name == self.dialect and (
            time.monotonic() - self.taken_at < MAX_AGE_S
        )

    def restore(self, engine: Engine) -> dict[str, Any]:
        if self.memory is not None:
            with _raw_sqlite(engine) as target:
                self.memory.backup(target)
        else:
            self._restore_from_schema(engine)
        return dict(self.ids)

    def _copy_to_schema(self, engine: Engine) -> None:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
            for table in SQLModel.metadata.sorted_tables:
                conn.execute(
                    text(f'CREATE TABLE "{SCHEMA}"."{table.name}" AS TABLE "{table.name}"')
                )
            rows = conn.execute(
                text(
                    "SELECT format('%I.%I', schemaname, sequencename), last_value "
                    "FROM pg_sequences WHERE schemaname = current_schema() "
                    "AND last_value IS NOT NULL"
                )
            )
            self.sequences = [(name, value) for name, value in rows]

    def _restore_from_schema(self, engine: Engine) -> None:
        with engine.begin() as conn:
            empty_postgres(conn)
            for table in SQLModel.metadata.sorted_tables:
                conn.execute(
                    text(f'INSERT INTO "{table.name}" SELECT * FROM "{SCHEMA}"."{table.name}"')
                )
            for name, value in self.sequences:
                conn.execute(text("SELECT setval(:name, :value)"), {"name": name, "value": value})


def empty_postgres(conn: Connection) -> None:
    """Every table of the app emptied and every sequence back at 1, inside the caller's
    transaction. DELETE rather than TRUNCATE: a TRUNCATE of the ~70 tables takes over half a
    second (new files for each table and index), a DELETE of their few rows a few milliseconds;
    on each test, that was most of the PostgreSQL run. Triggers are off for the transaction
    (session_replication_role, a superuser setting, as the test server's `postgres` is): the
    foreign keys need not be walked in order, and the audit log's append-only guard, which
    refuses DELETE, is for the app, not for the suite starting afresh."""
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text(";".join(f'DELETE FROM "{t.name}"' for t in SQLModel.metadata.sorted_tables)))
    conn.execute(
        text(
            "SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
            "FROM pg_sequences WHERE schemaname = current_schema()"
        )
    )


def _raw_sqlite(engine: Engine) -> closing[sqlite3.Connection]:
    """A plain sqlite3 connection to the engine's database file, outside the app's pool."""
    return closing(sqlite3.connect(engine.url.database or "", timeout=30))


_snapshot: Snapshot | None = None


def world(db: Session, build: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
    """The world's ids, on a database that holds the world: put back from the snapshot, or
    built on this (fresh) database and snapshotted for the next case."""
    global _snapshot
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    if _snapshot is not None and _snapshot.fresh(engine):
        return _snapshot.restore(engine)
    ids = build(db)
    db.rollback()
    _snapshot = Snapshot(engine, ids)
    return ids
