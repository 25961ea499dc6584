"""How the schema tests treat policy documents' amendments operations (tests/schema_roles.py reads
REQUIRED and PUBLIC), and the records they need in the seed (seed())."""

from sqlmodel import Session

from app.db import write_again
from app.models.policy_amendments import AmendmentCreate
from app.models.users import User
from app.services import policy
from app.services.policy import amendments
from tests.schema_roles import ACCOUNT

# "METHOD /path" (without /api/v1) -> the rank it needs: tests.schema_roles.ACCOUNT or STAFF.
# A logged-in caller off the drafting team finds no document, paragraph or amendment (404).
REQUIRED: dict[str, int] = {
    "POST /paragraphs/{paragraph_id}/amendments": ACCOUNT,
    "POST /paragraphs/{paragraph_id}/amendments/merge": ACCOUNT,
    "POST /amendments/{amendment_id}/decision": ACCOUNT,
    "POST /amendments/{amendment_id}/rebase": ACCOUNT,
}
# Until part 2 publishes documents, a reader off the drafting team gets 404.
PUBLIC: set[str] = {
    "GET /amendments/{amendment_id}",
    "GET /documents/{document_id}/amendments",
}


def seed(db: Session, staff: User, ids: dict[str, list[int]]) -> dict[str, list[int]]:
    """Two pending amendments of the seed section's first paragraph (a decision and a merge
    find something to act on)."""
    made = []
    for text in ("Care is a right of every person.", "Care is everyone's right."):
        db.rollback()
        write_again(db)
        paragraph = policy.current_paragraphs(db, ids["section_id"][0])[0]
        made.append(
            amendments.propose(
                db,
                actor=staff,
                paragraph=paragraph,
                data=AmendmentCreate(replacement=text, rationale="Seed."),
            )
        )
    found = {
        "paragraph_id": [paragraph.id or 0],
        "amendment_id": [a.id or 0 for a in made],
    }
    db.rollback()
    return found
