"""minutes: minutes of a session, their blocks, turns, excerpts, key points, decisions, action
items, attendees, attendees' corrections, and the events of both workflows

Revision ID: f3d6a5b2c806
Revises: e2c5f4a1b705
Create Date: 2026-12-01 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "f3d6a5b2c806"
down_revision: str | None = "e2c5f4a1b705"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
When = app.models.types.UTCDateTime
JSONType = app.models.types.JSONType


def upgrade() -> None:
    op.create_table(
        "minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", String(length=5), nullable=False),
        sa.Column("other_participants", sa.Integer(), nullable=False),
        sa.Column("requires_circulation", sa.Boolean(), nullable=False),
        sa.Column("circulated_until", When(timezone=True), nullable=True),
        sa.Column("published_at", When(timezone=True), nullable=True),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["forum_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_minutes_session_id"), "minutes", ["session_id"], unique=True)
    op.create_table(
        "minutes_action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_action_item_minutes_id"),
        "minutes_action_item",
        ["minutes_id"],
        unique=False,
    )
    op.create_table(
        "minutes_attendee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("name", String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["speaker_id"], ["speaker.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_attendee_minutes_id"), "minutes_attendee", ["minutes_id"], unique=False
    )
    op.create_table(
        "minutes_block",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", String(length=300), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["segment_id"], ["agenda_segment.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_block_minutes_id"), "minutes_block", ["minutes_id"], unique=False
    )
    op.create_table(
        "minutes_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("item_kind", String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("replacement", sa.Text(), nullable=False),
        sa.Column("reason", String(length=1000), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", String(length=1000), nullable=False),
        sa.Column("decided_at", When(timezone=True), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposer_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_correction_minutes_id"), "minutes_correction", ["minutes_id"], unique=False
    )
    op.create_table(
        "minutes_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_decision_minutes_id"), "minutes_decision", ["minutes_id"], unique=False
    )
    op.create_table(
        "minutes_event",
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", String(length=20), nullable=False),
        sa.Column("to_status", String(length=20), nullable=False),
        sa.Column("reason", String(length=1000), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_event_minutes_id"), "minutes_event", ["minutes_id"], unique=False
    )
    op.create_table(
        "minutes_heading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("title", String(length=300), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_heading_minutes_id"), "minutes_heading", ["minutes_id"], unique=False
    )
    op.create_table(
        "minutes_correction_event",
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", String(length=20), nullable=False),
        sa.Column("to_status", String(length=20), nullable=False),
        sa.Column("reason", String(length=1000), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correction_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["correction_id"], ["minutes_correction.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_correction_event_correction_id"),
        "minutes_correction_event",
        ["correction_id"],
        unique=False,
    )
    op.create_table(
        "minutes_excerpt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_kind", String(length=30), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("author", String(length=200), nullable=False),
        sa.Column("posted_at", When(timezone=True), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["minutes_block.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_excerpt_block_id"), "minutes_excerpt", ["block_id"], unique=False
    )
    op.create_index(
        op.f("ix_minutes_excerpt_source_id"), "minutes_excerpt", ["source_id"], unique=False
    )
    op.create_table(
        "minutes_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("heading_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["heading_id"], ["minutes_heading.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_minutes_point_heading_id"), "minutes_point", ["heading_id"], unique=False
    )
    op.create_table(
        "minutes_turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=True),
        sa.Column("speaker_name", String(length=200), nullable=False),
        sa.Column("points", JSONType, nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["block_id"], ["minutes_block.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["speaker_id"], ["speaker.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_minutes_turn_block_id"), "minutes_turn", ["block_id"], unique=False)
    op.create_table(
        "minutes_point_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("excerpt_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["excerpt_id"], ["minutes_excerpt.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["point_id"], ["minutes_point.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["turn_id"], ["minutes_turn.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("point_id", "turn_id", "excerpt_id"),
    )
    op.create_index(
        op.f("ix_minutes_point_source_point_id"), "minutes_point_source", ["point_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_minutes_point_source_point_id"), table_name="minutes_point_source")
    op.drop_table("minutes_point_source")
    op.drop_index(op.f("ix_minutes_turn_block_id"), table_name="minutes_turn")
    op.drop_table("minutes_turn")
    op.drop_index(op.f("ix_minutes_point_heading_id"), table_name="minutes_point")
    op.drop_table("minutes_point")
    op.drop_index(op.f("ix_minutes_excerpt_block_id"), table_name="minutes_excerpt")
    op.drop_index(op.f("ix_minutes_excerpt_source_id"), table_name="minutes_excerpt")
    op.drop_table("minutes_excerpt")
    op.drop_index(
        op.f("ix_minutes_correction_event_correction_id"), table_name="minutes_correction_event"
    )
    op.drop_table("minutes_correction_event")
    op.drop_index(op.f("ix_minutes_heading_minutes_id"), table_name="minutes_heading")
    op.drop_table("minutes_heading")
    op.drop_index(op.f("ix_minutes_event_minutes_id"), table_name="minutes_event")
    op.drop_table("minutes_event")
    op.drop_index(op.f("ix_minutes_decision_minutes_id"), table_name="minutes_decision")
    op.drop_table("minutes_decision")
    op.drop_index(op.f("ix_minutes_correction_minutes_id"), table_name="minutes_correction")
    op.drop_table("minutes_correction")
    op.drop_index(op.f("ix_minutes_block_minutes_id"), table_name="minutes_block")
    op.drop_table("minutes_block")
    op.drop_index(op.f("ix_minutes_attendee_minutes_id"), table_name="minutes_attendee")
    op.drop_table("minutes_attendee")
    op.drop_index(op.f("ix_minutes_action_item_minutes_id"), table_name="minutes_action_item")
    op.drop_table("minutes_action_item")
    op.drop_index(op.f("ix_minutes_session_id"), table_name="minutes")
    op.drop_table("minutes")
