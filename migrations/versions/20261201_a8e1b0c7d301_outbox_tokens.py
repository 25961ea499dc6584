"""outbox_tokens: placeholder, filled by the outbox and account-token work

Revision ID: a8e1b0c7d301
Revises: d5e2f8a1c903
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

revision: str = "a8e1b0c7d301"
down_revision: str | None = "d5e2f8a1c903"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
