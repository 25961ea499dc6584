"""Permission grid cases for policy documents' stages (tests/test_permissions.py runs them), and
the records they need, added to the grid's world (tests/policy/grid_world.py calls world())."""

from typing import Any

from sqlmodel import Session

from app.models.users import User
from tests.grids import grid

CASES = grid([])


def world(db: Session, staff: User, ids: dict[str, Any]) -> dict[str, Any]:
    return {}
