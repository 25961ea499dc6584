"""Snapshots of a policy document, frozen by each move between stages: the text as it stood,
with each paragraph's sources, readable at /documents/{id}/v/{n} for ever."""

from sqlmodel import Session, col, select

from app.models.policy_stages import DocumentSnapshot
from app.services.errors import NotFound


def latest_public(db: Session, document_id: int) -> DocumentSnapshot | None:
    return db.execute(
        select(DocumentSnapshot)
        .where(col(DocumentSnapshot.document_id) == document_id, col(DocumentSnapshot.public))
        .order_by(col(DocumentSnapshot.number).desc())
        .limit(1)
    ).scalar_one_or_none()


def get_snapshot(db: Session, *, document_id: int, number: int) -> DocumentSnapshot:
    found = db.execute(
        select(DocumentSnapshot).where(
            col(DocumentSnapshot.document_id) == document_id,
            col(DocumentSnapshot.number) == number,
        )
    ).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found
