"""Pure ASGI middleware (no BaseHTTPMiddleware: it would break context variables and streaming)."""

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


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
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
