"""policy: threaded comments on paragraphs

Revision ID: e0a5b8c1d4f6
Revises: d9f4a7b0c3e5
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

revision: str = "e0a5b8c1d4f6"
down_revision: str | None = "d9f4a7b0c3e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
