"""amendment idempotency keys: an amendment can carry the scoped key a comment does, so a
second tap on the form or a client retrying after a lost answer does not propose it twice

Revision ID: e5f1a3c8b2d6
Revises: d2e9b4c7a1f5
Create Date: 2026-12-03 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "e5f1a3c8b2d6"
down_revision: str | None = "d2e9b4c7a1f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("policy_amendment") as batch_op:
        batch_op.add_column(
            sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_unique_constraint(
            "uq_policy_amendment_idempotency_key", ["idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("policy_amendment") as batch_op:
        batch_op.drop_constraint("uq_policy_amendment_idempotency_key", type_="unique")
        batch_op.drop_column("idempotency_key")
