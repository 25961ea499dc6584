"""append-only action log: before/after columns; summaries no longer hold e-mail addresses;
the database refuses UPDATE and DELETE on audit_event

Revision ID: c4a7e2d9f1b3
Revises: c6f2a8d4e1b9
Create Date: 2026-12-02 06:00:00

A later migration that rebuilds audit_event on SQLite (batch_alter_table copies the table) drops
its triggers with it: such a migration must create them again (see upgrade()).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4a7e2d9f1b3"
down_revision: str | None = "c6f2a8d4e1b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The actions whose summary was the account's or the invitee's address (the log now names
# people by id: an erased account's address must not stay in an append-only table).
_ADDRESS_SUMMARIES = (
    "user.create",
    "user.invite",
    "user.accept",
    "user.confirm",
    "contribution.claim",
)
_MESSAGE = "audit_event is append-only"


def upgrade() -> None:
    op.add_column(
        "audit_event", sa.Column("before", sa.String(100), nullable=False, server_default="")
    )
    op.add_column(
        "audit_event", sa.Column("after", sa.String(100), nullable=False, server_default="")
    )
    audit = sa.table("audit_event", sa.column("action", sa.String), sa.column("summary", sa.String))
    op.execute(audit.update().where(audit.c.action.in_(_ADDRESS_SUMMARIES)).values(summary=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_event_no_{event}")
    with op.batch_alter_table("audit_event") as batch_op:
        batch_op.drop_column("after")
        batch_op.drop_column("before")
