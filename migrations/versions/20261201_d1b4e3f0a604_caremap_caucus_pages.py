"""caremap_caucus_pages: placeholder, filled by the care-map and caucus work

Revision ID: d1b4e3f0a604
Revises: c0a3d2e9f503
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

revision: str = "d1b4e3f0a604"
down_revision: str | None = "c0a3d2e9f503"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
