"""policy: amendments to paragraphs and their workflow events

Revision ID: d9f4a7b0c3e5
Revises: c8e3f6a9b2d4
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "d9f4a7b0c3e5"
down_revision: str | None = "c8e3f6a9b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
When = app.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "policy_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("base_text", sa.Text(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("replacement", sa.Text(), nullable=False),
        sa.Column("rationale", String(length=2000), nullable=False),
        sa.Column("decision_reason", String(length=1000), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("decided_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["document_id"], ["policy_document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["policy_amendment.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["paragraph_id"], ["policy_paragraph.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["section_id"], ["policy_section.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("document_id", "section_id", "paragraph_id"):
        op.create_index(
            op.f(f"ix_policy_amendment_{column}"), "policy_amendment", [column], unique=False
        )
    op.create_table(
        "policy_amendment_event",
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", String(length=20), nullable=False),
        sa.Column("to_status", String(length=20), nullable=False),
        sa.Column("reason", String(length=1000), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("amendment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["amendment_id"], ["policy_amendment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_policy_amendment_event_amendment_id"),
        "policy_amendment_event",
        ["amendment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_policy_amendment_event_amendment_id"), table_name="policy_amendment_event"
    )
    op.drop_table("policy_amendment_event")
    for column in ("paragraph_id", "section_id", "document_id"):
        op.drop_index(op.f(f"ix_policy_amendment_{column}"), table_name="policy_amendment")
    op.drop_table("policy_amendment")
