"""Recording and reading staff actions."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.models.audit import AuditEvent
from app.models.users import User
from app.services.pagination import page_by_id


def first_text(value: dict[str, str]) -> str:
    """A summary of organiser text given in several languages: the first one, cut short."""
    return next(iter(value.values()), "")[:200]


def record(
    db: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int | None,
    summary: str = "",
) -> None:
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            summary=summary[:500],
        )
    )


def delete(db: Session, *, actor: User, obj: Any, object_type: str, summary: str = "") -> None:
    """Deletes a record and logs who did it, in one transaction."""
    record(
        db, actor=actor, action="delete", object_type=object_type, object_id=obj.id, summary=summary
    )
    db.delete(obj)
    db.commit()


def list_events(
    db: Session, *, limit: int = 50, cursor: str | None = None
) -> tuple[Sequence[AuditEvent], str | None, dict[int, str]]:
    """Newest first, with the actors' names."""
    rows, next_cursor = page_by_id(
        db, select(AuditEvent), col(AuditEvent.id), limit=limit, cursor=cursor, descending=True
    )
    actor_ids = {r.actor_id for r in rows if r.actor_id}
    names: dict[int, str] = {}
    if actor_ids:
        for uid, name in db.execute(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(actor_ids))
        ):
            names[uid] = name
    return rows, next_cursor, names
