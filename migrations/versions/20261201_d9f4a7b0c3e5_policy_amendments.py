"""policy: amendments to paragraphs and their workflow events

Revision ID: d9f4a7b0c3e5
Revises: c8e3f6a9b2d4
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

revision: str = "d9f4a7b0c3e5"
down_revision: str | None = "c8e3f6a9b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
