"""care_map_cache: map results cached by dataset versions, parameters and care group

Revision ID: d5e2f8a1c903
Revises: d52f8b3c1e94, e7a3c1d90b42 (also the point where those two branches meet)
Create Date: 2026-12-01 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.types

revision: str = "d5e2f8a1c903"
down_revision: str | tuple[str, ...] | None = ("d52f8b3c1e94", "e7a3c1d90b42")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_map_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("units_dataset_id", sa.Integer(), nullable=False),
        sa.Column("demand_dataset_id", sa.Integer(), nullable=False),
        sa.Column("supply_dataset_id", sa.Integer(), nullable=False),
        sa.Column("params_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("compute_ms", sa.Integer(), nullable=False),
        sa.Column("n_facilities", sa.Integer(), nullable=False),
        sa.Column(
            "rows",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", app.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["territory_id"], ["care_territory.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["units_dataset_id"], ["care_dataset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["demand_dataset_id"], ["care_dataset.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["supply_dataset_id"], ["care_dataset.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        op.f("ix_care_map_cache_territory_id"), "care_map_cache", ["territory_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_care_map_cache_territory_id"), table_name="care_map_cache")
    op.drop_table("care_map_cache")
