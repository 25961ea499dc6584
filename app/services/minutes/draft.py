"""The pre-filled draft: what the platform already knows about a session, laid out as minutes,
with nothing invented. One block per agenda segment in order, its speakers as empty turns; the
remarks and contributions marked for the minutes as excerpts under the segment during which
they were posted (by the timekeeper's actual times where recorded, else the planned ones), each
linked to its original; a free block for what fell outside every segment; attendees from the
agenda's speakers and their organisations, each linked to the account that holds the speaker's
e-mail address (confirmed accounts only: an address typed at registration proves nothing until
confirmed, and the link lets its holder read circulated minutes); key-point headings from the
session's themes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.i18n import DEFAULT_LOCALE, LOCALES, N_, localized, translations
from app.models.contributions import Contribution, Status
from app.models.forums import AgendaSegment, ForumSession, SegmentSpeaker, SessionTheme, Theme
from app.models.minutes import (
    Minutes,
    MinutesAttendee,
    MinutesBlock,
    MinutesCreate,
    MinutesExcerpt,
    MinutesHeading,
    MinutesStatus,
    MinutesTurn,
)
from app.models.speakers import Speaker
from app.models.timekeeping import SpeakerTurn
from app.models.users import User
from app.services import audit
from app.services.contributions import public_author, user_names
from app.services.errors import AlreadyDone
from app.services.minutes.reading import of_session

FREE_BLOCK = N_("Other remarks")
HAS_MINUTES = N_("This session already has minutes.")
SOURCE_KIND = "contribution"


@dataclass(frozen=True)
class Window:
    """When a segment ran: actual times where the timekeeper recorded them, else planned."""

    segment: AgendaSegment
    start: datetime
    end: datetime | None  # None: open (an actual start with no end, the last segment)


def windows(session: ForumSession, segments: Sequence[AgendaSegment]) -> list[Window]:
    planned: list[tuple[datetime, datetime]] = []
    clock = session.starts_at
    for seg in segments:
        planned.append((clock, clock + timedelta(minutes=seg.planned_minutes)))
        clock = planned[-1][1]
    starts = [getattr(seg, "actual_start", None) or planned[i][0] for i, seg in enumerate(segments)]
    out: list[Window] = []
    for i, seg in enumerate(segments):
        actual_start = getattr(seg, "actual_start", None)
        end = getattr(seg, "actual_end", None)
        if end is None and actual_start is not None:
            # Started but never ended: it ran until the next one started.
            end = starts[i + 1] if i + 1 < len(segments) else None
        elif end is None:
            end = planned[i][1]
        out.append(Window(seg, starts[i], end))
    return out


def place(at: datetime, spans: Sequence[Window]) -> AgendaSegment | None:
    """The segment under way at `at` (of overlapping ones, the one that started last)."""
    running = [w for w in spans if w.start <= at and (w.end is None or at < w.end)]
    return max(running, key=lambda w: w.start).segment if running else None


def _language(session: ForumSession, wanted: str | None) -> str:
    if wanted:
        return wanted
    return next((code for code in session.languages if code in LOCALES), DEFAULT_LOCALE)


def create_draft(
    db: Session, *, actor: User, session: ForumSession, data: MinutesCreate
) -> Minutes:
    if of_session(db, session.id or 0) is not None:
        raise AlreadyDone(HAS_MINUTES)
    lang = _language(session, data.language)
    minutes = Minutes(
        session_id=session.id or 0,
        status=MinutesStatus.draft,
        language=lang,
        requires_circulation=data.requires_circulation,
        created_by_id=actor.id,
    )
    # Two first clicks at once both find no minutes; the unique key on the session keeps one,
    # and the other is told so as if it had come a moment later.
    try:
        with db.begin_nested():
            db.add(minutes)
            db.flush()
    except IntegrityError:
        raise AlreadyDone(HAS_MINUTES) from None
    segments = list(
        db.execute(
            select(AgendaSegment)
            .where(col(AgendaSegment.session_id) == session.id)
            .order_by(col(AgendaSegment.position), col(AgendaSegment.id))
        ).scalars()
    )
    blocks: dict[int | None, MinutesBlock] = {}
    for position, seg in enumerate(segments, start=1):
        block = MinutesBlock(
            minutes_id=minutes.id or 0,
            segment_id=seg.id,
            position=position,
            title=localized(seg.title, lang)[0],
        )
        db.add(block)
        blocks[seg.id] = block
    free = MinutesBlock(
        minutes_id=minutes.id or 0,
        position=len(segments) + 1,
        title=translations(lang).gettext(FREE_BLOCK),
    )
    db.add(free)
    db.flush()
    _turns_and_attendees(db, minutes, segments, blocks)
    db.flush()
    starts = _timed_starts(db, session, blocks)
    _excerpts(db, session, windows(session, segments), blocks, free, starts)
    _headings(db, minutes, session, lang)
    audit.record(db, actor=actor, action="create", object_type="minutes", object_id=minutes.id)
    db.commit()
    return minutes


def _turns_and_attendees(
    db: Session,
    minutes: Minutes,
    segments: Sequence[AgendaSegment],
    blocks: dict[int | None, MinutesBlock],
) -> None:
    ids = [s.id for s in segments]
    links = (
        list(
            db.execute(
                select(SegmentSpeaker, Speaker)
                .join(Speaker, col(Speaker.id) == col(SegmentSpeaker.speaker_id))
                .where(col(SegmentSpeaker.segment_id).in_(ids))
                .order_by(col(SegmentSpeaker.position), col(SegmentSpeaker.speaker_id))
            ).all()
        )
        if ids
        else []
    )
    order = {seg_id: i for i, seg_id in enumerate(ids)}
    links.sort(key=lambda row: order[row[0].segment_id])
    counts: dict[int, int] = {}
    seen: set[int] = set()
    accounts = _accounts_by_email([speaker.email for _, speaker in links], db)
    for link, speaker in links:
        position = counts[link.segment_id] = counts.get(link.segment_id, 0) + 1
        db.add(
            MinutesTurn(
                block_id=blocks[link.segment_id].id or 0,
                position=position,
                speaker_id=speaker.id,
                speaker_name=speaker.name,
            )
        )
        if speaker.id not in seen:
            seen.add(speaker.id or 0)
            db.add(
                MinutesAttendee(
                    minutes_id=minutes.id or 0,
                    position=len(seen),
                    speaker_id=speaker.id,
                    organisation_id=speaker.organisation_id,
                    name=speaker.name,
                    user_id=accounts.get((speaker.email or "").strip().lower()),
                )
            )


def _accounts_by_email(emails: Sequence[str | None], db: Session) -> dict[str, int]:
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    if not wanted:
        return {}
    rows = db.execute(
        select(func.lower(col(User.email)), col(User.id)).where(
            func.lower(col(User.email)).in_(wanted),
            col(User.email_confirmed_at).is_not(None),
            col(User.is_active).is_(True),
        )
    ).all()
    return {str(email): int(uid) for email, uid in rows}


def _timed_starts(
    db: Session, session: ForumSession, blocks: dict[int | None, MinutesBlock]
) -> dict[int, list[tuple[datetime, int]]]:
    """Per block, when each of its speaker turns began by the timekeeper (a speaker's first
    turn in that segment), in time order, with the minutes' turn it belongs to."""
    timed = db.execute(
        select(
            col(SpeakerTurn.segment_id),
            col(SpeakerTurn.speaker_id),
            func.min(col(SpeakerTurn.started_at)),
        )
        .where(col(SpeakerTurn.session_id) == session.id)
        .group_by(col(SpeakerTurn.segment_id), col(SpeakerTurn.speaker_id))
    ).all()
    first = {(seg, speaker): at for seg, speaker, at in timed}
    out: dict[int, list[tuple[datetime, int]]] = {}
    for segment_id, block in blocks.items():
        turns = db.execute(
            select(MinutesTurn).where(col(MinutesTurn.block_id) == block.id)
        ).scalars()
        found = [
            (_utc(first[(segment_id, t.speaker_id)]), t.id or 0)
            for t in turns
            if (segment_id, t.speaker_id) in first
        ]
        out[block.id or 0] = sorted(found)
    return out


def _utc(value: datetime) -> datetime:
    # min() over a column can come back without the column's type on some backends.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _before(starts: Sequence[tuple[datetime, int]], posted: datetime) -> int | None:
    """The turn that began next after the remark was posted: the remark reads just before it."""
    return next((turn_id for at, turn_id in starts if at > posted), None)


def _excerpts(
    db: Session,
    session: ForumSession,
    spans: Sequence[Window],
    blocks: dict[int | None, MinutesBlock],
    free: MinutesBlock,
    starts: dict[int, list[tuple[datetime, int]]],
) -> None:
    marked = list(
        db.execute(
            select(Contribution)
            .where(
                col(Contribution.session_id) == session.id,
                col(Contribution.for_minutes).is_(True),
                col(Contribution.status) == Status.published,
            )
            .order_by(col(Contribution.created_at), col(Contribution.id))
        ).scalars()
    )
    names = user_names(db, {c.author_id for c in marked if c.author_id})
    counts: dict[int, int] = {}
    for c in marked:
        segment = place(c.created_at, spans)
        block = blocks[segment.id] if segment is not None else free
        position = counts[block.id or 0] = counts.get(block.id or 0, 0) + 1
        db.add(
            MinutesExcerpt(
                block_id=block.id or 0,
                position=position,
                source_kind=SOURCE_KIND,
                source_id=c.id,
                author=public_author(c, names.get(c.author_id or 0)) or "",
                posted_at=c.created_at,
                text=c.body,
                before_turn_id=_before(starts.get(block.id or 0, []), _utc(c.created_at)),
            )
        )


def _headings(db: Session, minutes: Minutes, session: ForumSession, lang: str) -> None:
    themes = db.execute(
        select(Theme)
        .join(SessionTheme, col(SessionTheme.theme_id) == col(Theme.id))
        .where(col(SessionTheme.session_id) == session.id)
        .order_by(col(Theme.kind), col(Theme.code))
    ).scalars()
    for position, theme in enumerate(themes, start=1):
        db.add(
            MinutesHeading(
                minutes_id=minutes.id or 0,
                position=position,
                theme_id=theme.id,
                title=localized(theme.title, lang)[0],
            )
        )
