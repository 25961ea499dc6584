"""scoped idempotency keys: a contribution's stored key becomes a hash of (submitter, key)

Keys of people with an account are scoped to their account, so their retries still replay.
Keys of people without one were never tied to a session: they are scoped to no session at all
(a retry of such an old submission no longer replays it, and no one else's key matches it).

Revision ID: e7a3c1d90b42
Revises: c41e5a9d2b70
Create Date: 2026-12-01 10:40:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7a3c1d90b42"
down_revision: str | None = "c41e5a9d2b70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

contribution = sa.table(
    "contribution",
    sa.column("id", sa.Integer),
    sa.column("author_id", sa.Integer),
    sa.column("idempotency_key", sa.String),
)


def _scoped(scope: str, key: str) -> str:
    # As app.services.contributions.submit.scoped_key (copied: a migration must not change
    # when the app does).
    return hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            contribution.c.id, contribution.c.author_id, contribution.c.idempotency_key
        ).where(contribution.c.idempotency_key.is_not(None))
    ).all()
    for id_, author_id, key in rows:
        scope = f"user:{author_id}" if author_id is not None else "anon:"
        bind.execute(
            contribution.update()
            .where(contribution.c.id == id_)
            .values(idempotency_key=_scoped(scope, key))
        )


def downgrade() -> None:
    # The hashes cannot be turned back into keys: old keys are forgotten, not wrong.
    op.execute(contribution.update().values(idempotency_key=None))
