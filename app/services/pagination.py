"""Keyset pagination: stable cursors that do not drift when rows are added, and stay fast."""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlmodel import Session

from app.i18n import N_
from app.models.types import MAX_ID
from app.services.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 100


# The cursor is the last id seen: stable under inserts, and checkable by a schema pattern.
CURSOR_PATTERN = r"^[0-9]{1,10}$"


def encode_cursor(last_id: int) -> str:
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 10:
        raise InvalidInput({"cursor": [N_("This page link is not valid.")]})
    # Past the largest possible id is simply past the end (and must not overflow the column).
    return min(int(cursor), MAX_ID)


def page_by_id(
    db: Session,
    stmt: Select[Any],
    id_column: Any,
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> tuple[Sequence[Any], str | None]:
    """Rows after the cursor, ordered by id, and the cursor of the next page (or None)."""
    limit = max(1, min(limit, MAX_LIMIT))
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(id_column < after if descending else id_column > after)
    order = id_column.desc() if descending else id_column
    rows = db.execute(stmt.order_by(order).limit(limit + 1)).scalars().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].id) if has_more and rows else None
    return rows, next_cursor
