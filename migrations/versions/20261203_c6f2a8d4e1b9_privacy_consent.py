"""privacy consent: the version of the privacy notice a person agreed to, and when, on their
account (registration, an accepted invitation) and on a proposal sent without an account

Revision ID: c6f2a8d4e1b9
Revises: b3d8e1f4a9c2
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.types

revision: str = "c6f2a8d4e1b9"
down_revision: str | None = "b3d8e1f4a9c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = app.models.types.UTCDateTime
TABLES = ("user", "contribution")


def upgrade() -> None:
    # Nullable, no default: rows from before the notice existed agreed to no version of it.
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("privacy_consent_at", When(timezone=True), nullable=True))
            batch.add_column(
                sa.Column(
                    "privacy_notice_version",
                    sqlmodel.sql.sqltypes.AutoString(length=20),
                    nullable=True,
                )
            )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("privacy_notice_version")
            batch.drop_column("privacy_consent_at")
