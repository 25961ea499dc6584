"""contribution_staff_tools: the secretariat's official answer on a contribution (Markdown and
its sanitised HTML), reports dismissed by a moderator who kept the contribution, and the before
and after of an edit on its moderation event

Revision ID: c0a3d2e9f503
Revises: b9f2c1d8e402
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "c0a3d2e9f503"
down_revision: str | None = "b9f2c1d8e402"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = app.models.types.UTCDateTime
JSONType = app.models.types.JSONType


def upgrade() -> None:
    with op.batch_alter_table("contribution") as batch:
        batch.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answer_html", sa.Text(), nullable=True))
        batch.add_column(sa.Column("answered_at", When(timezone=True), nullable=True))
    with op.batch_alter_table("report") as batch:
        batch.add_column(
            sa.Column("dismissed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("moderation_event") as batch:
        batch.add_column(sa.Column("changes", JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("moderation_event") as batch:
        batch.drop_column("changes")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("dismissed")
    with op.batch_alter_table("contribution") as batch:
        batch.drop_column("answered_at")
        batch.drop_column("answer_html")
        batch.drop_column("answer")
