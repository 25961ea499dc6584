"""Permission grid cases for policy documents' history pages (tests/test_permissions.py runs
them), and the records they need, added to the grid's world (grid_world.py calls world())."""

from typing import Any

from sqlmodel import Session

from app.models.users import User
from tests.grids import grid

CASES = grid([])


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    """Extra records for CASES, given the ids the world already has (document_id, section_id)."""
    return {}
