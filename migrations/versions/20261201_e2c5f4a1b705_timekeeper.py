"""timekeeper: placeholder, filled by the timekeeper work

Revision ID: e2c5f4a1b705
Revises: d1b4e3f0a604
Create Date: 2026-12-01 12:10:00
"""

from collections.abc import Sequence

revision: str = "e2c5f4a1b705"
down_revision: str | None = "d1b4e3f0a604"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
