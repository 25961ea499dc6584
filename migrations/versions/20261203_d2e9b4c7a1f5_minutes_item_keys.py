"""minutes item keys: an item added to the minutes with an idempotency key (scoped to its
editor, hashed) is recorded, so a retry after a lost answer or a second tap finds it instead of
adding the key point, decision or turn twice

Revision ID: d2e9b4c7a1f5
Revises: c4a7e2d9f1b3
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d2e9b4c7a1f5"
down_revision: str | None = "c4a7e2d9f1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "minutes_item_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        op.f("ix_minutes_item_key_minutes_id"), "minutes_item_key", ["minutes_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_minutes_item_key_minutes_id"), table_name="minutes_item_key")
    op.drop_table("minutes_item_key")
