"""Engine and sessions.

SQLite is the zero-set-up default. Its settings follow what a multi-user web app needs: WAL so
readers never wait for a writer, synchronous=FULL so an acknowledged write survives a power cut,
foreign keys enforced, and a busy timeout. Write requests open their transaction with
BEGIN IMMEDIATE: a deferred transaction that later tries to write can fail at once with
"database is locked" (the busy timeout does not apply to lock upgrades), while an immediate one
queues behind the current writer. Reads keep plain BEGIN so they never queue.
"""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlmodel import Session

WRITE_OPTION = "townhall_write"
# Pooled connections per process; the thread pool is sized to match (see main.lifespan).
POOL_SIZE = 16
# Past this wait for a free connection the request gets a 503 with Retry-After (see errors.py).
POOL_TIMEOUT_S = 10
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=POOL_SIZE,
            max_overflow=POOL_SIZE,
            pool_timeout=POOL_TIMEOUT_S,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
        pool_timeout=POOL_TIMEOUT_S,
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module so we can choose BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def write_engine(engine: Engine) -> Engine:
    """The same pool, marked so that SQLite transactions begin IMMEDIATE."""
    return engine.execution_options(**{WRITE_OPTION: True})


def open_session(engine: Engine, *, write: bool) -> Session:
    bind = write_engine(engine) if write else engine
    return Session(bind=bind, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Async so that FastAPI does not hop to a worker thread just to open a session (opening
    does no I/O); the queries themselves run in the handler's thread."""
    engine: Engine = request.app.state.engine
    with open_session(engine, write=request.method not in SAFE_METHODS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
