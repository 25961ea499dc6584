"""contributions, endorsements, reports, moderation events, attachments, live remarks

Revision ID: 5c0e1b2a7d10
Revises: a892b1a12331
Create Date: 2026-11-22 12:30:00
"""

from collections.abc import Sequence

revision: str = '5c0e1b2a7d10'
down_revision: str | None = 'a892b1a12331'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
