"""Shared pieces of the JSON API: page envelopes, query parameters, documented errors."""

from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel

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


def api_router(tag: str) -> APIRouter:
    return APIRouter(prefix="/api/v1", tags=[tag], responses=PROBLEM_RESPONSES)


def pages_router() -> APIRouter:
    return APIRouter(include_in_schema=False)


def replayed(model: type[BaseModel]) -> dict[int | str, dict[str, object]]:
    """The documented answer to a retry with an Idempotency-Key already used: 200 and the
    first result (the first answer was 201)."""
    return {200: {"model": model, "description": "The earlier result for this idempotency key"}}
