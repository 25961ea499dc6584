"""care datasets, runs, crowd reports, evidence pins

Revision ID: 7ca2e3a4b5c6
Revises: 5c0e1b2a7d10
Create Date: 2026-11-22 12:30:00
"""

from collections.abc import Sequence

revision: str = '7ca2e3a4b5c6'
down_revision: str | None = '5c0e1b2a7d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
