"""Permission grid cases for policy documents' reviews (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world()).

The grid's accounts are not on the world's drafting team: the document does not exist for them
(404). Staff read it and choose its caucuses, but no grid account represents a caucus there, and
not even the secretariat speaks for one: their reviews are refused (403). A representative's
own review, and every other role on the drafting team, are in tests/policy/test_reviews.py."""

from typing import Any

from sqlmodel import Session

from app.models.users import User
from app.services.policy import reviews
from tests.grids import STAFF, Case, grid

REVIEW = "/sections/{section_id}/reviews/{caucus_id}"
_REVIEW = "/sections/{section_id}/reviews/{review_caucus_id}"
CAUCUSES = "/documents/{document_id}/caucuses"

CASES = grid(
    [
        Case(
            "PUT",
            "/api/v1" + REVIEW,
            STAFF,
            403,
            path="/api/v1" + _REVIEW,
            json={"verdict": "object", "note": "Not yet."},
            refused=404,
        ),
        Case(
            "GET",
            "/api/v1" + REVIEW,
            STAFF,
            200,
            path="/api/v1" + _REVIEW,
            refused=404,
            anonymous=404,
        ),
        Case(
            "GET",
            "/api/v1/documents/{document_id}/reviews",
            STAFF,
            200,
            refused=404,
            anonymous=404,
        ),
        Case(
            "PUT",
            "/api/v1" + CAUCUSES,
            STAFF,
            200,
            json={"caucus_ids": ["{review_caucus_id}"]},
            refused=404,
        ),
        Case("GET", REVIEW, STAFF, 200, path=_REVIEW, refused=404, anonymous=404),
        Case(
            "POST",
            REVIEW,
            STAFF,
            403,
            path=_REVIEW,
            form={"verdict": "endorse", "note": "", "seen": "{section_version}"},
            refused=404,
        ),
        Case("GET", CAUCUSES, STAFF, 200, refused=404),
        Case("POST", CAUCUSES, STAFF, 303, form={"caucus_ids": "{review_caucus_id}"}, refused=404),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """A caucus the world's document requires (new documents require the cross-cutting ones)."""
    required = reviews.required_caucus_ids(db, ids["document_id"])
    db.rollback()  # no read left open: the next part's world starts from a fresh snapshot
    return {"review_caucus_id": required[0]}
