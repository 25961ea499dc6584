"""The working text of an adopted document is final: once a document is in the last of its
stages, saves, reverts, new sections and accepted amendments are refused (409).

Its own module, importing only models, because the core's saving and creation services call it
and the stage service imports the core.
"""

from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.policy import PolicyDocument
from app.models.policy_stages import DocumentStage
from app.services.errors import Conflict

LOCKED = N_(
    "This document has been adopted: its text is final and can no longer be changed. Its "
    "adopted version stays readable in its list of versions."
)


def last_stage_key(db: Session, document_id: int) -> str | None:
    return db.execute(
        select(col(DocumentStage.key))
        .where(col(DocumentStage.document_id) == document_id)
        .order_by(col(DocumentStage.position).desc())
        .limit(1)
    ).scalar_one_or_none()


def ensure_open(db: Session, document_id: int) -> None:
    """Raises 409 when the document is in its last stage. The stage is read FOR SHARE: on
    PostgreSQL a move between stages (an UPDATE of the row) waits for the writes that checked
    it, and a write that starts meanwhile waits for the move, so a snapshot never misses a save
    that was acknowledged before it, and no save lands after adoption. (SQLite serialises
    writers anyway.)"""
    stage = db.execute(
        select(col(PolicyDocument.stage))
        .where(col(PolicyDocument.id) == document_id)
        .with_for_update(read=True)
    ).scalar_one_or_none()
    if stage is not None and stage == last_stage_key(db, document_id):
        db.rollback()
        raise Conflict(LOCKED)


def is_locked(db: Session, document: PolicyDocument) -> bool:
    return document.stage == last_stage_key(db, document.id or 0)
