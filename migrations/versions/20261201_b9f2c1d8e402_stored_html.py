"""stored_html: placeholder, filled by the stored-HTML work

Revision ID: b9f2c1d8e402
Revises: a8e1b0c7d301
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

revision: str = "b9f2c1d8e402"
down_revision: str | None = "a8e1b0c7d301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
