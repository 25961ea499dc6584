"""minutes: a chat excerpt's place among its block's speaker turns (shown before a turn)

Revision ID: b7d2e5f8a1c3
Revises: a4e7c9d1b2f0
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7d2e5f8a1c3"
down_revision: str | None = "a4e7c9d1b2f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite adds a column with a foreign key only by rebuilding the table.
    with op.batch_alter_table("minutes_excerpt") as batch:
        batch.add_column(sa.Column("before_turn_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_minutes_excerpt_before_turn_id_minutes_turn",
            "minutes_turn",
            ["before_turn_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("minutes_excerpt") as batch:
        batch.drop_constraint("fk_minutes_excerpt_before_turn_id_minutes_turn", type_="foreignkey")
        batch.drop_column("before_turn_id")
