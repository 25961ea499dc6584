"""policy: who has a section open in the editor (presence)

Revision ID: c8e3f6a9b2d4
Revises: b7d2e5f8a1c3
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "c8e3f6a9b2d4"
down_revision: str | None = "b7d2e5f8a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = app.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "policy_section_presence",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["section_id"], ["policy_section.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("section_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("policy_section_presence")
