"""outbox_tokens: the e-mail outbox, single-use account tokens, confirmed e-mail addresses

Revision ID: a8e1b0c7d301
Revises: d5e2f8a1c903
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "a8e1b0c7d301"
down_revision: str | None = "d5e2f8a1c903"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
When = app.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", String(length=254), nullable=False),
        sa.Column("locale", String(length=5), nullable=False),
        sa.Column("subject", String(length=300), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("kind", String(length=40), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("next_attempt_at", When(timezone=True), nullable=False),
        sa.Column("claimed_until", When(timezone=True), nullable=True),
        sa.Column("sent_at", When(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_due", "outbox", ["sent_at", "next_attempt_at"], unique=False)
    op.create_table(
        "account_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", String(length=64), nullable=False),
        sa.Column("email", String(length=254), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("expires_at", When(timezone=True), nullable=False),
        sa.Column("used_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index(op.f("ix_account_token_user_id"), "account_token", ["user_id"], unique=False)
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("email_confirmed_at", When(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("email_confirmed_at")
    op.drop_index(op.f("ix_account_token_user_id"), table_name="account_token")
    op.drop_table("account_token")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
