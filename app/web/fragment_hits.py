"""Logged-in pages served from their shared copy before any route runs.

A logged-in page built through web/fragments.py `page()` is stored once per role and key; this
middleware, innermost but for the app's own, finds it for the next reader of that role and fills
it in, without FastAPI's routing, dependencies and worker thread: the reader's load, the change
counter and the reader's marks are one small read (web/readers.py: on SQLite on the event loop,
otherwise in a worker thread). Whatever it does not find goes on to the app as before, with the
reader already loaded, so that the request reads it only once.
"""

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.models.users import User
from app.web import fragments, readers
from app.web.pagecache import _EXCLUDED_PREFIXES, SESSION_COOKIE, _header


class FragmentHitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"].startswith(_EXCLUDED_PREFIXES)
            or SESSION_COOKIE not in _header(scope["headers"], b"cookie")
        ):
            await self.app(scope, receive, send)
            return
        token = (scope.get("session") or {}).get(readers.SESSION_KEY)
        if not isinstance(token, str):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)

        def look_up(conn: Connection) -> tuple[User | None, fragments.HTMLResponse | None]:
            user = readers.load_user(conn, token)
            return user, (fragments.cached(request, conn, user) if user is not None else None)

        try:
            user, response = await readers.read(scope["app"].state, look_up)
        except (SQLAlchemyError, TimeoutError):
            await self.app(scope, receive, send)  # the page itself will say what is wrong
            return
        scope.setdefault("state", {})[readers.READER_STATE] = (token, user)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)
