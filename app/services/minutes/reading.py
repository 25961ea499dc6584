"""Loading minutes and what they hold, in order, as the API and the pages show them."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app import permissions
from app.models.forums import ForumSession
from app.models.minutes import (
    ActionItemPublic,
    AttendeePublic,
    BlockPublic,
    CorrectionNote,
    DecisionPublic,
    ExcerptPublic,
    HeadingPublic,
    LinkPublic,
    Minutes,
    MinutesActionItem,
    MinutesAttendee,
    MinutesBlock,
    MinutesDecision,
    MinutesEvent,
    MinutesExcerpt,
    MinutesHeading,
    MinutesPoint,
    MinutesPointSource,
    MinutesPublic,
    MinutesTurn,
    PointPublic,
    TurnPublic,
)
from app.models.users import User
from app.services import targets
from app.services.errors import NotFound


def get_minutes(db: Session, minutes_id: int) -> Minutes:
    found = db.get(Minutes, minutes_id)
    if found is None:
        raise NotFound()
    return found


def of_session(db: Session, session_id: int) -> Minutes | None:
    return db.execute(
        select(Minutes).where(col(Minutes.session_id) == session_id)
    ).scalar_one_or_none()


def attendee_accounts(db: Session, minutes_id: int) -> set[int]:
    """The accounts that may read the minutes while circulated and propose corrections."""
    rows = db.execute(
        select(col(MinutesAttendee.user_id)).where(
            col(MinutesAttendee.minutes_id) == minutes_id,
            col(MinutesAttendee.user_id).is_not(None),
        )
    ).scalars()
    return {int(r) for r in rows}


def _ordered(db: Session, model: Any, parent: Any, ids: Sequence[int]) -> list[Any]:
    if not ids:
        return []
    return list(
        db.execute(
            select(model).where(parent.in_(ids)).order_by(col(model.position), col(model.id))
        ).scalars()
    )


@dataclass
class Block:
    block: MinutesBlock
    turns: list[MinutesTurn] = field(default_factory=list)
    excerpts: list[MinutesExcerpt] = field(default_factory=list)

    def sequence(self) -> list[MinutesTurn | MinutesExcerpt]:
        """The block as it reads: each turn after the chat excerpts placed before it, then the
        excerpts placed after every turn (each group in its own order)."""
        turn_ids = {t.id for t in self.turns}
        before: dict[int, list[MinutesExcerpt]] = defaultdict(list)
        after: list[MinutesExcerpt] = []
        for excerpt in self.excerpts:
            if excerpt.before_turn_id in turn_ids:
                before[excerpt.before_turn_id or 0].append(excerpt)
            else:
                after.append(excerpt)
        out: list[MinutesTurn | MinutesExcerpt] = []
        for turn in self.turns:
            out.extend(before.get(turn.id or 0, []))
            out.append(turn)
        return out + after


@dataclass
class Heading:
    heading: MinutesHeading
    points: list[MinutesPoint] = field(default_factory=list)


@dataclass
class Contents:
    """Everything the minutes hold, each list in its order."""

    minutes: Minutes
    blocks: list[Block]
    headings: list[Heading]
    decisions: list[MinutesDecision]
    actions: list[MinutesActionItem]
    attendees: list[MinutesAttendee]
    sources: dict[int, list[MinutesPointSource]]
    corrections: list[MinutesEvent]

    def turn(self, turn_id: int) -> MinutesTurn | None:
        return next((t for b in self.blocks for t in b.turns if t.id == turn_id), None)

    def excerpt(self, excerpt_id: int) -> MinutesExcerpt | None:
        return next((e for b in self.blocks for e in b.excerpts if e.id == excerpt_id), None)


def contents(db: Session, minutes: Minutes) -> Contents:
    mid = [minutes.id or 0]
    blocks = _ordered(db, MinutesBlock, col(MinutesBlock.minutes_id), mid)
    block_ids = [b.id for b in blocks]
    by_block: dict[int, Block] = {b.id: Block(b) for b in blocks}
    for turn in _ordered(db, MinutesTurn, col(MinutesTurn.block_id), block_ids):
        by_block[turn.block_id].turns.append(turn)
    for excerpt in _ordered(db, MinutesExcerpt, col(MinutesExcerpt.block_id), block_ids):
        by_block[excerpt.block_id].excerpts.append(excerpt)
    headings = _ordered(db, MinutesHeading, col(MinutesHeading.minutes_id), mid)
    by_heading = {h.id: Heading(h) for h in headings}
    points = _ordered(db, MinutesPoint, col(MinutesPoint.heading_id), [h.id for h in headings])
    for point in points:
        by_heading[point.heading_id].points.append(point)
    sources: dict[int, list[MinutesPointSource]] = defaultdict(list)
    if points:
        for src in db.execute(
            select(MinutesPointSource)
            .where(col(MinutesPointSource.point_id).in_([p.id for p in points]))
            .order_by(col(MinutesPointSource.id))
        ).scalars():
            sources[src.point_id].append(src)
    corrections = list(
        db.execute(
            select(MinutesEvent)
            .where(
                col(MinutesEvent.minutes_id) == minutes.id, col(MinutesEvent.action) == "correct"
            )
            .order_by(col(MinutesEvent.id))
        ).scalars()
    )
    return Contents(
        minutes=minutes,
        blocks=list(by_block.values()),
        headings=list(by_heading.values()),
        decisions=_ordered(db, MinutesDecision, col(MinutesDecision.minutes_id), mid),
        actions=_ordered(db, MinutesActionItem, col(MinutesActionItem.minutes_id), mid),
        attendees=_ordered(db, MinutesAttendee, col(MinutesAttendee.minutes_id), mid),
        sources=dict(sources),
        corrections=corrections,
    )


def source_link(db: Session, excerpt: MinutesExcerpt, viewer: User | None) -> LinkPublic | None:
    """The original of an excerpt, if it still exists and this reader may see it."""
    if excerpt.source_kind is None or excerpt.source_id is None:
        return None
    found = targets.find(db, kind=excerpt.source_kind, target_id=excerpt.source_id, viewer=viewer)
    if found is None:
        return None
    return LinkPublic(kind=found.kind, id=found.id, url=found.url, title=found.title)


def _point(point: MinutesPoint, sources: list[MinutesPointSource]) -> PointPublic:
    return PointPublic(
        id=point.id or 0,
        position=point.position,
        text=point.text,
        changed_at=point.changed_at,
        turn_ids=[s.turn_id for s in sources if s.turn_id],
        excerpt_ids=[s.excerpt_id for s in sources if s.excerpt_id],
    )


def to_public(
    db: Session, data: Contents, viewer: User | None, allowed: list[str]
) -> MinutesPublic:
    m = data.minutes
    return MinutesPublic(
        id=m.id or 0,
        session_id=m.session_id,
        status=m.status,
        version=m.version,
        language=m.language,
        other_participants=m.other_participants,
        requires_circulation=m.requires_circulation,
        circulated_until=m.circulated_until,
        published_at=m.published_at,
        blocks=[
            BlockPublic(
                id=b.block.id or 0,
                position=b.block.position,
                segment_id=b.block.segment_id,
                title=b.block.title,
                changed_at=b.block.changed_at,
                turns=[TurnPublic.model_validate(t, from_attributes=True) for t in b.turns],
                excerpts=[
                    ExcerptPublic(
                        id=e.id or 0,
                        position=e.position,
                        author=e.author,
                        posted_at=e.posted_at,
                        text=e.text,
                        before_turn_id=e.before_turn_id,
                        source=source_link(db, e, viewer),
                        changed_at=e.changed_at,
                    )
                    for e in b.excerpts
                ],
            )
            for b in data.blocks
        ],
        key_points=[
            HeadingPublic(
                id=h.heading.id or 0,
                position=h.heading.position,
                theme_id=h.heading.theme_id,
                title=h.heading.title,
                changed_at=h.heading.changed_at,
                points=[_point(p, data.sources.get(p.id or 0, [])) for p in h.points],
            )
            for h in data.headings
        ],
        decisions=[DecisionPublic.model_validate(d, from_attributes=True) for d in data.decisions],
        action_items=[
            ActionItemPublic.model_validate(a, from_attributes=True) for a in data.actions
        ],
        attendees=[AttendeePublic.model_validate(a, from_attributes=True) for a in data.attendees],
        corrections=[
            CorrectionNote(created_at=e.created_at, note=e.reason) for e in data.corrections
        ],
        allowed_actions=allowed,
    )


@dataclass(frozen=True)
class Citation:
    """Where published minutes quote a record: the session, and the excerpt's address."""

    session_id: int
    session_title: dict[str, str]
    excerpt_id: int
    url: str


def citations(db: Session, *, kind: str, target_id: int) -> list[Citation]:
    """The published minutes that quote this record (for "cited in the minutes of …")."""
    rows = db.execute(
        select(col(ForumSession.id), col(ForumSession.title), col(MinutesExcerpt.id))
        .join(MinutesBlock, col(MinutesBlock.id) == col(MinutesExcerpt.block_id))
        .join(Minutes, col(Minutes.id) == col(MinutesBlock.minutes_id))
        .join(ForumSession, col(ForumSession.id) == col(Minutes.session_id))
        .where(
            col(MinutesExcerpt.source_kind) == kind,
            col(MinutesExcerpt.source_id) == target_id,
            col(Minutes.status).in_(["published", "corrected"]),
        )
        .order_by(col(MinutesExcerpt.id))
    ).all()
    return [
        Citation(int(sid), dict(title), int(eid), f"/sessions/{sid}/minutes#excerpt-{eid}")
        for sid, title, eid in rows
    ]


def can_view(db: Session, user: User | None, minutes: Minutes) -> bool:
    return permissions.can_view_minutes(user, minutes, attendee_accounts(db, minutes.id or 0))
