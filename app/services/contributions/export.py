"""Open data: published contributions without anyone's name or address, as CSV or JSON."""

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.lib.csvout import csv_lines
from app.models.caucuses import Caucus
from app.models.forums import Theme
from app.services.contributions.listing import Filters, list_contributions
from app.services.contributions.reading import theme_ids_of

EXPORT_FIELDS = (
    "id",
    "forum_id",
    "session_id",
    "kind",
    "channel",
    "language",
    "title",
    "body",
    "organisation_name",
    "caucus",
    "themes",
    "links",
    "endorsements",
    "created_at",
    "url",
)


def export_rows(db: Session, *, filters: Filters, base_url: str) -> Iterator[dict[str, Any]]:
    """Published contributions as open data: no names or e-mail addresses of persons, no
    account ids. Read in keyset batches."""
    caucuses = dict(db.execute(select(col(Caucus.id), col(Caucus.code))).all())
    themes = dict(db.execute(select(col(Theme.id), col(Theme.code))).all())
    public = replace(filters, status=None)
    cursor: str | None = None
    while True:
        rows, cursor = list_contributions(db, filters=public, viewer=None, limit=100, cursor=cursor)
        ids = [r.contribution.id for r in rows if r.contribution.id is not None]
        theme_map = theme_ids_of(db, ids)
        for row in rows:
            c = row.contribution
            assert c.id is not None
            yield {
                "id": c.id,
                "forum_id": c.forum_id,
                "session_id": c.session_id,
                "kind": c.kind,
                "channel": c.channel,
                "language": c.language,
                "title": c.title,
                "body": c.body,
                "organisation_name": c.organisation_name,
                "caucus": caucuses.get(c.caucus_id) if c.caucus_id else None,
                "themes": [themes[t] for t in theme_map[c.id] if t in themes],
                "links": c.links,
                "endorsements": c.endorsement_count,
                "created_at": c.created_at.isoformat(),
                "url": f"{base_url}/contributions/{c.id}",
            }
        if cursor is None:
            return


def export_csv(db: Session, *, filters: Filters, base_url: str) -> Iterator[str]:
    """The export as CSV chunks. The rows are read before the first chunk, so the response
    streams after the database work is done (no connection held while the client reads)."""
    rows = list(export_rows(db, filters=filters, base_url=base_url))
    return csv_lines(EXPORT_FIELDS, rows)


def export_json(db: Session, *, filters: Filters, base_url: str) -> str:
    rows = list(export_rows(db, filters=filters, base_url=base_url))
    return json.dumps({"contributions": rows}, ensure_ascii=False, default=str)
