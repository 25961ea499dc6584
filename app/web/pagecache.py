"""A cache of rendered pages for anonymous readers, valid across several app instances.

Most visits are anonymous reads of the same few pages (a forum, a session, a caucus). Rendering
them costs queries and template work on every request; serving a stored copy costs one
single-row read. The copy is keyed by everything that changes the page for an anonymous reader
(address, language, time zone, htmx partial) and is valid while the database's change counter is
unchanged: every transaction that writes bumps the counter before it commits (see
`track_changes`), so no instance serves a page older than the data, whichever instance wrote.
Pages that depend on the clock (e.g. "upcoming sessions") are also bounded by a short TTL.

Nothing is stored for a request with a session cookie, for a response that started a session
(a form's CSRF token, a flash message), or for anything but a 200 HTML page.
"""

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

from anyio import to_thread
from sqlalchemy import Connection, Engine, event, inspect, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.models.audit import ChangeCounter, RateCounter
from app.models.caremap.mapcache import CareMapCache
from app.models.forums import TIMEZONES
from app.models.users import LoginSession, LoginThrottle, User
from app.web.middleware import is_private_link

SESSION_COOKIE = b"th_session="
TZ_COOKIE = "th_tz"
MAX_ENTRIES = 512
TTL_S = 60.0
_EXCLUDED_PREFIXES = ("/api/", "/static/", "/healthz", "/readyz", "/openapi.json")


_tracking = False

# Tables no page shows: writing them (a login, a rate-limit hit, a cached map) must not empty
# every instance's page cache, or a crowd logging in would defeat it. Extend with
# `invisible_to_pages` for other bookkeeping tables.
_INVISIBLE: set[type] = {RateCounter, ChangeCounter, LoginSession, LoginThrottle, CareMapCache}


# Columns no page shows, on tables that pages do show: a login stamps the account's last login.
_INVISIBLE_COLUMNS: dict[type, set[str]] = {User: {"last_login_at"}}


def invisible_to_pages(*models: type) -> None:
    _INVISIBLE.update(models)


def _shows(objects: Iterable[object]) -> bool:
    return any(type(obj) not in _INVISIBLE for obj in objects)


def _shows_changes(objects: Iterable[object]) -> bool:
    for obj in objects:
        if type(obj) in _INVISIBLE:
            continue
        hidden = _INVISIBLE_COLUMNS.get(type(obj))
        if not hidden:
            return True
        state = inspect(obj)
        if any(a.key not in hidden and a.history.has_changes() for a in state.attrs):
            return True
    return False


def track_changes() -> None:
    """Bumps the change counter inside every transaction that wrote (registered once)."""
    global _tracking
    if _tracking:
        return
    _tracking = True

    @event.listens_for(Session, "after_flush")
    def _mark(session: Session, _ctx: Any) -> None:
        if _shows(session.new) or _shows_changes(session.dirty) or _shows(session.deleted):
            session.info["townhall_changed"] = True

    @event.listens_for(Session, "do_orm_execute")
    def _mark_statement(state: ORMExecuteState) -> None:
        # Bulk INSERT/UPDATE/DELETE statements bypass the unit of work.
        if (state.is_insert or state.is_update or state.is_delete) and (
            state.bind_mapper is None or state.bind_mapper.class_ not in _INVISIBLE
        ):
            state.session.info["townhall_changed"] = True

    @event.listens_for(Session, "before_commit")
    def _bump(session: Session) -> None:
        # commit() flushes pending changes only after this hook: flush them now, so that they
        # are seen here and the counter update is the transaction's last write.
        if session.new or session.dirty or session.deleted:
            session.flush()
        if session.info.pop("townhall_changed", False):
            session.execute(
                update(ChangeCounter)
                .where(col(ChangeCounter.id) == 1)
                .values(value=col(ChangeCounter.value) + 1)
            )


def ensure_counter(db: Session) -> None:
    """The migration creates the row; a restore or a truncation may have removed it."""
    if db.get(ChangeCounter, 1) is None:
        db.add(ChangeCounter(id=1, value=0))
        db.commit()


class VersionReader:
    """Reads the change counter on a connection of its own, in a thread of its own: a cache hit
    never waits for the request pool, and the event loop never waits for the database (a slow
    or unreachable database would otherwise freeze every request of the instance, /healthz
    included). A read that takes longer than `timeout_s` is given up: the request goes to the
    app, which answers for itself. Each read ends its transaction, so it sees the latest commit.
    """

    def __init__(self, engine: Engine, *, timeout_s: float = 2.0) -> None:
        self.engine = engine
        self.timeout_s = timeout_s
        self.conn: Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-versions")
        self._running: asyncio.Future[int] | None = None
        self._queued: asyncio.Future[int] | None = None

    def read(self) -> int:
        """One read, in the reader's thread."""
        try:
            if self.conn is None:
                self.conn = self.engine.connect()
            try:
                value = self.conn.execute(_VERSION_SQL).scalar()
            finally:
                self.conn.rollback()
            return int(value or 0)
        except SQLAlchemyError:
            # A dropped connection (database restart) is reopened on the next request.
            self.close_connection()
            raise

    async def version(self) -> int:
        """A version read after the caller arrived. A read under way may have begun before a
        commit the caller must see, so a caller arriving during it waits for the next read,
        which every caller arriving meanwhile shares: at most one read runs and one waits,
        however many requests arrive."""
        if self._running is None:
            future = self._start()
        else:
            if self._queued is None:
                self._queued = asyncio.get_running_loop().create_future()
            future = self._queued
        return await asyncio.wait_for(asyncio.shield(future), self.timeout_s)

    def _start(self) -> "asyncio.Future[int]":
        future = asyncio.wrap_future(self._thread.submit(self.read))
        self._running = future
        future.add_done_callback(self._finished)
        return future

    def _finished(self, done: "asyncio.Future[int]") -> None:
        if not done.cancelled():
            done.exception()  # retrieved here: its waiters may all have given up
        self._running = None
        queued, self._queued = self._queued, None
        if queued is not None:
            self._start().add_done_callback(lambda result: _pass_on(result, queued))

    def close_connection(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                self.conn.close()
            self.conn = None

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
        self.close_connection()


def _pass_on(result: "asyncio.Future[int]", to: "asyncio.Future[int]") -> None:
    if to.done():
        return
    if result.cancelled():
        to.cancel()
    elif (error := result.exception()) is not None:
        to.set_exception(error)
        to.exception()
    else:
        to.set_result(result.result())


_VERSION_SQL = text("SELECT value FROM change_counter WHERE id = 1")


def current_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(_VERSION_SQL).scalar() or 0)


async def _replay(send: Send, stored: "Stored") -> None:
    status, headers, body = stored
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes:
    for key, value in headers:
        if key == name:
            return value
    return b""


def _valid_tz(value: str) -> str:
    """Only a real zone changes the page; anything else must not fill the cache with copies."""
    zone = unquote(value)
    return zone if zone in TIMEZONES else ""


def _cookie(cookies: bytes, name: str) -> str:
    for part in cookies.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


Stored = tuple[int, list[Any], bytes]  # status, headers, body


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, *, max_entries: int = MAX_ENTRIES, ttl_s: float = TTL_S):
        self.app = app
        self.max_entries = max_entries
        self.ttl_s = ttl_s
        # key -> (data version, stored at, response)
        self.entries: OrderedDict[tuple[Any, ...], tuple[int, float, Stored]] = OrderedDict()
        # key -> (data version, the rendering under way)
        self.inflight: dict[tuple[Any, ...], tuple[int, asyncio.Future[Stored | None]]] = {}

    def _cacheable_request(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "GET":
            return False
        if scope["path"].startswith(_EXCLUDED_PREFIXES) or is_private_link(scope):
            return False
        return SESSION_COOKIE not in _header(scope["headers"], b"cookie")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._cacheable_request(scope):
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        # Every request header a page may be built from is part of the key (Host included,
        # although pages build absolute links from the configured base URL, web/urls.py): a
        # page built for one header value is never served for another.
        key = (
            _header(headers, b"host"),
            scope.get("scheme"),
            scope["path"],
            scope.get("query_string", b""),
            scope.get("state", {}).get("locale"),
            _valid_tz(_cookie(_header(headers, b"cookie"), TZ_COOKIE)),
            # The same rule as templating.is_htmx_partial: a fragment or a whole page.
            _header(headers, b"hx-request") == b"true"
            and _header(headers, b"hx-boosted") != b"true"
            and _header(headers, b"hx-history-restore-request") != b"true",
        )
        reader: VersionReader | None = getattr(scope["app"].state, "versions", None)
        try:
            if reader is not None:
                version = await reader.version()
            else:  # no lifespan (e.g. a bare test client): a pooled connection, in a thread
                version = await asyncio.wait_for(
                    to_thread.run_sync(current_version, scope["app"].state.engine), TTL_S
                )
        except (SQLAlchemyError, TimeoutError):
            await self.app(scope, receive, send)  # the page itself will say what is wrong
            return
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and hit[0] == version and now - hit[1] < self.ttl_s:
            self.entries.move_to_end(key)
            await _replay(send, hit[2])
            return
        # Single flight: when a page expires or the data changes, the requests that arrive
        # while one of them renders it wait for that rendering instead of all rendering at once.
        flight = self.inflight.get(key)
        if flight is not None and flight[0] == version:
            stored = await asyncio.shield(flight[1])
            if stored is not None:
                await _replay(send, stored)
            else:
                await self.app(scope, receive, send)
            return
        future: asyncio.Future[Stored | None] = asyncio.get_running_loop().create_future()
        self.inflight[key] = (version, future)
        result: Stored | None = None
        try:
            result = await self._render(scope, receive, send)
        finally:
            if self.inflight.get(key, (None, None))[1] is future:
                del self.inflight[key]
            future.set_result(result)
        if result is not None:
            self.entries[key] = (version, now, result)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    async def _render(self, scope: Scope, receive: Receive, send: Send) -> Stored | None:
        """Runs the app, passing the response through; returns it if it may be stored."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        response_headers = list(start.get("headers", []))
        storable = (
            start.get("status") == 200
            and _header(response_headers, b"content-type").startswith(b"text/html")
            and not scope.get("session")
            and not _header(response_headers, b"set-cookie")
        )
        return (200, response_headers, b"".join(chunks)) if storable else None
