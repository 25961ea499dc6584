"""Engine and sessions.

SQLite is the zero-set-up default. Its settings follow what a multi-user web app needs: WAL so
readers never wait for a writer, synchronous=FULL so an acknowledged write survives a power cut,
foreign keys enforced, and a busy timeout. Write requests open their transaction with
BEGIN IMMEDIATE: a deferred transaction that later tries to write can fail at once with
"database is locked" (the busy timeout does not apply to lock upgrades), while an immediate one
queues behind the current writer. Reads keep plain BEGIN so they never queue.
"""

import functools
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Annotated, Any, TypeVar, cast

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from app.config import Settings, get_settings

F = TypeVar("F", bound=Callable[..., Any])

WRITE_OPTION = "townhall_write"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str, *, echo: bool = False, settings: Settings | None = None) -> Engine:
    """Pool size, overflow and timeouts come from the settings, sized with the worker threads
    (see config.Settings and the README's "Sizing"). A request that finds no free connection
    within the pool timeout gets a 503 with Retry-After (see web/errors.py)."""
    settings = settings or get_settings()
    pool: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_s,
    }
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            **pool,
        )
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": settings.db_connect_timeout_s}
    if settings.db_statement_timeout_ms:
        connect_args["options"] = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args, **pool)


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
        # Freed pages are zeroed, so a deleted account's name and address leave the file's bytes.
        cur.execute("PRAGMA secure_delete=ON")
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


READ_BIND = "townhall_read_bind"


def open_session(engine: Engine, *, write: bool) -> Session:
    if not write:
        return Session(bind=engine, expire_on_commit=False)
    session = Session(bind=write_engine(engine), expire_on_commit=False)
    session.info[READ_BIND] = engine
    return session


COMMITTED = "townhall_committed"


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    session.info[COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _read_after_commit(session: Session, transaction: SessionTransaction) -> None:
    """Once a request's write is committed, what it reads next (to build its response) must not
    take SQLite's write lock: an IMMEDIATE transaction opened for those reads would hold the lock
    until the session closes, after the response, which itself may wait for a worker thread, and
    under a burst every worker thread would be queued behind that lock."""
    read_bind = session.info.get(READ_BIND)
    # The outermost transaction only: after a savepoint, the transaction around it goes on.
    if read_bind is None or transaction.parent is not None or transaction.nested:
        return
    if session.info.pop(COMMITTED, False):
        session.bind = read_bind


def hand_back(session: Session) -> None:
    """Ends the session's transaction, so that its connection goes back to the pool, keeping
    what it loaded usable: a read session's objects stay as loaded (there is nothing to commit),
    a write session's are expired and read again inside the write's own transaction (a commit
    here would switch it to the read bind, above). Between a load-or-404 dependency, which runs
    in a worker thread, and the endpoint, which waits for another one (routers/apiutil.py)."""
    if not session.in_transaction():
        return
    if session.info.get(READ_BIND) is None:
        session.commit()
    else:
        session.rollback()


def hands_back(load: F) -> F:
    """For a plain `def` dependency that reads the database (a load-or-404: the contribution,
    the section, the minutes): FastAPI runs it in a worker thread, and the endpoint then waits
    for another one. The request's sessions hand their connection back as it returns, so that
    no connection is held while the request waits for a thread. (Without it, under a burst of
    reads, every connection was held by a request waiting for a thread, every thread waited for
    a connection, and readers got 503s.) tests/test_db.py checks every route's dependencies."""

    @functools.wraps(load)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return load(*args, **kwargs)
        finally:
            for session in request_sessions.get() or ():
                hand_back(session)

    run.hands_back = True  # type: ignore[attr-defined]
    return cast(F, run)


def write_again(session: Session) -> None:
    """For the rare service that commits and then writes again in the same session (a batch
    import, one message per transaction): its next transaction begins IMMEDIATE once more."""
    read_bind = session.info.get(READ_BIND)
    # Only between transactions: a change of bind inside one would open a second connection,
    # which would then wait for the first one's lock.
    if isinstance(read_bind, Engine) and session.bind is read_bind and not session.in_transaction():
        session.bind = write_engine(read_bind)


# The sessions opened for the request under way (see RequestSessions, routers/apiutil.py).
request_sessions: ContextVar[list[Session] | None] = ContextVar("request_sessions", default=None)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Async so that FastAPI does not hop to a worker thread just to open a session (opening
    does no I/O); the queries themselves run in the handler's thread. The route class closes
    the session in that thread as soon as the endpoint returns (routers/apiutil.py), so that no
    request holds a pooled connection while its response waits for a thread to be validated."""
    engine: Engine = request.app.state.engine
    with open_session(engine, write=request.method not in SAFE_METHODS) as session:
        opened = request_sessions.get()
        if opened is not None:
            opened.append(session)
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
