"""comment idempotency keys: a paragraph comment can carry the scoped key a proposal does, so a
client retrying after a lost answer (the bench's kill -9) does not post it twice

Revision ID: b3d8e1f4a9c2
Revises: a2c7d0e3f6b8
Create Date: 2026-12-02 02:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b3d8e1f4a9c2"
down_revision: str | None = "a2c7d0e3f6b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("policy_comment") as batch_op:
        batch_op.add_column(
            sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_unique_constraint("uq_policy_comment_idempotency_key", ["idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("policy_comment") as batch_op:
        batch_op.drop_constraint("uq_policy_comment_idempotency_key", type_="unique")
        batch_op.drop_column("idempotency_key")
