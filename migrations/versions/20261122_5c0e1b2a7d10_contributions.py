"""contributions, endorsements, reports, moderation events, attachments, live remarks

Revision ID: 5c0e1b2a7d10
Revises: a892b1a12331
Create Date: 2026-11-22 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy import Text  # noqa: F401 — autogenerate renders JSONB(astext_type=Text())

import app.models.types

revision: str = "5c0e1b2a7d10"
down_revision: str | None = "a892b1a12331"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Full-text search objects, per dialect; written out here (not imported from app/lib/search.py) so
# that this migration stays what it was when later code changes.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE contribution_fts USING fts5(title, body, content='contribution', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER contribution_fts_ai AFTER INSERT ON contribution BEGIN INSERT INTO contribution_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER contribution_fts_ad AFTER DELETE ON contribution BEGIN INSERT INTO contribution_fts(contribution_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER contribution_fts_au AFTER UPDATE OF title, body ON contribution BEGIN INSERT INTO contribution_fts(contribution_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); INSERT INTO contribution_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS contribution_fts_au",
    "DROP TRIGGER IF EXISTS contribution_fts_ad",
    "DROP TRIGGER IF EXISTS contribution_fts_ai",
    "DROP TABLE IF EXISTS contribution_fts",
]
PG_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION townhall_es (COPY = spanish)",
    "ALTER TEXT SEARCH CONFIGURATION townhall_es ALTER MAPPING FOR hword, hword_part, word WITH unaccent, spanish_stem",
    "CREATE TEXT SEARCH CONFIGURATION townhall_pt (COPY = portuguese)",
    "ALTER TEXT SEARCH CONFIGURATION townhall_pt ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem",
    "CREATE TEXT SEARCH CONFIGURATION townhall_en (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION townhall_en ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    "CREATE INDEX ix_contribution_search ON contribution USING gin ((to_tsvector(CASE language WHEN 'es' THEN 'townhall_es'::regconfig WHEN 'pt' THEN 'townhall_pt'::regconfig ELSE 'townhall_en'::regconfig END, coalesce(title, '') || ' ' || body)))",
]
PG_SEARCH_DROP = [
    "DROP INDEX IF EXISTS ix_contribution_search",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS townhall_es",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS townhall_pt",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS townhall_en",
]


def upgrade() -> None:
    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("excerpt", sqlmodel.sql.sqltypes.AutoString(length=281), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("author_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("organisation_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("caucus_id", sa.Integer(), nullable=True),
        sa.Column(
            "links",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("endorsement_count", sa.Integer(), nullable=False),
        sa.Column("open_reports", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("for_minutes", sa.Boolean(), nullable=False),
        sa.Column("moderation_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("source_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("receipt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("received_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["caucus_id"], ["caucus.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["forum_session.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("receipt_hash"),
        sa.UniqueConstraint("source_key"),
    )
    op.create_index(op.f("ix_contribution_author_id"), "contribution", ["author_id"], unique=False)
    op.create_index(
        "ix_contribution_forum_status_id",
        "contribution",
        ["forum_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "ix_contribution_session_status_id",
        "contribution",
        ["session_id", "status", "id"],
        unique=False,
    )
    op.create_index(
        "ix_contribution_status_endorsed",
        "contribution",
        ["status", "endorsement_count", "id"],
        unique=False,
    )
    op.create_index("ix_contribution_status_id", "contribution", ["status", "id"], unique=False)
    op.create_table(
        "live_window",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("opened_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", app.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["forum_session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_attachment_contribution_id"), "attachment", ["contribution_id"], unique=False
    )
    op.create_table(
        "contribution_theme",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["theme_id"], ["theme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contribution_id", "theme_id"),
    )
    op.create_index(
        op.f("ix_contribution_theme_theme_id"), "contribution_theme", ["theme_id"], unique=False
    )
    op.create_table(
        "endorsement",
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("contribution_id", "user_id"),
    )
    op.create_index(op.f("ix_endorsement_user_id"), "endorsement", ["user_id"], unique=False)
    op.create_table(
        "moderation_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_moderation_event_contribution_id"),
        "moderation_event",
        ["contribution_id"],
        unique=False,
    )
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contribution_id", "reporter_id"),
    )
    op.create_index(op.f("ix_report_contribution_id"), "report", ["contribution_id"], unique=False)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_SEARCH if postgres else SQLITE_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_SEARCH_DROP if postgres else SQLITE_SEARCH_DROP:
        op.execute(statement)
    op.drop_index(op.f("ix_report_contribution_id"), table_name="report")
    op.drop_table("report")
    op.drop_index(op.f("ix_moderation_event_contribution_id"), table_name="moderation_event")
    op.drop_table("moderation_event")
    op.drop_index(op.f("ix_endorsement_user_id"), table_name="endorsement")
    op.drop_table("endorsement")
    op.drop_index(op.f("ix_contribution_theme_theme_id"), table_name="contribution_theme")
    op.drop_table("contribution_theme")
    op.drop_index(op.f("ix_attachment_contribution_id"), table_name="attachment")
    op.drop_table("attachment")
    op.drop_table("live_window")
    op.drop_index("ix_contribution_status_id", table_name="contribution")
    op.drop_index("ix_contribution_status_endorsed", table_name="contribution")
    op.drop_index("ix_contribution_session_status_id", table_name="contribution")
    op.drop_index("ix_contribution_forum_status_id", table_name="contribution")
    op.drop_index(op.f("ix_contribution_author_id"), table_name="contribution")
    op.drop_table("contribution")
