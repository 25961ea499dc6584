"""Permission grid cases for policy documents' history pages (tests/test_permissions.py runs
them), and the records they need, added to the grid's world (grid_world.py calls world())."""

from typing import Any

from sqlmodel import Session

from app.models.users import User
from tests.grids import STAFF, Case, grid

SECTION = "/sections/{section_id}"

# The grid's accounts are not on the world's drafting team: for them the document and its
# history do not exist (404), signed in or not; staff reach everything. Restoring needs an
# account (401 for a form post, the login page for the confirmation page).
CASES = grid(
    [
        Case("GET", SECTION + "/history", STAFF, 200, refused=404, anonymous=404),
        Case("GET", "/documents/{document_id}/history", STAFF, 200, refused=404, anonymous=404),
        Case("GET", SECTION + "/diff", STAFF, 200, refused=404, anonymous=404),
        Case("GET", SECTION + "/blame", STAFF, 200, refused=404, anonymous=404),
        Case("GET", SECTION + "/revert", STAFF, 200, params={"revision": 1}, refused=404),
        Case("POST", SECTION + "/revert", STAFF, 303, form={"revision": 1}, refused=404),
    ]
)


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """Extra records for CASES, given the ids the world already has (document_id, section_id)."""
    return {}
