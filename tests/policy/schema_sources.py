"""How the schema tests treat policy documents' sources operations (tests/schema_roles.py reads
REQUIRED and PUBLIC), and the records they need in the seed (seed())."""

from sqlmodel import Session

from app.models.users import User

# "METHOD /path" (without /api/v1) -> the rank it needs: tests.schema_roles.ACCOUNT or STAFF.
REQUIRED: dict[str, int] = {}
PUBLIC: set[str] = set()


def seed(db: Session, staff: User, ids: dict[str, list[int]]) -> dict[str, list[int]]:
    """Extra ids for path parameters, given the seed world's ids (document_id, section_id)."""
    return {}
