"""Who is reading: the logged-in reader's load, and where the small reads of every request run.

Every logged-in request reads its session row and user; a cached logged-in page then reads only
the change counter and, for some pages, one small query of the reader's own marks
(web/fragments.py). On PostgreSQL these run in a worker thread, on a pooled connection: the
event loop must never wait for the network. On SQLite they are a library call of some tens of
microseconds on a local file, less than the hop to a worker thread and back costs, so they run
on the event loop itself, on a connection of its own (never the pool's: waiting for a free
pooled connection would stop the loop). That connection's busy timeout is short: a WAL reader
waits for nothing in normal operation, and in the rare case it would (recovery after a crash),
the read fails at once and the request takes the ordinary path in a worker thread.
"""

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import Connection, Engine, bindparam
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, manager_of_class
from sqlalchemy.pool import QueuePool
from sqlmodel import col, select

from app.models.types import UTCDateTime
from app.models.users import LoginSession, Role, User
from app.security import token_digest

T = TypeVar("T")

INLINE_BUSY_TIMEOUT_MS = 50

# The signed cookie's key for the session token (see deps.py).
SESSION_KEY = "sid"

# In the request scope's state: (session token, its user or None), once read for the request.
READER_STATE = "townhall_reader"

# users.session_user's query, built once and run on a plain connection: its row becomes a
# detached User as an expunged ORM load was, without a Session, its unit of work and the
# statement built and compiled again on every request.
_SESSION_USER = (
    select(*User.__table__.columns)  # type: ignore[attr-defined]
    .join(LoginSession, col(LoginSession.user_id) == col(User.id))
    .where(
        col(LoginSession.token_hash) == bindparam("digest"),
        col(LoginSession.created_at) >= bindparam("cutoff", type_=UTCDateTime),
        col(User.is_active),
    )
)


def load_user(conn: Connection, token: str) -> User | None:
    """The active user whose session this token is, if it has not ended or expired (the same
    rule as users.session_user)."""
    from app.services.users import session_cutoff

    row = conn.execute(
        _SESSION_USER, {"digest": token_digest(token), "cutoff": session_cutoff()}
    ).first()
    if row is None:
        return None
    user: User = manager_of_class(User).new_instance()
    values = dict(row._mapping)
    # A String column: the ORM load gave the string too, but the model says Role.
    values["role"] = Role(values["role"])
    instance_state(user).dict.update(values)
    make_transient_to_detached(user)
    return user


class Busy(Exception):
    """The inline connection is in use by another event loop's reader."""


class InlineReads:
    """The event loop's own SQLite connection (see the module's docstring). Used from the loop
    thread only, one read at a time; each read ends its transaction, so it sees the latest
    commit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None
        # One event loop per app in production; a host that runs several (a test client per
        # thread) must not share the connection at once: the second reader takes the pool.
        self.busy = threading.Lock()

    def run(self, work: Callable[[Connection], T]) -> T:
        if not self.busy.acquire(blocking=False):
            raise Busy()
        try:
            return self._run(work)
        finally:
            self.busy.release()

    def _run(self, work: Callable[[Connection], T]) -> T:
        conn = self.conn
        try:
            if conn is None:
                conn = self.engine.connect()
                conn.exec_driver_sql(f"PRAGMA busy_timeout={INLINE_BUSY_TIMEOUT_MS}")
                self.conn = conn
            try:
                return work(conn)
            finally:
                conn.rollback()
        except SQLAlchemyError:
            self.close()
            raise

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            # Not back to the pool: its busy timeout is this reader's, not a request's.
            conn.invalidate()
            conn.close()


def inline_reads_for(engine: Engine) -> InlineReads | None:
    """Only for a SQLite file behind an ordinary pool: an in-memory database shares one
    connection with everyone, whose transaction a read here would end."""
    if engine.dialect.name != "sqlite" or not isinstance(engine.pool, QueuePool):
        return None
    if engine.url.database in (None, "", ":memory:"):
        return None
    return InlineReads(engine)


def _pooled(engine: Engine, work: Callable[[Connection], T]) -> T:
    # A connection of its own, returned at once: the request's session must not hold a pooled
    # connection while it waits for a worker thread, or a busy instance runs out of them.
    with engine.connect() as conn:
        return work(conn)


async def read(state: Any, work: Callable[[Connection], T]) -> T:
    """Runs a small read for a request: on the loop on SQLite, in a worker thread otherwise.
    `state` is the app's state (its engine, and its inline reader if it has one)."""
    inline: InlineReads | None = getattr(state, "inline_reads", None)
    if inline is not None:
        try:
            return inline.run(work)
        except (SQLAlchemyError, Busy):
            pass  # e.g. busy past the short timeout: the ordinary path below
    return await to_thread.run_sync(_pooled, state.engine, work)
