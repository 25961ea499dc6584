"""Pure ASGI middleware (no BaseHTTPMiddleware: it would break context variables and streaming)."""

import json
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import i18n

# No inline script or style anywhere: htmx is configured by a meta tag and loaded from /static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# Query parameters that make an address a private link (a receipt: whoever has it sees the
# contribution): what such a page shows must not be kept by any cache, nor by the page cache.
PRIVATE_LINK_PARAMS = ("receipt",)


def is_private_link(scope: Scope) -> bool:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return any(name in query for name in PRIVATE_LINK_PARAMS)


def _secure_cookies(headers: MutableHeaders) -> None:
    """Every cookie, whoever set it, is marked Secure on a response sent over HTTPS."""
    cookies = headers.getlist("set-cookie")
    if not any("secure" not in c.lower().replace(" ", "").split(";") for c in cookies):
        return
    del headers["set-cookie"]
    for cookie in cookies:
        parts = [p.strip().lower() for p in cookie.split(";")]
        headers.append("set-cookie", cookie if "secure" in parts else f"{cookie}; Secure")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = is_private_link(scope)
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
                if private:
                    headers["Cache-Control"] = "private, no-store"
                if https:
                    _secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LocaleMiddleware:
    """Chooses the interface language: ?lang=, then the cookie, then Accept-Language."""

    def __init__(self, app: ASGIApp, *, secure_cookie: bool = False) -> None:
        self.app = app
        self.secure_cookie = secure_cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        asked = (query.get("lang") or [None])[0]
        cookie_value = None
        if "cookie" in headers:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(headers["cookie"])
            except Exception:
                jar = SimpleCookie()
            if i18n.LOCALE_COOKIE in jar:
                cookie_value = jar[i18n.LOCALE_COOKIE].value
        locale = i18n.negotiate(asked, cookie_value, headers.get("accept-language"))
        i18n.set_locale(locale)
        scope.setdefault("state", {})["locale"] = locale
        remember = asked in i18n.LOCALES and asked != cookie_value

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers_out = MutableHeaders(scope=message)
                headers_out.setdefault("Content-Language", locale)
                if remember:
                    cookie = (
                        f"{i18n.LOCALE_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax"
                    )
                    if self.secure_cookie:
                        cookie += "; Secure"
                    headers_out.append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


# Five attachments of 10 MB, or a batch of e-mails, with room for the form around them.
MAX_BODY_BYTES = 64 * 1024 * 1024


class BodyLimitMiddleware:
    """Refuses request bodies past a size before anything parses them: a declared length is
    answered with 413 at once; an undeclared (chunked) one is cut off where it crosses the line,
    so no upload can fill the server's disk with temporary files."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        text = i18n.gettext(
            i18n.N_("The upload is too large: at most %(megabytes)s MB can be sent at once."),
            megabytes=self.max_bytes // (1024 * 1024),
        )
        body = text.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# Paths that must answer however busy the instance is: probes and static files cost nothing.
_NEVER_SHED = ("/healthz", "/readyz", "/static/")


class LoadShedMiddleware:
    """At most `limit` requests under way: past it, a quick 503 with Retry-After, so that a
    burst is answered (some now, some "retry in a moment") instead of queueing for threads
    until clients give up, and the instance stays responsive right after."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(_NEVER_SHED):
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            await self._busy(scope, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _busy(self, scope: Scope, send: Send) -> None:
        detail = i18n.gettext(
            i18n.N_("The site is very busy right now. Please try again in a few seconds.")
        )
        if scope["path"].startswith("/api/"):
            title = i18n.gettext(i18n.N_("Service busy"))
            body = json.dumps(
                {"type": "about:blank", "title": title, "status": 503, "detail": detail}
            )
            content_type = b"application/problem+json"
        else:
            body, content_type = detail, b"text/plain; charset=utf-8"
        data = body.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(data)).encode()),
                    (b"retry-after", b"2"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})
