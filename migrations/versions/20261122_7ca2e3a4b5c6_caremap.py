"""care datasets, runs, crowd reports, evidence pins

Revision ID: 7ca2e3a4b5c6
Revises: 5c0e1b2a7d10
Create Date: 2026-11-22 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.types

revision: str = '7ca2e3a4b5c6'
down_revision: str | None = '5c0e1b2a7d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('care_territory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('description', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('care_dataset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('licence', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['care_territory.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('territory_id', 'kind', 'version')
    )
    op.create_index(op.f('ix_care_dataset_territory_id'), 'care_dataset', ['territory_id'], unique=False)
    op.create_table('care_crowd_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('care_group', sa.String(length=30), nullable=False),
    sa.Column('sphere', sa.String(length=10), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Float(), nullable=True),
    sa.Column('persons', sa.Float(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('dataset_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', app.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dataset_id'], ['care_dataset.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['territory_id'], ['care_territory.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_care_crowd_report_territory_status', 'care_crowd_report', ['territory_id', 'status'], unique=False)
    op.create_table('care_dataset_file',
    sa.Column('dataset_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['dataset_id'], ['care_dataset.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dataset_id')
    )
    op.create_table('care_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory_id', sa.Integer(), nullable=False),
    sa.Column('units_dataset_id', sa.Integer(), nullable=False),
    sa.Column('demand_dataset_id', sa.Integer(), nullable=False),
    sa.Column('supply_dataset_id', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('params_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('n_demand', sa.Integer(), nullable=False),
    sa.Column('n_supply', sa.Integer(), nullable=False),
    sa.Column('n_pairs', sa.Integer(), nullable=False),
    sa.Column('outside_demand', sa.Integer(), nullable=False),
    sa.Column('outside_persons', sa.Float(), nullable=False),
    sa.Column('compute_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['demand_dataset_id'], ['care_dataset.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supply_dataset_id'], ['care_dataset.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['territory_id'], ['care_territory.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['units_dataset_id'], ['care_dataset.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_care_run_territory_id'), 'care_run', ['territory_id'], unique=False)
    op.create_table('care_run_file',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('points_csv_gz', sa.LargeBinary(), nullable=False),
    sa.Column('facilities_csv_gz', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['care_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id')
    )
    op.create_table('care_run_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('care_group', sa.String(length=30), nullable=False),
    sa.Column('persons', sa.Float(), nullable=False),
    sa.Column('capacity_located', sa.Float(), nullable=False),
    sa.Column('accessible_places', sa.Float(), nullable=False),
    sa.Column('coverage', sa.Float(), nullable=True),
    sa.Column('access_per_1000', sa.Float(), nullable=True),
    sa.Column('target_per_1000', sa.Float(), nullable=False),
    sa.Column('gap_places', sa.Float(), nullable=False),
    sa.Column('share_no_access', sa.Float(), nullable=True),
    sa.Column('nearest_median_m', sa.Float(), nullable=True),
    sa.Column('nearest_p90_m', sa.Float(), nullable=True),
    sa.Column('imputed_share', sa.Float(), nullable=False),
    sa.Column('capacity_by_sphere', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('n_points', sa.Integer(), nullable=False),
    sa.Column('n_facilities', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['care_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_care_run_unit_run_group', 'care_run_unit', ['run_id', 'care_group', 'gap_places'], unique=False)
    op.create_table('evidence_pin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('care_group', sa.String(length=30), nullable=False),
    sa.Column('metric', sa.String(length=10), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['care_run.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'care_group', 'metric', 'target_kind', 'target_id')
    )
    op.create_index(op.f('ix_evidence_pin_run_id'), 'evidence_pin', ['run_id'], unique=False)
    op.create_index('ix_evidence_pin_target', 'evidence_pin', ['target_kind', 'target_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_pin_target', table_name='evidence_pin')
    op.drop_index(op.f('ix_evidence_pin_run_id'), table_name='evidence_pin')
    op.drop_table('evidence_pin')
    op.drop_index('ix_care_run_unit_run_group', table_name='care_run_unit')
    op.drop_table('care_run_unit')
    op.drop_table('care_run_file')
    op.drop_index(op.f('ix_care_run_territory_id'), table_name='care_run')
    op.drop_table('care_run')
    op.drop_table('care_dataset_file')
    op.drop_index('ix_care_crowd_report_territory_status', table_name='care_crowd_report')
    op.drop_table('care_crowd_report')
    op.drop_index(op.f('ix_care_dataset_territory_id'), table_name='care_dataset')
    op.drop_table('care_dataset')
    op.drop_table('care_territory')
