"""Permission grid cases for policy documents' comments (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world())."""

from typing import Any

from sqlmodel import Session

from app.db import write_again
from app.models.policy_comments import CommentCreate
from app.models.users import User
from app.services import policy
from app.services.policy import comments
from tests.grids import STAFF, Case, grid

PAGE = "/paragraphs/{paragraph_id}/comments"
ON = "/paragraphs/{comment_paragraph_id}/comments"
ONE = "/comments/{comment_id}"
THE = "/comments/{world_comment_id}"
API = "/api/v1"

# The grid's accounts are not on the world's drafting team: for them the document, and so its
# paragraphs and comments, do not exist (404). The world's comment is the grid staff member's,
# and each role logs in as an account of its own: staff see it but may not edit another
# person's words (403); they may delete it, as moderators. The author's own edits are in
# tests/policy/test_comments.py.
CASES = grid(
    [
        Case("GET", PAGE, STAFF, 200, path=ON, refused=404, anonymous=404),
        Case("POST", PAGE, STAFF, 303, path=ON, form={"body": "Who pays?"}, refused=404),
        Case("GET", ONE + "/edit", STAFF, 403, path=THE + "/edit", refused=404),
        Case(
            "POST",
            ONE + "/edit",
            STAFF,
            403,
            path=THE + "/edit",
            form={"body": "Mine"},
            refused=404,
        ),
        Case("POST", ONE + "/delete", STAFF, 303, path=THE + "/delete", refused=404),
        Case(
            "POST",
            ONE + "/resolution",
            STAFF,
            303,
            path=THE + "/resolution",
            form={"resolved": "true"},
            refused=404,
        ),
        Case("GET", API + PAGE, STAFF, 200, path=API + ON, refused=404, anonymous=404),
        Case(
            "POST", API + PAGE, STAFF, 201, path=API + ON, json={"body": "Who pays?"}, refused=404
        ),
        Case("PATCH", API + ONE, STAFF, 403, path=API + THE, json={"body": "Mine"}, refused=404),
        Case("DELETE", API + ONE, STAFF, 204, path=API + THE, refused=404),
        Case(
            "POST",
            API + ONE + "/resolution",
            STAFF,
            200,
            path=API + THE + "/resolution",
            json={"resolved": True},
            refused=404,
        ),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """Extra records for CASES, given the ids the world already has (document_id, section_id)."""
    # The world's session reads on after its last commit; this write takes the lock again.
    db.rollback()
    write_again(db)
    first = policy.current_paragraphs(db, ids["section_id"])[0]
    place = comments.get_place(db, first.id or 0)
    made = comments.post(db, actor=staff, place=place, data=CommentCreate(body="Say who pays."))
    return {"comment_paragraph_id": first.id, "world_comment_id": made.id}
