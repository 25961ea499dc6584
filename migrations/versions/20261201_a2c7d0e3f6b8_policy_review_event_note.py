"""policy reviews: each review event keeps the note given with its verdict, whole (a note may
be up to 4,000 characters; the event's `reason` column holds 1,000).

Revision ID: a2c7d0e3f6b8
Revises: f1b6c9d2e5a7
Create Date: 2026-12-01 19:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a2c7d0e3f6b8"
down_revision: str | None = "f1b6c9d2e5a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("policy_review_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "note",
                sqlmodel.sql.sqltypes.AutoString(length=4000),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_review_event", schema=None) as batch_op:
        batch_op.drop_column("note")
