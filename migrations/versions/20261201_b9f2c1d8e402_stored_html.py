"""stored_html: a contribution's sanitised HTML, made when its body is written

`contribution.body_html` is what pages and the API show, so that no read renders Markdown
(issue 9, finding 13). Existing rows are filled here, a batch at a time: live remarks as plain
text with their links, everything else as Markdown, as app.models.contributions.body_html does.

Revision ID: b9f2c1d8e402
Revises: a8e1b0c7d301
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b9f2c1d8e402"
down_revision: str | None = "a8e1b0c7d301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500

contribution = sa.table(
    "contribution",
    sa.column("id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("body", sa.Text),
    sa.column("body_html", sa.Text),
)


def upgrade() -> None:
    # The sanitiser itself, not a copy: HTML made by an older one would be the weaker one.
    from app.lib import markup

    with op.batch_alter_table("contribution") as batch:
        batch.add_column(sa.Column("body_html", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(contribution.c.id, contribution.c.channel, contribution.c.body)
            .where(contribution.c.id > last)
            .order_by(contribution.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for id_, channel, body in rows:
            html = markup.store_text(body) if channel == "live" else markup.store(body)
            bind.execute(
                contribution.update().where(contribution.c.id == id_).values(body_html=html)
            )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("contribution") as batch:
        batch.drop_column("body_html")
