"""Sessions of a forum, their agendas (segments) and who speaks in each segment.

A session is a registered target (kind "session"): care-map panels are pinned beside it, and
minutes will cite it; deleting one tells the registry, in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app.i18n import N_, format_date, localized
from app.models.forums import (
    AgendaSegment,
    Forum,
    ForumSession,
    SegmentCreate,
    SegmentSpeaker,
    SessionCreate,
    SessionPublic,
    SessionTheme,
    Theme,
)
from app.models.speakers import Organisation, Speaker
from app.models.types import utcnow
from app.models.users import User
from app.services import audit, targets
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.forums import get_forum
from app.services.pagination import page_by_id

# -- sessions ---------------------------------------------------------------------------------


def list_sessions(
    db: Session, *, forum_id: int | None, limit: int, cursor: str | None
) -> tuple[Sequence[ForumSession], str | None]:
    stmt = select(ForumSession)
    if forum_id is not None:
        stmt = stmt.where(col(ForumSession.forum_id) == forum_id)
    return page_by_id(db, stmt, col(ForumSession.id), limit=limit, cursor=cursor)


def upcoming_sessions(db: Session, *, limit: int = 5) -> list[tuple[ForumSession, Forum]]:
    """The next sessions, from a day ago on, so that one under way still shows."""
    rows = db.execute(
        select(ForumSession, Forum)
        .join(Forum, col(Forum.id) == col(ForumSession.forum_id))
        .where(col(ForumSession.starts_at) >= utcnow() - timedelta(days=1))
        .order_by(col(ForumSession.starts_at))
        .limit(limit)
    ).all()
    return [(s, f) for s, f in rows]


def sessions_with_speakers(db: Session, speaker_ids: Any) -> Sequence[ForumSession]:
    """Sessions with at least one of these speakers on the agenda, by start; `speaker_ids` is
    a list of ids or a subquery selecting them."""
    on_agenda = (
        select(col(AgendaSegment.session_id))
        .join(SegmentSpeaker, col(SegmentSpeaker.segment_id) == col(AgendaSegment.id))
        .where(col(SegmentSpeaker.speaker_id).in_(speaker_ids))
    )
    return (
        db.execute(
            select(ForumSession)
            .where(col(ForumSession.id).in_(on_agenda))
            .order_by(col(ForumSession.starts_at))
        )
        .scalars()
        .all()
    )


def get_session(db: Session, session_id: int) -> ForumSession:
    found = db.get(ForumSession, session_id)
    if found is None:
        raise NotFound()
    return found


def _session_fields(db: Session, data: SessionCreate) -> dict[str, Any]:
    get_forum(db, data.forum_id)
    starts_at = data.starts_at
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=ZoneInfo(data.timezone))
    values = data.model_dump(exclude={"theme_ids"})
    values.update(
        starts_at=starts_at.astimezone(UTC),
        online_url=str(data.online_url) if data.online_url else None,
        languages=list(dict.fromkeys(data.languages)),
    )
    return values


def _set_themes(db: Session, session: ForumSession, theme_ids: list[int]) -> None:
    ids = sorted(set(theme_ids))
    if ids:
        valid = set(
            db.execute(
                select(col(Theme.id)).where(
                    col(Theme.id).in_(ids), col(Theme.forum_id) == session.forum_id
                )
            ).scalars()
        )
        if valid != set(ids):
            raise InvalidInput({"theme_ids": [N_("Choose themes of this session's forum.")]})
    db.execute(delete(SessionTheme).where(col(SessionTheme.session_id) == session.id))
    for tid in ids:
        assert session.id is not None
        db.add(SessionTheme(session_id=session.id, theme_id=tid))


def create_session(db: Session, *, actor: User, data: SessionCreate) -> ForumSession:
    session = ForumSession(**_session_fields(db, data))
    db.add(session)
    db.flush()
    _set_themes(db, session, data.theme_ids)
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="session",
        object_id=session.id,
        summary=audit.first_text(session.title),
    )
    db.commit()
    return session


def update_session(
    db: Session, *, actor: User, session: ForumSession, data: SessionCreate
) -> ForumSession:
    for key, value in _session_fields(db, data).items():
        setattr(session, key, value)
    _set_themes(db, session, data.theme_ids)
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="session",
        object_id=session.id,
        summary=audit.first_text(session.title),
    )
    db.commit()
    return session


def delete_session(db: Session, *, actor: User, session: ForumSession) -> None:
    assert session.id is not None
    # What points at the session (pinned panels...) goes in the same transaction.
    targets.deleted(db, kind="session", target_id=session.id)
    audit.delete(
        db, actor=actor, obj=session, object_type="session", summary=audit.first_text(session.title)
    )


def theme_ids_by_session(db: Session, session_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {sid: [] for sid in session_ids}
    if session_ids:
        for sid, tid in db.execute(
            select(col(SessionTheme.session_id), col(SessionTheme.theme_id)).where(
                col(SessionTheme.session_id).in_(session_ids)
            )
        ):
            out[sid].append(tid)
    return out


def session_public(session: ForumSession, theme_ids: list[int]) -> SessionPublic:
    return SessionPublic.model_validate(
        session,
        update={
            "ends_at": session.starts_at + timedelta(minutes=session.duration_minutes),
            "theme_ids": sorted(theme_ids),
        },
    )


@dataclass
class SegmentView:
    segment: AgendaSegment
    starts_at: datetime
    speakers: list[tuple[SegmentSpeaker, Speaker, Organisation | None]] = field(
        default_factory=list
    )


@dataclass
class SessionView:
    session: ForumSession
    forum: Forum
    themes: Sequence[Theme]
    segments: list[SegmentView]

    @property
    def ends_at(self) -> datetime:
        return self.session.starts_at + timedelta(minutes=self.session.duration_minutes)

    @property
    def planned_minutes(self) -> int:
        return sum(s.segment.planned_minutes for s in self.segments)


def session_view(db: Session, session_id: int) -> SessionView:
    """Everything a session page shows, in four queries whatever the agenda's size."""
    session = get_session(db, session_id)
    forum = db.get(Forum, session.forum_id)
    assert forum is not None
    themes = (
        db.execute(
            select(Theme)
            .join(SessionTheme, col(SessionTheme.theme_id) == col(Theme.id))
            .where(col(SessionTheme.session_id) == session_id)
            .order_by(col(Theme.kind).desc(), col(Theme.code))
        )
        .scalars()
        .all()
    )
    return SessionView(session, forum, themes, _segments(db, session))


def _segments(db: Session, session: ForumSession) -> list[SegmentView]:
    segments = (
        db.execute(
            select(AgendaSegment)
            .where(col(AgendaSegment.session_id) == session.id)
            .order_by(col(AgendaSegment.position), col(AgendaSegment.id))
        )
        .scalars()
        .all()
    )
    views: list[SegmentView] = []
    clock = session.starts_at
    for seg in segments:
        views.append(SegmentView(seg, clock))
        clock += timedelta(minutes=seg.planned_minutes)
    by_id = {v.segment.id: v for v in views}
    if by_id:
        rows = db.execute(
            select(SegmentSpeaker, Speaker, Organisation)
            .join(Speaker, col(Speaker.id) == col(SegmentSpeaker.speaker_id))
            .outerjoin(Organisation, col(Organisation.id) == col(Speaker.organisation_id))
            .where(col(SegmentSpeaker.segment_id).in_(list(by_id)))
            .order_by(col(SegmentSpeaker.position), col(Speaker.name))
        ).all()
        for link, speaker, org in rows:
            by_id[link.segment_id].speakers.append((link, speaker, org))
    return views


# -- agenda -----------------------------------------------------------------------------------


def get_segment(db: Session, session: ForumSession, segment_id: int) -> AgendaSegment:
    segment = db.get(AgendaSegment, segment_id)
    if segment is None or segment.session_id != session.id:
        raise NotFound()
    return segment


def _set_speakers(db: Session, segment: AgendaSegment, data: SegmentCreate) -> None:
    ids = [s.speaker_id for s in data.speakers]
    if len(set(ids)) != len(ids):
        raise InvalidInput({"speakers": [N_("Each speaker can be listed only once.")]})
    if ids:
        found = db.execute(select(func.count()).where(col(Speaker.id).in_(ids))).scalar_one()
        if found != len(ids):
            raise InvalidInput({"speakers": [N_("Choose speakers from the list.")]})
    db.execute(delete(SegmentSpeaker).where(col(SegmentSpeaker.segment_id) == segment.id))
    for position, item in enumerate(data.speakers):
        assert segment.id is not None
        db.add(
            SegmentSpeaker(
                segment_id=segment.id, speaker_id=item.speaker_id, role=item.role, position=position
            )
        )


def add_segment(
    db: Session, *, actor: User, session: ForumSession, data: SegmentCreate
) -> AgendaSegment:
    last = db.execute(
        select(func.max(col(AgendaSegment.position))).where(
            col(AgendaSegment.session_id) == session.id
        )
    ).scalar()
    assert session.id is not None
    segment = AgendaSegment(
        session_id=session.id,
        position=data.position or (last or 0) + 1,
        **data.model_dump(include={"title", "description", "planned_minutes"}),
    )
    db.add(segment)
    db.flush()
    _set_speakers(db, segment, data)
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="segment",
        object_id=segment.id,
        summary=audit.first_text(segment.title),
    )
    db.commit()
    return segment


def update_segment(
    db: Session, *, actor: User, segment: AgendaSegment, data: SegmentCreate
) -> AgendaSegment:
    segment.title = {str(k): v for k, v in data.title.items()}
    segment.description = {str(k): v for k, v in data.description.items()}
    segment.planned_minutes = data.planned_minutes
    if data.position is not None:
        segment.position = data.position
    _set_speakers(db, segment, data)
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="segment",
        object_id=segment.id,
        summary=audit.first_text(segment.title),
    )
    db.commit()
    return segment


def move_segment(db: Session, *, actor: User, segment: AgendaSegment, step: int) -> None:
    """Swaps the segment with its neighbour, so keyboard users can reorder without dragging."""
    siblings = list(
        db.execute(
            select(AgendaSegment)
            .where(col(AgendaSegment.session_id) == segment.session_id)
            .order_by(col(AgendaSegment.position), col(AgendaSegment.id))
        ).scalars()
    )
    index = next(i for i, s in enumerate(siblings) if s.id == segment.id)
    target = index + step
    if not 0 <= target < len(siblings):
        raise Conflict(N_("This segment cannot move further."))
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, item in enumerate(siblings, start=1):
        item.position = position
    audit.record(
        db,
        actor=actor,
        action="reorder",
        object_type="segment",
        object_id=segment.id,
        summary=str(step),
    )
    db.commit()


def delete_segment(db: Session, *, actor: User, segment: AgendaSegment) -> None:
    audit.delete(
        db, actor=actor, obj=segment, object_type="segment", summary=audit.first_text(segment.title)
    )


def segment_speakers(db: Session, segment_ids: Sequence[int]) -> dict[int, list[SegmentSpeaker]]:
    out: dict[int, list[SegmentSpeaker]] = {sid: [] for sid in segment_ids}
    if segment_ids:
        for link in db.execute(
            select(SegmentSpeaker)
            .where(col(SegmentSpeaker.segment_id).in_(segment_ids))
            .order_by(col(SegmentSpeaker.position))
        ).scalars():
            out[link.segment_id].append(link)
    return out


# -- the target others point to ---------------------------------------------------------------


def _visible(viewer: User | None, session: ForumSession) -> bool:
    # Sessions have no draft or unpublished state: every session is on the public programme.
    return True


def _options(db: Session, viewer: User | None) -> list[tuple[int, str]]:
    """Sessions, latest first, as a pin form offers them (title and day)."""
    rows = db.execute(
        select(ForumSession).order_by(col(ForumSession.starts_at).desc(), col(ForumSession.id))
    ).scalars()
    return [
        (s.id or 0, f"{localized(s.title)[0]} — {format_date(s.starts_at, 'medium')}") for s in rows
    ]


targets.register(
    targets.TargetKind(
        kind="session",
        label=N_("Session"),
        load=lambda db, target_id: db.get(ForumSession, target_id),
        visible=_visible,
        url=lambda session: f"/sessions/{session.id}",
        title=lambda session: localized(session.title)[0],
        on_delete=targets.OnDelete.remove,
        options=_options,
    )
)


targets.goes_with(
    "forum",
    "session",
    lambda db, forum_id: db.execute(
        select(col(ForumSession.id)).where(col(ForumSession.forum_id) == forum_id)
    ).scalars(),
)
