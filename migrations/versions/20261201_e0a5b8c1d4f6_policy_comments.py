"""policy: threaded comments on paragraphs

Revision ID: e0a5b8c1d4f6
Revises: d9f4a7b0c3e5
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.types

revision: str = "e0a5b8c1d4f6"
down_revision: str | None = "d9f4a7b0c3e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = app.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "policy_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("paragraph_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("edited_at", When(timezone=True), nullable=True),
        sa.Column("deleted_at", When(timezone=True), nullable=True),
        sa.Column("resolved_at", When(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("reopened_at", When(timezone=True), nullable=True),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["document_id"], ["policy_document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paragraph_id"], ["policy_paragraph.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["policy_comment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reopened_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["thread_id"], ["policy_comment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for name in ("document_id", "paragraph_id", "thread_id", "parent_id"):
        op.create_index(op.f(f"ix_policy_comment_{name}"), "policy_comment", [name], unique=False)


def downgrade() -> None:
    for name in ("parent_id", "thread_id", "paragraph_id", "document_id"):
        op.drop_index(op.f(f"ix_policy_comment_{name}"), table_name="policy_comment")
    op.drop_table("policy_comment")
