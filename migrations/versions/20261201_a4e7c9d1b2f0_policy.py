"""policy: policy documents, their drafting team, numbered sections, paragraphs with stable
ids (kept after removal, with what they were merged into), and each section's revisions

Revision ID: a4e7c9d1b2f0
Revises: f3d6a5b2c806
Create Date: 2026-12-01 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "a4e7c9d1b2f0"
down_revision: str | None = "f3d6a5b2c806"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
When = app.models.types.UTCDateTime
JSONType = app.models.types.JSONType


def upgrade() -> None:
    op.create_table(
        "policy_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("title", JSONType, nullable=False),
        sa.Column("language", String(length=5), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False, server_default="drafting"),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_policy_document_forum_id"), "policy_document", ["forum_id"], unique=False
    )

    op.create_table(
        "policy_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["policy_document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["policy_section.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_policy_section_document_id"), "policy_section", ["document_id"], unique=False
    )
    op.create_index(
        op.f("ix_policy_section_parent_id"), "policy_section", ["parent_id"], unique=False
    )

    op.create_table(
        "policy_team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("caucus_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["caucus_id"], ["caucus.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["document_id"], ["policy_document.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "user_id"),
    )
    op.create_index(
        op.f("ix_policy_team_member_document_id"),
        "policy_team_member",
        ["document_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_policy_team_member_user_id"), "policy_team_member", ["user_id"], unique=False
    )

    op.create_table(
        "policy_paragraph",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changed_version", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", When(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["merged_into_id"], ["policy_paragraph.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["section_id"], ["policy_section.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_policy_paragraph_section_id"), "policy_paragraph", ["section_id"], unique=False
    )

    op.create_table(
        "policy_section_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", When(timezone=True), nullable=False),
        sa.Column("title", String(length=300), nullable=False),
        sa.Column("paragraphs", JSONType, nullable=False),
        sa.Column("merges", JSONType, nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("auto_merged", sa.Boolean(), nullable=False),
        sa.Column("note", String(length=1000), nullable=False),
        sa.Column("reverted_from", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["section_id"], ["policy_section.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("section_id", "number"),
    )
    op.create_index(
        op.f("ix_policy_section_revision_section_id"),
        "policy_section_revision",
        ["section_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_policy_section_revision_section_id"), table_name="policy_section_revision"
    )

    op.drop_table("policy_section_revision")
    op.drop_index(op.f("ix_policy_paragraph_section_id"), table_name="policy_paragraph")

    op.drop_table("policy_paragraph")
    op.drop_index(op.f("ix_policy_team_member_user_id"), table_name="policy_team_member")
    op.drop_index(op.f("ix_policy_team_member_document_id"), table_name="policy_team_member")

    op.drop_table("policy_team_member")
    op.drop_index(op.f("ix_policy_section_parent_id"), table_name="policy_section")
    op.drop_index(op.f("ix_policy_section_document_id"), table_name="policy_section")

    op.drop_table("policy_section")
    op.drop_index(op.f("ix_policy_document_forum_id"), table_name="policy_document")

    op.drop_table("policy_document")
