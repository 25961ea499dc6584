"""Permission grid cases for policy documents' pages (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world())."""

from typing import Any

from sqlmodel import Session

from app.models.users import User
from tests.grids import ANYONE, GRID_USER_EMAIL, STAFF, Case, grid

DOC = "/documents/{document_id}"
SECTION = "/sections/{section_id}"

# The grid's accounts are not on the world's drafting team: for them the document does not
# exist (404) until part 2 publishes documents, signed in or not; staff reach everything. The
# list is for accounts (it is empty for someone on no team); a new document is the
# secretariat's. The editor and its presence poll need an account first (the login page).
CASES = grid(
    [
        Case("GET", "/documents", ANYONE, 200),  # part 2: the published ones for anyone
        Case("GET", "/documents/new", STAFF, 200),
        Case(
            "POST",
            "/documents",
            STAFF,
            303,
            form={"forum_id": "{forum_id}", "title.en": "Care paper", "language": "en"},
        ),
        Case("GET", DOC, STAFF, 200, refused=404, anonymous=404),
        Case(
            "POST",
            DOC + "/sections",
            STAFF,
            303,
            form={"title": "Financing", "parent_id": "", "body": "Who pays."},
            refused=404,
        ),
        Case(
            "POST",
            DOC + "/team",
            STAFF,
            303,
            form={"email": GRID_USER_EMAIL, "role": "editor", "caucus_id": ""},
            refused=404,
        ),
        Case("GET", SECTION + "/edit", STAFF, 200, refused=404),
        Case(
            "POST",
            SECTION + "/edit",
            STAFF,
            303,
            form={
                "title": "Care",
                "body": "Care is a right of all.",
                "base_version": "{section_version}",
            },
            refused=404,
        ),
        Case("GET", SECTION + "/presence", STAFF, 200, params={"seen": "1"}, refused=404),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """Extra records for CASES, given the ids the world already has (document_id, section_id)."""
    return {}
