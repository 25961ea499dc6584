"""A cache of logged-in pages: what every reader of the same role shares, rendered once.

The anonymous page cache (web/pagecache.py) stores whole pages; a logged-in page differs per
person only in a few places: the header's name, the CSRF tokens of its forms, and marks such as
"including yours" on an endorsement. A page built through `page()` is rendered once per key
(path, query, language, time zone, fragment-or-page, role) for a stand-in reader, `RoleViewer`,
that has a role and nothing else: its name and the CSRF token come out as markers, and each
personal mark as a slot holding every variant (`personal()`, a template global). A later request
with the same key and the same data version gets the stored page with the markers filled in for
its own reader (their name, their token, their endorsements: one small query), without running
the handler. Anything else a page reads of its reader (their id, e-mail, caucuses) raises
`PersonalPage` while it is built for the stand-in: that page is then rendered for the real reader
as before, and its key is remembered as personal (until the data changes), so it is not tried
every time.

Never stale: the version is the change counter (web/pagecache.py, `track_changes`), read in the
request's own transaction, so a write committed by any instance is seen by the next request.
Pages that depend on the clock are bounded by the same TTL as the anonymous cache. Nothing is
stored for a request whose session holds a flash message or a kept form (they are shown once),
nor for a response other than a 200 page that sets no cookie of its own.
"""

import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from sqlalchemy import Connection, text
from sqlmodel import Session

from app import i18n
from app.models.users import User

MAX_ENTRIES = 512
TTL_S = 60.0

# Markers no text can hold by chance or by design: a fresh random part in every process.
_NONCE = secrets.token_hex(8)
_OPEN, _CLOSE = f"\ue000{_NONCE}:", "\ue001"
CSRF_MARK = f"{_OPEN}csrf{_CLOSE}"
NAME_MARK = f"{_OPEN}name{_CLOSE}"
_SLOT = re.compile(re.escape(_OPEN) + r"(csrf|name|slot:(\d+))" + re.escape(_CLOSE))
_VERSION_SQL = text("SELECT value FROM change_counter WHERE id = 1")


class PersonalPage(Exception):
    """The page read something of its reader beyond their role. Deliberately not an
    AttributeError, which templates and getattr() would swallow."""


class RoleViewer:
    """A reader who has a role and nothing else (see the module's docstring)."""

    def __init__(self, user: User) -> None:
        self.role = user.role
        self.is_active = user.is_active
        self.display_name = NAME_MARK

    def __getattr__(self, name: str) -> Any:
        raise PersonalPage(name)


@dataclass
class _Filling:
    viewer: RoleViewer
    slots: list[tuple[str, Any, dict[Any, str]]] = field(default_factory=list)


_filling: ContextVar[_Filling | None] = ContextVar("townhall_fragment_filling", default=None)

# kind -> (the reader's value for each of those keys, every value a slot can take): what fills
# a personal slot on a cache hit.
Resolver = Callable[[Connection, User, list[Any]], dict[Any, Any]]
_RESOLVERS: dict[str, tuple[Resolver, tuple[Any, ...]]] = {}


def resolver(kind: str, variants: tuple[Any, ...]) -> Callable[[Resolver], Resolver]:
    """Registers how a slot kind is filled for a reader, and the values it can take."""

    def register(fn: Resolver) -> Resolver:
        _RESOLVERS[kind] = (fn, variants)
        return fn

    return register


def viewer(request: Request) -> Any:
    """Who the page being rendered is for: the stand-in while a shared copy is built."""
    filling = _filling.get()
    return filling.viewer if filling is not None else getattr(request.state, "user", None)


def filling() -> bool:
    return _filling.get() is not None


def personal(kind: str, key: Any, value: Any, *, caller: Callable[[Any], Markup]) -> Markup:
    """A template global, as `{% call(v) personal("endorsed", c.id, row.endorsed_by_me) %}`: the
    block rendered with this reader's value; while a shared copy is built, a slot holding the
    block rendered with every value the kind can take."""
    state = _filling.get()
    if state is None:
        return caller(value)  # a Jinja call block's output: already Markup
    variants = {v: str(caller(v)) for v in _RESOLVERS[kind][1]}
    state.slots.append((kind, key, variants))
    # The marker: a fixed prefix and a number, nothing typed by anyone.
    return Markup(f"{_OPEN}slot:{len(state.slots) - 1}{_CLOSE}")  # noqa: S704


@dataclass(frozen=True)
class _Stored:
    body: str
    slots: list[tuple[str, Any, dict[Any, str]]]
    headers: list[tuple[str, str]]


class _Cache:
    """One app's shared copies (on app.state: each app, each test's, has its own)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], tuple[int, float, _Stored | None]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], version: int, now: float) -> tuple[_Stored | None] | None:
        with self.lock:
            hit = self.entries.get(key)
            if hit is None or hit[0] != version or now - hit[1] >= TTL_S:
                return None
            self.entries.move_to_end(key)
            return (hit[2],)

    def put(self, key: tuple[Any, ...], version: int, now: float, stored: _Stored | None) -> None:
        with self.lock:
            self.entries[key] = (version, now, stored)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


_create_lock = threading.Lock()


def _cache(request: Request) -> _Cache:
    state = request.app.state
    found = getattr(state, "fragments", None)
    if found is None:
        with _create_lock:
            found = getattr(state, "fragments", None)
            if found is None:
                found = state.fragments = _Cache()
    return found


def _key(request: Request, user: User) -> tuple[Any, ...]:
    # From the request's scope and cookies only, so that web/fragment_hits.py, which looks a
    # copy up before any route runs, finds what the handler stored under the same key.
    from app.templating import is_htmx_partial, reader_zone

    return (
        request.scope["path"],
        request.scope.get("query_string", b""),
        i18n.get_locale(),
        reader_zone(request),
        is_htmx_partial(request),
        str(user.role),
        bool(user.is_active),
    )


def _sharable(request: Request, user: User | None, *, enabled: bool = True) -> bool:
    return (
        user is not None
        and enabled
        and getattr(request.app.state.settings, "page_cache", True)
        and request.session.get("flash") is None
        and request.session.get("kept_form") is None
    )


def cached(request: Request, conn: Connection, user: User) -> HTMLResponse | None:
    """The stored copy of this page for this reader, filled in, if there is a valid one; read on
    `conn` (the change counter, and the reader's own marks in one small query)."""
    if not _sharable(request, user):
        return None
    hit = _look_up(request, conn, user)[3]
    if hit is None or hit[0] is None:
        return None
    return _fill(request, conn, user, hit[0])


def _look_up(
    request: Request, conn: Connection | Session, user: User
) -> tuple[tuple[Any, ...], int, float, tuple[_Stored | None] | None]:
    """This reader's key, the data version read on `conn`, the time, and what is stored."""
    version = int(conn.execute(_VERSION_SQL).scalar() or 0)
    key = _key(request, user)
    now = time.monotonic()
    return key, version, now, _cache(request).get(key, version, now)


def page(
    request: Request,
    db: Session,
    user: User | None,
    build: Callable[[Any], HTMLResponse],
    *,
    enabled: bool = True,
) -> HTMLResponse:
    """The page `build(reader)` renders (in a worker thread, as the handler's own code), from
    the shared copy when there is a valid one. `build` must read its reader only through the
    argument it is given, and must not write."""
    if user is None or not _sharable(request, user, enabled=enabled):
        return build(user)
    key, version, now, hit = _look_up(request, db, user)
    cache = _cache(request)
    if hit is not None:
        stored = hit[0]
        if stored is None:  # a personal page: rendered for its reader
            return build(user)
        return _fill(request, db.connection(), user, stored)
    state = _Filling(RoleViewer(user))
    token = _filling.set(state)
    try:
        response: HTMLResponse | None = build(state.viewer)
    except PersonalPage:
        response = None
    finally:
        _filling.reset(token)
    if response is None:  # rendered for the reader, once the stand-in is gone
        cache.put(key, version, now, None)
        return build(user)
    headers = [(k, v) for k, v in response.headers.items() if k != "content-length"]
    if response.status_code != 200 or any(k == "set-cookie" for k, _v in headers):
        # Not for sharing; it was built for the stand-in, so build it for the reader.
        return build(user)
    stored = _Stored(bytes(response.body).decode(), state.slots, headers)
    cache.put(key, version, now, stored)
    return _fill(request, db.connection(), user, stored)


def _fill(request: Request, conn: Connection, user: User, stored: _Stored) -> HTMLResponse:
    from app.security import csrf_token

    values: dict[str, dict[Any, Any]] = {}
    wanted: dict[str, list[Any]] = {}
    for kind, key, _variants in stored.slots:
        wanted.setdefault(kind, []).append(key)
    for kind, keys in wanted.items():
        values[kind] = _RESOLVERS[kind][0](conn, user, keys)
    token: list[str] = []  # made on first use only, as a render does

    def one(match: re.Match[str]) -> str:
        what = match[1]
        if what == "csrf":
            if not token:
                token.append(csrf_token(request))
            return token[0]
        if what == "name":
            return str(escape(user.display_name))
        kind, key, variants = stored.slots[int(match[2])]
        return _SLOT.sub(one, variants[values[kind][key]])  # a variant may hold a form

    body = _SLOT.sub(one, stored.body)
    response = HTMLResponse(body)
    for name, value in stored.headers:
        if name != "content-type":
            response.headers[name] = value
    return response
