"""How the schema tests treat policy documents' sources operations (tests/schema_roles.py reads
REQUIRED and PUBLIC), and the records they need in the seed (seed())."""

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import write_again
from app.models.contributions import Contribution
from app.models.policy_sources import Outcome, SourceIn
from app.models.users import User
from app.services import policy
from app.services.policy import amendments, sources
from tests.schema_roles import ACCOUNT

# "METHOD /path" (without /api/v1) -> the rank it needs: tests.schema_roles.ACCOUNT or STAFF.
# A logged-in caller off the drafting team finds no paragraph (404); only editors link.
REQUIRED: dict[str, int] = {
    "POST /paragraphs/{paragraph_id}/sources": ACCOUNT,
    "DELETE /paragraphs/{paragraph_id}/sources": ACCOUNT,
}
# A paragraph's sources and the working text's report: 404 off the drafting team (a public
# snapshot's report is anyone's); where a contribution went: anyone who may see it.
PUBLIC: set[str] = {
    "GET /paragraphs/{paragraph_id}/sources",
    "GET /contributions/{contribution_id}/uptake",
    "GET /documents/{document_id}/listening-report",
}


def seed(db: Session, staff: User, ids: dict[str, list[int]]) -> dict[str, list[int]]:
    """A source on the seed section's first paragraph (a published contribution, if the seed
    holds one), so that listing, relinking and unlinking find something."""
    db.rollback()
    write_again(db)
    contribution_id = db.execute(
        select(col(Contribution.id))
        .where(col(Contribution.status) == "published")
        .order_by(col(Contribution.id))
        .limit(1)
    ).scalar_one_or_none()
    paragraph = policy.current_paragraphs(db, ids["section_id"][0])[0]
    if contribution_id is not None:
        sources.link(
            db,
            place=amendments.paragraph_place(db, paragraph.id or 0),
            actor=staff,
            data=SourceIn(
                target_kind="contribution",
                target_id=contribution_id,
                outcome=Outcome.incorporated,
            ),
        )
    db.rollback()
    return {"paragraph_id": [paragraph.id or 0]}
