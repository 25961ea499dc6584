"""contribution_staff_tools: placeholder, filled by the staff-tools work

Revision ID: c0a3d2e9f503
Revises: b9f2c1d8e402
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

revision: str = "c0a3d2e9f503"
down_revision: str | None = "b9f2c1d8e402"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
