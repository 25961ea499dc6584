"""The race a retry can lose to itself: two copies of one request (a double tap, a client's
retry of an answer it never got) both find no earlier result and both insert; the unique
idempotency key lets one in, and the other gives back what that one stored."""

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.models.users import User
from app.services.contributions.submit import scoped_key

T = TypeVar("T")


def stored_by(db: Session, model: type[T], *, actor: User, key: str | None) -> T | None:
    """The row of `model` an earlier attempt of this account with this key stored (its
    `idempotency_key` column holds the key scoped to the account, as a proposal's). Found, the
    read is ended: a replay writes nothing."""
    if not key:
        return None
    stored = scoped_key(f"user:{actor.id}", key)
    column: Any = col(model.idempotency_key)  # type: ignore[attr-defined]
    found = db.execute(select(model).where(column == stored)).scalar_one_or_none()
    if found is not None:
        db.commit()
    return found


def flush_or_replay(db: Session, replay: Callable[[], T | None]) -> T | None:
    """Flushes the new row: None when it went in. When the same key went in first (a unique
    violation), the transaction is rolled back and what `replay` finds for the key is returned;
    another violation is raised as it is."""
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        again = replay()
        if again is None:
            raise
        return again
    return None
