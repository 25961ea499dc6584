"""Password hashing (argon2), CSRF tokens bound to the signed session, client addresses."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import get_settings
from app.db import SAFE_METHODS
from app.services.errors import CsrfFailed


@cache
def _hasher() -> PasswordHasher:
    settings = get_settings()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


T = TypeVar("T")


@cache
def _hash_pool() -> ThreadPoolExecutor:
    # argon2 takes tens of milliseconds of CPU and 64 MiB each: a burst of registrations or
    # logins runs a few at a time here, instead of taking every core and worker thread's share.
    return ThreadPoolExecutor(
        max_workers=get_settings().password_hash_threads, thread_name_prefix="argon2"
    )


def _in_pool(fn: Callable[[], T]) -> T:
    return _hash_pool().submit(fn).result()


@cache
def _dummy_hash() -> str:
    # Verifying against this when the account does not exist makes an unknown email cost the
    # same time as a wrong password, so timing does not reveal which accounts exist.
    return _hasher().hash("not-a-real-password-" + secrets.token_hex(8))


CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MAX_AGE_S = 24 * 3600


def hash_password(password: str) -> str:
    """Slow on purpose: call it with no transaction open (on SQLite one holds the write lock)."""
    return _in_pool(lambda: _hasher().hash(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    def verify() -> bool:
        try:
            ok = _hasher().verify(password_hash or _dummy_hash(), password)
            return ok and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return _in_pool(verify)


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="townhall-csrf")


def csrf_token(request: Request) -> str:
    """A signed token tied to this browser's session; created on first use."""
    nonce = request.session.get("csrf")
    if not nonce:
        nonce = secrets.token_urlsafe(16)
        request.session["csrf"] = nonce
    return str(_serializer().dumps(nonce))


def _valid(request: Request, token: str | None) -> bool:
    nonce = request.session.get("csrf")
    if not token or not nonce:
        return False
    try:
        value = _serializer().loads(token, max_age=CSRF_MAX_AGE_S)
    except BadSignature:
        return False
    return hmac.compare_digest(str(value), str(nonce))


async def verify_csrf(request: Request) -> None:
    """Every state-changing request carries the token: as a header (htmx, API) or a form field."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get(CSRF_HEADER)
    if not token:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not _valid(request, token):
        raise CsrfFailed()


def safe_next(value: object) -> str:
    """A local path to return to after login; anything that could leave the site becomes "/".
    Browsers read "//host", "///host" and "/\\host" as other sites."""
    target = str(value or "/")
    parts = urlsplit(target)
    unsafe = (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
        or bool(parts.scheme)
        or bool(parts.netloc)
    )
    return "/" if unsafe else target


def client_ip(request: Request) -> str:
    if get_settings().trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            # The trusted proxy appends the address it saw; earlier entries are the client's say.
            return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else "unknown"
