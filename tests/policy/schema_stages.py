"""How the schema tests treat policy documents' stages operations (tests/schema_roles.py reads
REQUIRED and PUBLIC), and the records they need in the seed (seed())."""

from sqlmodel import Session

from app.db import write_again
from app.models.users import User
from app.services import policy
from app.services.policy import stages
from tests.schema_roles import ACCOUNT

# "METHOD /path" (without /api/v1) -> the rank it needs: tests.schema_roles.ACCOUNT or STAFF.
# Moving a document and configuring its stages are the secretariat's, but a caller off the
# drafting team finds no document (404) before being refused, so the least they ask is an
# account.
REQUIRED: dict[str, int] = {
    "POST /documents/{document_id}/transitions": ACCOUNT,
    "PUT /documents/{document_id}/stages": ACCOUNT,
}
# A document's public snapshots and its stages are for anyone once it has a public snapshot;
# until then, and for the snapshots that are not public, anyone off the team gets 404.
PUBLIC: set[str] = {
    "GET /documents/{document_id}/snapshots",
    "GET /documents/{document_id}/snapshots/{number}",
    "GET /documents/{document_id}/stages",
}


def seed(db: Session, staff: User, ids: dict[str, list[int]]) -> dict[str, list[int]]:
    """The seed document moved into caucus review: its snapshot 1 (not public) exists."""
    db.rollback()
    write_again(db)
    document = policy.get_document(db, ids["document_id"][0])
    if document.stage == "drafting":
        stages.transition(db, document=document, actor=staff, action="advance")
    db.rollback()
    return {"number": [1]}
