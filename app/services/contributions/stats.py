"""A forum's published contributions, counted five ways (the statistics page)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.models.caucuses import Caucus
from app.models.contributions import Contribution, ContributionTheme, Status
from app.models.forums import ForumSession, Theme


@dataclass
class Statistics:
    total: int
    by_session: list[tuple[ForumSession | None, int]]
    by_theme: list[tuple[Theme, int]]
    by_caucus: list[tuple[Caucus | None, int]]
    by_language: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]


def statistics(db: Session, *, forum_id: int) -> Statistics:
    """Published contributions of a forum, counted five ways."""
    base = (col(Contribution.forum_id) == forum_id) & (col(Contribution.status) == Status.published)

    def grouped(column: Any) -> list[tuple[Any, int]]:
        rows = db.execute(
            select(column, func.count()).where(base).group_by(column).order_by(func.count().desc())
        ).all()
        return [(key, int(n)) for key, n in rows]

    sessions = {
        s.id: s
        for s in db.execute(
            select(ForumSession).where(col(ForumSession.forum_id) == forum_id)
        ).scalars()
    }
    caucus_rows = {c.id: c for c in db.execute(select(Caucus)).scalars()}
    theme_rows = db.execute(
        select(Theme, func.count())
        .join(ContributionTheme, col(ContributionTheme.theme_id) == col(Theme.id))
        .join(Contribution, col(Contribution.id) == col(ContributionTheme.contribution_id))
        .where(base)
        .group_by(col(Theme.id))
        .order_by(func.count().desc(), col(Theme.code))
    ).all()
    total = db.execute(select(func.count()).select_from(Contribution).where(base)).scalar_one()
    return Statistics(
        total=int(total),
        by_session=[(sessions.get(k), n) for k, n in grouped(col(Contribution.session_id))],
        by_theme=[(t, int(n)) for t, n in theme_rows],
        by_caucus=[(caucus_rows.get(k), n) for k, n in grouped(col(Contribution.caucus_id))],
        by_language=grouped(col(Contribution.language)),
        by_channel=grouped(col(Contribution.channel)),
    )
