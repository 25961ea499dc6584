"""minutes: placeholder, filled by the minutes work

Revision ID: f3d6a5b2c806
Revises: e2c5f4a1b705
Create Date: 2026-12-01 12:10:00
"""

from collections.abc import Sequence

revision: str = "f3d6a5b2c806"
down_revision: str | None = "e2c5f4a1b705"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
