"""policy: who has a section open in the editor (presence)

Revision ID: c8e3f6a9b2d4
Revises: b7d2e5f8a1c3
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

revision: str = "c8e3f6a9b2d4"
down_revision: str | None = "b7d2e5f8a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
