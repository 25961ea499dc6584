"""Error responses: problem details (RFC 9457) for the API, localised pages for people."""

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import ObjectDeletedError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import N_, gettext, translate_errors
from app.security import safe_next
from app.services.errors import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    InvalidInput,
    RateLimited,
)
from app.templating import render
from app.web.validation import errors_by_field

log = logging.getLogger("townhall")

API_PREFIX = "/api/"
_STATUS_TITLES = {
    400: N_("Bad request"),
    401: N_("Login required"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    415: N_("Unsupported media type"),
    422: N_("Invalid input"),
    429: N_("Too many requests"),
    503: N_("Service busy"),
    500: N_("Server error"),
}
_STATUS_DETAILS = {
    404: N_("We could not find that page."),
    405: N_("This address does not accept that kind of request."),
    500: N_("Something went wrong on our side. Nothing you sent was lost; please try again."),
    503: N_("The site is very busy right now. Please try again in a few seconds."),
    422: N_("One of the values is too long or not valid. Please check what you entered."),
}


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: dict[str, list[str]] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "model": Problem,
        "description": title,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    for code, title in _STATUS_TITLES.items()
    if code in (400, 401, 403, 404, 409, 422, 429)
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _problem(
    status: int,
    detail: str | None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=gettext(_STATUS_TITLES.get(status, _STATUS_TITLES[400])),
        status=status,
        detail=detail,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def _page(
    request: Request, status: int, detail: str | None, headers: dict[str, str] | None = None
) -> Response:
    title = gettext(_STATUS_TITLES.get(status, _STATUS_TITLES[400]))
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
        headers=headers,
    )


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    detail = gettext(exc.message, **exc.params)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if _is_api(request):
        errors = translate_errors(exc.errors) if isinstance(exc, InvalidInput) else None
        return _problem(exc.status, detail, errors, headers)
    if isinstance(exc, AuthenticationRequired) and request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(safe_next(here))}", status_code=303)
    return _page(request, exc.status, detail, headers)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = translate_errors(errors_by_field(exc.errors()))
    if _is_api(request):
        return _problem(422, gettext(InvalidInput.default_message), errors)
    # A malformed address (e.g. /sessions/abc) is, for a person, a page that does not exist.
    status = 404 if any(k.startswith("path.") for k in errors) else 400
    return _page(
        request, status, gettext(_STATUS_DETAILS.get(status, InvalidInput.default_message))
    )


def all_routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from all_routes(included.routes) if included is not None else (route,)


def _allowed_methods(request: Request) -> str:
    """Every method any route accepts at this path; Starlette reports only the first route's."""
    path = request.url.path
    methods: set[str] = set()
    for route in all_routes(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = _STATUS_DETAILS.get(exc.status_code)
    text = gettext(detail) if detail else (exc.detail if isinstance(exc.detail, str) else None)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = (headers or {}) | {"Allow": _allowed_methods(request)}
    if _is_api(request):
        return _problem(exc.status_code, text, headers=headers)
    return _page(request, exc.status_code, text, headers)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = gettext(_STATUS_DETAILS[500])
    if _is_api(request):
        return _problem(500, detail)
    return _page(request, 500, detail)


async def integrity_error(request: Request, exc: Exception) -> Response:
    """Two requests racing to create the same unique thing: the loser gets a conflict."""
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc)
    detail = gettext(Conflict.default_message)
    return _problem(409, detail) if _is_api(request) else _page(request, 409, detail)


async def deleted_meanwhile(request: Request, exc: Exception) -> Response:
    """A record a dependency found was deleted by another request before the endpoint read it
    again (db.hands_back expires what a write request loaded): for this request it is gone."""
    log.info("deleted meanwhile on %s %s: %s", request.method, request.url.path, exc)
    detail = gettext(_STATUS_DETAILS[404])
    return _problem(404, detail) if _is_api(request) else _page(request, 404, detail)


async def data_error(request: Request, exc: Exception) -> Response:
    """A value the database refuses that validation let through: the sender's input, a 422."""
    log.warning("data error on %s %s: %s", request.method, request.url.path, exc)
    detail = gettext(_STATUS_DETAILS[422])
    return _problem(422, detail) if _is_api(request) else _page(request, 422, detail)


async def overloaded(request: Request, exc: Exception) -> Response:
    """No database connection came free in time, or the database is unreachable or full: ask
    the client to retry, with one log line (no traceback per request during an outage)."""
    reason = "database pool exhausted" if isinstance(exc, PoolTimeout) else "database unavailable"
    cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
    log.warning("%s on %s %s: %s", reason, request.method, request.url.path, cause)
    detail = gettext(_STATUS_DETAILS[503])
    headers = {"Retry-After": "5"}
    if _is_api(request):
        return _problem(503, detail, headers=headers)
    return _page(request, 503, detail, headers)


# SQLSTATE classes of failures that are the connection's or the server's state, not the
# statement's: connection exception, insufficient resources (too many clients), operator
# intervention (shutdown, a statement timeout), system error.
_TRANSIENT_SQLSTATES = ("08", "53", "57", "58")
_TRANSIENT_WORDS = (
    # SQLite
    "locked",
    "busy",
    "unable to open database",
    "disk i/o error",
    # PostgreSQL (psycopg), as text when no SQLSTATE came with the error
    "connection refused",
    "connection failed",
    "could not connect",
    "too many clients",
    "remaining connection slots",
    "server closed the connection",
    "terminating connection",
    "connection timeout",
    "timeout expired",
    "the connection is closed",
    "connection is lost",
    "the database system is",
    "canceling statement due to statement timeout",
)


def is_unavailable(exc: BaseException) -> bool:
    """A failure of the connection or of the database's capacity: a retry may succeed."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
        return True
    text = str(orig if orig is not None else exc).lower()
    return any(word in text for word in _TRANSIENT_WORDS)


async def operational_error(request: Request, exc: Exception) -> Response:
    """SQLite still locked after its busy timeout, a refused connection, "too many clients",
    a server that closed the connection: overload or outage, a 503 the client may retry (with
    its idempotency key, nothing is stored twice). Anything else is a server error."""
    if is_unavailable(exc):
        return await overloaded(request, exc)
    return await server_error(request, exc)


def install(app: FastAPI) -> None:
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(ObjectDeletedError, deleted_meanwhile)
    app.add_exception_handler(PoolTimeout, overloaded)
    app.add_exception_handler(OperationalError, operational_error)
    app.add_exception_handler(DBAPIError, operational_error)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
