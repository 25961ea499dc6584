"""The action log's rule, checked on every case of the permission grids: a privileged action
(a state-changing case that participants and anonymous visitors may not take), taken by a role
that may, writes exactly one row, by that person, that the log page can say in words.
tests/test_action_log.py holds the log's other tests."""

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models.audit import AuditEvent
from app.models.users import Role

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Cases that change nothing, so log nothing, or that are a person's own writing rather than a
# privilege over others' (the drafting team's comments and amendment proposals are their own
# words, like a contribution).
NOTHING_LOGGED = {
    # The grid's forms change nothing: no theme, no session, no caucus before or after; the
    # section is at the revision it would go back to; the speaker already has the floor.
    "POST /contributions/{contribution_id:int}/edit [published]",
    "PATCH /api/v1/contributions/{contribution_id} [published]",
    "POST /sections/{section_id}/revert",
    "POST /api/v1/sections/{section_id}/revert",
    "POST /sessions/{session_id}/timekeeper/turns",
    "POST /api/v1/sessions/{session_id}/timekeeping/turns",
    "POST /paragraphs/{paragraph_id}/amendments",
    "POST /api/v1/paragraphs/{paragraph_id}/amendments",
    "POST /paragraphs/{paragraph_id}/comments",
    "POST /api/v1/paragraphs/{paragraph_id}/comments",
    "POST /comments/{comment_id}/delete",
    "DELETE /api/v1/comments/{comment_id}",
    "POST /comments/{comment_id}/resolution",
    "POST /api/v1/comments/{comment_id}/resolution",
    "POST /documents/import",  # a preview: the confirmation that follows creates the document
}


def privileged(case: Any) -> bool:
    return (
        case.method in WRITE_METHODS
        and case.ok < 400
        and bool(case.who)
        and None not in case.who
        and Role.participant not in case.who
    )


def count(db: Session) -> int:
    """Read in a transaction of its own: a snapshot held open would hide the rows the request
    writes (SQLite) and hold its locks during it."""
    db.commit()
    found = int(db.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
    db.commit()
    return found


def check(db: Session, case: Any, actor_id: int | None, before: int) -> None:
    from app.services import audit

    db.commit()
    rows = list(
        db.execute(select(AuditEvent).order_by(col(AuditEvent.id)).offset(before)).scalars()
    )
    db.commit()
    said = [(r.action, r.object_type) for r in rows]
    if case.id in NOTHING_LOGGED:
        assert rows == [], said
        return
    assert len(rows) == 1, f"a privileged action writes one row in the action log: {said}"
    row = rows[0]
    assert row.actor_id == actor_id, (row.actor_id, actor_id)
    assert audit.described(row.action, row.object_type), f"add a sentence to audit.py: {said}"
    assert row.object_type in audit._OBJECTS, f"add a name to audit.py: {row.object_type}"
