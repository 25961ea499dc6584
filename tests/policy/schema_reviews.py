"""How the schema tests treat policy documents' reviews operations (tests/schema_roles.py reads
REQUIRED and PUBLIC), and the records they need in the seed (seed())."""

from sqlmodel import Session

from app.db import write_again
from app.models.users import User
from app.services import policy
from app.services.policy import reviews
from tests.schema_roles import ACCOUNT

# "METHOD /path" (without /api/v1) -> the rank it needs: tests.schema_roles.ACCOUNT or STAFF.
# Choosing the caucuses is the secretariat's, but a caller off the drafting team finds no
# document (404) before being refused, so the least it asks is an account.
REQUIRED: dict[str, int] = {
    "PUT /sections/{section_id}/reviews/{caucus_id}": ACCOUNT,
    "PUT /documents/{document_id}/caucuses": ACCOUNT,
}
# The drafting team and the secretariat read the matrix; anyone else finds no document (404).
PUBLIC: set[str] = {
    "GET /documents/{document_id}/reviews",
    "GET /sections/{section_id}/reviews/{caucus_id}",
}


def seed(db: Session, staff: User, ids: dict[str, list[int]]) -> dict[str, list[int]]:
    """The seed document also requires the seed caucus, so that the review paths' caucus ids
    (the seed's) name a caucus the document asks to sign off."""
    db.rollback()
    write_again(db)
    document = policy.get_document(db, ids["document_id"][0])
    required = reviews.required_caucus_ids(db, document.id or 0)
    reviews.set_required_caucuses(
        db, document=document, actor=staff, caucus_ids=[*required, *ids["caucus_id"]]
    )
    db.rollback()
    return {}
