"""Shared pieces of the JSON API: page envelopes, query parameters, documented errors."""

import functools
import hashlib
import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.db import request_sessions
from app.services.pagination import CURSOR_PATTERN
from app.web.errors import PROBLEM_RESPONSES

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


Limit = Annotated[int, Query(ge=1, le=100, description="Items per page")]
Cursor = Annotated[
    str | None,
    Query(pattern=CURSOR_PATTERN, description="`next_cursor` from the previous page"),
]


def _closing_sessions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A plain `def` endpoint runs in a worker thread, and FastAPI then validates its result in
    another one: the request's database sessions are closed in the first, as the endpoint
    returns, so their connections are back in the pool before the response waits for a
    thread. (Without it, under a burst, every connection is held by a finished request waiting
    for a thread, and every thread waits for a connection.) An async endpoint has no such hop,
    and its dependency closes the session as usual."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for session in request_sessions.get() or ():
                session.close()

    return run


class RequestSessions(APIRoute):
    """The route class of every router: the request's sessions are recorded while its
    dependencies open them (db.get_session) and closed when the endpoint returns."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _closing_sessions(endpoint), **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            token = request_sessions.set([])
            try:
                return await handler(request)
            finally:
                request_sessions.reset(token)

        return handle


def api_router(tag: str) -> APIRouter:
    return APIRouter(
        prefix="/api/v1", tags=[tag], responses=PROBLEM_RESPONSES, route_class=RequestSessions
    )


def pages_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=RequestSessions)


def replayed(model: type[BaseModel]) -> dict[int | str, dict[str, object]]:
    """The documented answer to a retry with an Idempotency-Key already used: 200 and the
    first result (the first answer was 201)."""
    return {200: {"model": model, "description": "The earlier result for this idempotency key"}}


IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key returns the first result instead of a copy",
    ),
]


def header_key(value: str | None) -> str | None:
    """The key an `Idempotency-Key` header stands for: any opaque string a client chooses,
    stored as its hash so it fits the column (then scoped to the submitter, as a form's)."""
    if value and value.strip():
        return hashlib.sha256(value.strip().encode()).hexdigest()
    return None
