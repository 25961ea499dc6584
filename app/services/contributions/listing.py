"""Listing contributions: filters, search, two orders with keyset cursors, similar proposals."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Float, Integer, Select, bindparam, column, exists, select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_
from app.lib import search
from app.models.contributions import (
    Contribution,
    ContributionTheme,
    Endorsement,
    Kind,
    Sort,
    Status,
)
from app.models.forums import ForumSession
from app.models.types import MAX_ID
from app.models.users import User
from app.services.contributions.reading import ListRow, public_author
from app.services.errors import InvalidInput

CURSOR_PATTERN = r"^[0-9]{1,10}(\.[0-9]{1,10})?$"
SORTS = tuple(Sort)
_QUERY_FIELDS = (
    "forum_id",
    "session_id",
    "theme_id",
    "caucus_id",
    "language",
    "channel",
    "kind",
    "status",
    "q",
)


@dataclass
class Filters:
    forum_id: int | None = None
    session_id: int | None = None
    theme_id: int | None = None
    caucus_id: int | None = None
    language: str | None = None
    channel: str | None = None
    kind: str | None = None
    status: str | None = None
    q: str = ""
    sort: str = Sort.newest
    mine: bool = False  # the viewer's own contributions, whatever their status

    def query_items(self) -> list[tuple[str, str]]:
        """The filters as query parameters, for links that keep them (pages, export)."""
        items = []
        for name in _QUERY_FIELDS:
            value = getattr(self, name)
            if value not in (None, ""):
                items.append((name, str(value)))
        if self.sort != Sort.newest:
            items.append(("sort", str(self.sort)))
        if self.mine:
            items.append(("mine", "true"))
        return items


def decode_cursor(cursor: str | None, sort: str) -> tuple[int, int] | None:
    """`id` (newest) or `endorsements.id` (most endorsed): the last row of the previous page."""
    if not cursor:
        return None
    head, _, tail = cursor.partition(".")
    if (
        not head.isascii()
        or not head.isdigit()
        or (tail and not (tail.isascii() and tail.isdigit()))
    ):
        raise InvalidInput({"cursor": [N_("This page link is not valid.")]})
    if sort == Sort.endorsed and tail:
        return min(int(head), MAX_ID), min(int(tail), MAX_ID)
    if sort == Sort.endorsed:
        # A link from the newest-first order used with the most-endorsed one: a rule across
        # two parameters, so it belongs to neither.
        raise InvalidInput({"__all__": [N_("This page link is not valid.")]})
    return 0, min(int(head), MAX_ID)


def _filtered(
    db: Session, filters: Filters, viewer: User | None, *, driven_by_search: bool = False
) -> Select[Contribution, str, dict[str, str]]:
    stmt = (
        select(Contribution, col(User.display_name), col(ForumSession.title))
        .outerjoin(User, col(User.id) == col(Contribution.author_id))
        .outerjoin(ForumSession, col(ForumSession.id) == col(Contribution.session_id))
    )
    if filters.mine and viewer is not None:
        # Authors follow their own contributions through moderation.
        stmt = stmt.where(col(Contribution.author_id) == viewer.id)
        if filters.status:
            stmt = stmt.where(col(Contribution.status) == filters.status)
    elif filters.status and permissions.can_filter_by_status(viewer):
        stmt = stmt.where(col(Contribution.status) == filters.status)
    else:
        stmt = stmt.where(col(Contribution.status) == Status.published)
    for name in ("forum_id", "session_id", "caucus_id", "language", "channel", "kind"):
        value = getattr(filters, name)
        if value not in (None, ""):
            stmt = stmt.where(getattr(Contribution, name) == value)
    if filters.theme_id:
        # Correlated on the link's primary key: one index probe per candidate row, where an
        # IN list would first collect every contribution of the theme.
        stmt = stmt.where(
            exists().where(
                col(ContributionTheme.contribution_id) == col(Contribution.id),
                col(ContributionTheme.theme_id) == filters.theme_id,
            )
        )
    if filters.q and not driven_by_search:
        clause = search.matches(db.get_bind().dialect, filters.q)
        if clause is not None:
            stmt = stmt.where(clause)
    return stmt


def list_contributions(
    db: Session,
    *,
    filters: Filters,
    viewer: User | None,
    limit: int = 20,
    cursor: str | None = None,
    mark_endorsed: bool = True,
) -> tuple[list[ListRow], str | None]:
    """One page in the chosen order, with keyset cursors: the cost of a page does not grow with
    the table, and pages do not shift when new contributions arrive. `mark_endorsed=False`
    leaves out which rows the viewer endorsed (a page shared by a role fills them in for each
    reader, `endorsed_among`)."""
    limit = max(1, min(limit, 100))
    driver = None
    if filters.q and filters.sort == Sort.newest and db.get_bind().dialect.name == "sqlite":
        driver = search.sqlite_driver(filters.q)
    stmt = _filtered(db, filters, viewer, driven_by_search=driver is not None)
    after = decode_cursor(cursor, filters.sort)
    cid: Any = col(Contribution.id)
    if driver is not None:
        fts, match = driver
        stmt = stmt.join(fts, fts.c.rowid == col(Contribution.id)).where(match)
        cid = fts.c.rowid  # the same number, in the order the search index walks
    if filters.sort == Sort.endorsed:
        count = col(Contribution.endorsement_count)
        if after is not None:
            stmt = stmt.where((count < after[0]) | ((count == after[0]) & (cid < after[1])))
        stmt = stmt.order_by(count.desc(), cid.desc())
    else:
        if after is not None:
            stmt = stmt.where(cid < after[1])
        stmt = stmt.order_by(cid.desc())
    rows = db.execute(stmt.limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    result = [ListRow(c, public_author(c, name), session_title) for c, name, session_title in rows]
    if viewer is not None and result and mark_endorsed:
        mine = endorsed_among(db, viewer.id, [r.contribution.id for r in result])
        for row in result:
            row.endorsed_by_me = row.contribution.id in mine
    next_cursor = None
    if has_more and result:
        last = result[-1].contribution
        next_cursor = (
            f"{last.endorsement_count}.{last.id}" if filters.sort == Sort.endorsed else str(last.id)
        )
    return result, next_cursor


# Built once (Core, on the table): run on every logged-in list and contribution page.
_ENDORSEMENTS = Endorsement.__table__.c  # type: ignore[attr-defined]
_ENDORSED = select(_ENDORSEMENTS.contribution_id).where(
    _ENDORSEMENTS.user_id == bindparam("user_id"),
    _ENDORSEMENTS.contribution_id.in_(bindparam("ids", expanding=True)),
)


def endorsed_among(db: Session | Connection, user_id: int | None, ids: list[Any]) -> set[int]:
    """Which of these contributions the user endorsed."""
    if not ids:
        return set()
    return set(db.execute(_ENDORSED, {"user_id": user_id, "ids": list(ids)}).scalars())


def similar(db: Session, *, text: str, forum_id: int | None, limit: int = 5) -> list[Contribution]:
    """Published proposals whose words overlap the given title, best first."""
    ranked = search.ranked_ids(db.get_bind().dialect, text)
    if ranked is None:
        return []
    sub = ranked.columns(column("id", Integer), column("rank", Float)).subquery()
    stmt = (
        select(Contribution)
        .join(sub, sub.c.id == col(Contribution.id))
        .where(
            col(Contribution.status) == Status.published, col(Contribution.kind) == Kind.proposal
        )
        .order_by(sub.c.rank.desc(), col(Contribution.id).desc())
        .limit(limit)
    )
    if forum_id:
        stmt = stmt.where(col(Contribution.forum_id) == forum_id)
    return list(db.execute(stmt).scalars())
