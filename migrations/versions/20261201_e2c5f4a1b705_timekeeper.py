"""timekeeper: agenda segments' actual start and end, and speakers' turns as timed

Revision ID: e2c5f4a1b705
Revises: d1b4e3f0a604
Create Date: 2026-12-01 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "e2c5f4a1b705"
down_revision: str | None = "d1b4e3f0a604"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = app.models.types.UTCDateTime
RUNNING = "actual_start IS NOT NULL AND actual_end IS NULL"
OPEN = "ended_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("agenda_segment") as batch:
        batch.add_column(sa.Column("actual_start", When(timezone=True), nullable=True))
        batch.add_column(sa.Column("actual_end", When(timezone=True), nullable=True))
    op.create_index(
        "uq_agenda_segment_running",
        "agenda_segment",
        ["session_id"],
        unique=True,
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )
    op.create_table(
        "speaker_turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("started_at", When(timezone=True), nullable=False),
        sa.Column("ended_at", When(timezone=True), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["forum_session.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["agenda_segment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["speaker_id"], ["speaker.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["started_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("session_id", "segment_id", "speaker_id"):
        op.create_index(f"ix_speaker_turn_{column}", "speaker_turn", [column], unique=False)
    op.create_index(
        "uq_speaker_turn_open",
        "speaker_turn",
        ["session_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("uq_speaker_turn_open", table_name="speaker_turn")
    for column in ("speaker_id", "segment_id", "session_id"):
        op.drop_index(f"ix_speaker_turn_{column}", table_name="speaker_turn")
    op.drop_table("speaker_turn")
    op.drop_index("uq_agenda_segment_running", table_name="agenda_segment")
    with op.batch_alter_table("agenda_segment") as batch:
        batch.drop_column("actual_end")
        batch.drop_column("actual_start")
