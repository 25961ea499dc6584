"""Permission grid cases for policy documents' amendments (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world()).

The grid's accounts are not on the world's drafting team, so the document, its paragraphs and
amendments do not exist for them (404) until part 2 publishes documents; staff are editors of
every document. Each case runs on a fresh world: the amendments are pending each time."""

from typing import Any

from sqlmodel import Session

from app.db import write_again
from app.models.policy_amendments import AmendmentCreate
from app.models.users import User
from app.services import policy
from app.services.policy import amendments
from tests.grids import STAFF, Case, grid

P_API = "/api/v1/paragraphs/{paragraph_id}/amendments"
A_API = "/api/v1/amendments/{amendment_id}"
P_PAGE = "/paragraphs/{paragraph_id}/amendments"
A_PAGE = "/amendments/{amendment_id}"
_P = "{amend_paragraph_id}"
_A = "{amendment_id}"


def _p(route: str) -> str:
    return route.replace("{paragraph_id}", _P)


def _a(route: str) -> str:
    return route.replace("{amendment_id}", _A)


CASES = grid(
    [
        Case("GET", A_API, STAFF, 200, path=_a(A_API), refused=404, anonymous=404),
        Case(
            "GET",
            "/api/v1/documents/{document_id}/amendments",
            STAFF,
            200,
            refused=404,
            anonymous=404,
        ),
        Case(
            "POST",
            P_API,
            STAFF,
            201,
            path=_p(P_API),
            json={"replacement": "Care is a right of all.", "rationale": "Shorter."},
            refused=404,
        ),
        Case(
            "POST",
            A_API + "/decision",
            STAFF,
            200,
            path=_a(A_API + "/decision"),
            json={"action": "reject", "reason": "Not now."},
            refused=404,
            state="pending",
        ),
        Case(
            "POST",
            A_API + "/rebase",
            STAFF,
            200,
            path=_a(A_API + "/rebase"),
            json={"replacement": "Care is a right of everyone."},
            refused=404,
            state="pending",
        ),
        Case(
            "POST",
            P_API + "/merge",
            STAFF,
            201,
            path=_p(P_API + "/merge"),
            json={
                "amendment_ids": ["{amendment_id}", "{amendment_other_id}"],
                "text": "Care is a right of all, everywhere.",
            },
            refused=404,
            state="pending",
        ),
        Case("GET", P_PAGE + "/new", STAFF, 200, path=_p(P_PAGE + "/new"), refused=404),
        Case(
            "POST",
            P_PAGE,
            STAFF,
            303,
            path=_p(P_PAGE),
            form={"replacement": "Care is a right of all.", "rationale": "Shorter."},
            refused=404,
        ),
        Case("GET", A_PAGE, STAFF, 200, path=_a(A_PAGE), refused=404, anonymous=404),
        Case(
            "GET",
            "/documents/{document_id}/amendments",
            STAFF,
            200,
            refused=404,
            anonymous=404,
        ),
        Case(
            "POST",
            A_PAGE + "/decision",
            STAFF,
            303,
            path=_a(A_PAGE + "/decision"),
            form={"action": "reject", "reason": "Not now."},
            refused=404,
            state="pending",
        ),
        Case(
            "POST",
            A_PAGE + "/rebase",
            STAFF,
            303,
            path=_a(A_PAGE + "/rebase"),
            form={"replacement": "Care is a right of everyone."},
            refused=404,
            state="pending",
        ),
        Case(
            "POST",
            P_PAGE + "/merge",
            STAFF,
            303,
            path=_p(P_PAGE + "/merge"),
            form={
                "from": "{amendment_id}",
                "amendment_ids": ["{amendment_id}", "{amendment_other_id}"],
                "text": "Care is a right of all, everywhere.",
            },
            refused=404,
            state="pending",
        ),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """Two pending amendments (by staff) of the section's first paragraph."""
    made = []
    for text in ("Care is a right of every person.", "Care is everyone's right."):
        # The world's session reads on after its last commit; this write takes the lock again.
        db.rollback()
        write_again(db)
        paragraph = policy.current_paragraphs(db, ids["section_id"])[0]
        made.append(
            amendments.propose(
                db,
                actor=staff,
                paragraph=paragraph,
                data=AmendmentCreate(replacement=text, rationale="Grid."),
            )
        )
    found = {
        "amend_paragraph_id": paragraph.id,
        "amendment_id": made[0].id,
        "amendment_other_id": made[1].id,
    }
    db.rollback()  # no read left open: the next part's world starts from a fresh snapshot
    return found
