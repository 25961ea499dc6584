"""Minutes of a session: the pre-filled draft (draft.py), editing with versions (edit.py), the
workflows (workflows.py, flow.py) and reading (reading.py).

Excerpts point at their originals through the target registry (kind "contribution"); when an
original is deleted the excerpt keeps its text and loses the link. Key points are a kind others
point at ("minutes_point", points.py): a policy paragraph names the point that fed it.
"""

from sqlalchemy import update
from sqlmodel import Session, col

from app.models.minutes import MinutesExcerpt
from app.services import targets
from app.services.minutes.draft import create_draft, place, windows
from app.services.minutes.edit import (
    KINDS,
    SPECS,
    EditConflict,
    add_item,
    added_before,
    delete_item,
    move_item,
    update_header,
    update_item,
)
from app.services.minutes.flow import (
    correction_public,
    credits,
    decide,
    get_correction,
    list_corrections,
    propose,
    transition,
)
from app.services.minutes.points import point_options
from app.services.minutes.reading import (
    Citation,
    Contents,
    attendee_accounts,
    can_view,
    citations,
    contents,
    get_minutes,
    of_session,
    to_public,
)
from app.services.minutes.workflows import CORRECTIONS, MINUTES

__all__ = [
    "CORRECTIONS",
    "KINDS",
    "MINUTES",
    "SPECS",
    "Citation",
    "Contents",
    "EditConflict",
    "add_item",
    "added_before",
    "attendee_accounts",
    "can_view",
    "citations",
    "contents",
    "correction_public",
    "create_draft",
    "credits",
    "decide",
    "delete_item",
    "get_correction",
    "get_minutes",
    "list_corrections",
    "move_item",
    "of_session",
    "place",
    "point_options",
    "propose",
    "to_public",
    "transition",
    "update_header",
    "update_item",
    "windows",
]


def _unlink_excerpts(db: Session, kind: str, target_id: int) -> int:
    """A deleted original: the excerpt stays in the minutes (they are a record), unlinked."""
    result = db.execute(
        update(MinutesExcerpt)
        .where(col(MinutesExcerpt.source_kind) == kind, col(MinutesExcerpt.source_id) == target_id)
        .values(source_kind=None, source_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


targets.on_deleted("minutes_excerpt", _unlink_excerpts)
