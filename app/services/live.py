"""Live sessions: the secretariat opens a window for remarks and questions, participants post,
and every reader's feed asks the database for what is newer than what it already shows. Polling
the database (not process memory) is what lets several app instances serve one live session."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.contributions import (
    Channel,
    Contribution,
    Kind,
    LiveWindow,
    RemarkCreate,
    Status,
)
from app.models.forums import ForumSession
from app.models.types import utcnow
from app.models.users import User
from app.permissions import can_filter_by_status
from app.services import audit
from app.services.contributions import (
    ListRow,
    Submitted,
    limit_rate,
    make_excerpt,
    public_author,
    replay,
    scoped_key,
    staff_ids,
    store,
    user_names,
)
from app.services.errors import Conflict

REMARK_LIMIT_ACCOUNT = 60
REMARK_LIMIT_IP = 300
FEED_SIZE = 50


def window(db: Session, session_id: int) -> LiveWindow | None:
    return db.get(LiveWindow, session_id)


def is_open(db: Session, session_id: int) -> bool:
    live = window(db, session_id)
    return live is not None and live.is_open


def set_open(
    db: Session, *, actor: User, session: ForumSession, open_: bool, at: datetime | None = None
) -> LiveWindow:
    """Opens or closes the live window; `at` (the demo's past Town Hall) instead of now."""
    assert session.id is not None
    now = at or utcnow()
    live = window(db, session.id)
    if live is None:
        live = LiveWindow(session_id=session.id, is_open=False)
    if open_:
        live.is_open, live.opened_at, live.closed_at = True, now, None
        live.opened_by_id = actor.id
    else:
        live.is_open, live.closed_at = False, now
    db.add(live)
    audit.record(
        db,
        actor=actor,
        action="live.open" if open_ else "live.close",
        object_type="session",
        object_id=session.id,
    )
    db.commit()
    return live


def post_remark(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    data: RemarkCreate,
    ip: str,
    locale: str,
    at: datetime | None = None,
    scope: str | None = None,
) -> Submitted:
    """A remark or question in an open window; `at` (the demo's past Town Hall) instead of
    now."""
    earlier = replay(db, data.idempotency_key, actor, scope)
    if earlier is not None:
        return earlier
    assert session.id is not None
    if not is_open(db, session.id):
        raise Conflict(N_("This session is not open for live remarks."))
    if data.kind == Kind.proposal:
        raise Conflict(N_("Proposals are submitted with the proposal form."))
    limit_rate(
        db,
        action="remark",
        user=actor,
        ip=ip,
        per_user=REMARK_LIMIT_ACCOUNT,
        per_ip=REMARK_LIMIT_IP,
    )
    contribution = Contribution(
        forum_id=session.forum_id,
        session_id=session.id,
        kind=data.kind,
        channel=Channel.live,
        status=Status.published,
        body=data.body.strip(),
        excerpt=make_excerpt(data.body),
        language=data.language or locale,
        author_id=actor.id,
        idempotency_key=scoped_key(scope or f"user:{actor.id}", data.idempotency_key)
        if data.idempotency_key
        else None,
    )
    if at is not None:
        contribution.created_at = contribution.updated_at = at
    return store(db, contribution, (), (), None)


@dataclass
class Feed:
    rows: list[ListRow]
    last_id: int
    pinned: list[ListRow]


def feed(db: Session, *, session_id: int, after: int = 0, viewer: User | None = None) -> Feed:
    """Live remarks and questions, oldest first, newer than `after`; the pinned ones apart.
    Moderators also see hidden ones, marked, so they can restore them."""
    visible = [Status.published]
    if can_filter_by_status(viewer):
        visible.append(Status.hidden)
    base = select(Contribution).where(
        col(Contribution.session_id) == session_id,
        col(Contribution.channel) == Channel.live,
        col(Contribution.status).in_(visible),
    )
    newer = base.where(col(Contribution.id) > after)
    if after:
        rows = list(db.execute(newer.order_by(col(Contribution.id)).limit(FEED_SIZE)).scalars())
    else:
        # The first view shows the latest remarks, still oldest first.
        latest = db.execute(newer.order_by(col(Contribution.id).desc()).limit(FEED_SIZE))
        rows = list(reversed(list(latest.scalars())))
    pinned = list(
        db.execute(
            base.where(col(Contribution.pinned).is_(True)).order_by(col(Contribution.id))
        ).scalars()
    )
    authors = {c.author_id for c in rows + pinned if c.author_id}
    names, staff = user_names(db, authors), staff_ids(db, authors)

    def row(c: Contribution) -> ListRow:
        author = public_author(c, names.get(c.author_id or 0))
        return ListRow(c, author, None, author_is_staff=c.author_id in staff)

    last = max([after, *[c.id or 0 for c in rows]])
    return Feed([row(c) for c in rows], last, [row(c) for c in pinned])


def latest_id(db: Session, session_id: int) -> int:
    value = db.execute(
        select(col(Contribution.id))
        .where(
            col(Contribution.session_id) == session_id, col(Contribution.channel) == Channel.live
        )
        .order_by(col(Contribution.id).desc())
        .limit(1)
    ).scalar()
    return int(value or 0)
