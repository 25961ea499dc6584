"""How the schema tests treat policy documents' comments operations (tests/schema_roles.py reads
REQUIRED and PUBLIC), and the records they need in the seed (seed())."""

from sqlmodel import Session

from app.db import write_again
from app.models.policy_comments import CommentCreate
from app.models.users import User
from app.services import policy
from app.services.policy import comments
from tests.schema_roles import ACCOUNT

# "METHOD /path" (without /api/v1) -> the rank it needs: tests.schema_roles.ACCOUNT or STAFF.
# A logged-in caller off the drafting team finds no paragraph and no comment (404).
REQUIRED: dict[str, int] = {
    "POST /paragraphs/{paragraph_id}/comments": ACCOUNT,
    "PATCH /comments/{comment_id}": ACCOUNT,
    "DELETE /comments/{comment_id}": ACCOUNT,
    "POST /comments/{comment_id}/resolution": ACCOUNT,
}
# Until part 2 publishes documents, a reader off the drafting team gets 404.
PUBLIC: set[str] = {"GET /paragraphs/{paragraph_id}/comments"}


def seed(db: Session, staff: User, ids: dict[str, list[int]]) -> dict[str, list[int]]:
    """Extra ids for path parameters, given the seed world's ids (document_id, section_id)."""
    # The seed's session reads on after its last commit; this write takes the lock again.
    db.rollback()
    write_again(db)
    paragraphs = policy.current_paragraphs(db, ids["section_id"][0])
    place = comments.get_place(db, paragraphs[0].id or 0)
    top = comments.post(db, actor=staff, place=place, data=CommentCreate(body="Who pays?"))
    db.rollback()
    write_again(db)
    reply = comments.post(
        db,
        actor=staff,
        place=place,
        data=CommentCreate(body="The state.", parent_id=top.id),
    )
    found = {
        # Other parts name paragraphs too (amendments): theirs stay.
        "paragraph_id": sorted(set(ids.get("paragraph_id", [])) | {p.id or 0 for p in paragraphs}),
        "comment_id": [top.id or 0, reply.id or 0],
    }
    db.rollback()
    write_again(db)
    return found
