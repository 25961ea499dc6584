"""The timekeeper: the actual start and end of each agenda segment, and each speaker's turn.

Starting a segment ends the one running (and its turn); starting a turn ends the turn under
way. Every step is a compare-and-set update, so a double tap, or two staff members tapping at
once, changes nothing the second time: the second request finds the step done and returns
the same state. A partial unique index (one running segment, one open turn per session) backs
this on PostgreSQL, where two transactions may both read "nothing running" before either
writes. Every change is in the audit log.

Afterwards the secretariat corrects what a tap got wrong (a segment started late, a turn given
to the wrong speaker): times are set by hand, checked against each other, and a mistaken turn
is removed; each correction is in the audit log too.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exc, select, update
from sqlmodel import Session, col

from app.i18n import N_
from app.models.forums import AgendaSegment, ForumSession
from app.models.speakers import Speaker
from app.models.timekeeping import (
    SegmentTimes,
    SegmentTiming,
    SpeakerTurn,
    TimekeepingState,
    TurnPublic,
    TurnTimes,
)
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import Conflict, InvalidInput, NotFound

CHANGED_MEANWHILE = N_("Someone else changed the timing meanwhile: here is where it stands now.")


def seconds_between(start: datetime, end: datetime | None, now: datetime) -> int:
    return max(0, int(((end or now) - start).total_seconds()))


@dataclass
class Timing:
    """Where a session's timing stands: its segments in agenda order and their turns."""

    session: ForumSession
    segments: list[AgendaSegment]
    turns: list[SpeakerTurn]
    now: datetime
    speakers: dict[int, Speaker] = field(default_factory=dict)

    @property
    def running(self) -> AgendaSegment | None:
        return next((s for s in self.segments if s.actual_start and not s.actual_end), None)

    @property
    def current_turn(self) -> SpeakerTurn | None:
        return next((t for t in self.turns if t.ended_at is None), None)

    @property
    def next_segment(self) -> AgendaSegment | None:
        """The first segment after the running one (or the first) that has not started."""
        running = self.running
        after = self.segments.index(running) + 1 if running else 0
        return next((s for s in self.segments[after:] if s.actual_start is None), None)

    @property
    def started(self) -> bool:
        return any(s.actual_start for s in self.segments)

    def segment_seconds(self, segment: AgendaSegment) -> int | None:
        if segment.actual_start is None:
            return None
        return seconds_between(segment.actual_start, segment.actual_end, self.now)

    def turn_seconds(self, turn: SpeakerTurn) -> int:
        return seconds_between(turn.started_at, turn.ended_at, self.now)

    def turns_of(self, segment: AgendaSegment) -> list[SpeakerTurn]:
        return [t for t in self.turns if t.segment_id == segment.id]


def timing(db: Session, session: ForumSession, *, now: datetime | None = None) -> Timing:
    segments = list(
        db.execute(
            select(AgendaSegment)
            .where(col(AgendaSegment.session_id) == session.id)
            .order_by(col(AgendaSegment.position), col(AgendaSegment.id))
            .execution_options(populate_existing=True)
        ).scalars()
    )
    turns = list(
        db.execute(
            select(SpeakerTurn)
            .where(col(SpeakerTurn.session_id) == session.id)
            .order_by(col(SpeakerTurn.started_at), col(SpeakerTurn.id))
            .execution_options(populate_existing=True)
        ).scalars()
    )
    ids = {t.speaker_id for t in turns if t.speaker_id}
    speakers = {}
    if ids:
        speakers = {
            s.id or 0: s
            for s in db.execute(select(Speaker).where(col(Speaker.id).in_(ids))).scalars()
        }
    return Timing(session, segments, turns, now or utcnow(), speakers)


def get_turn(db: Session, session: ForumSession, turn_id: int) -> SpeakerTurn:
    turn = db.get(SpeakerTurn, turn_id)
    if turn is None or turn.session_id != session.id:
        raise NotFound()
    return turn


# -- the steps ----------------------------------------------------------------------------------


def _running(db: Session, session_id: int) -> AgendaSegment | None:
    return db.execute(
        select(AgendaSegment).where(
            col(AgendaSegment.session_id) == session_id,
            col(AgendaSegment.actual_start).is_not(None),
            col(AgendaSegment.actual_end).is_(None),
        )
    ).scalar_one_or_none()


def _open_turn(db: Session, session_id: int) -> SpeakerTurn | None:
    return db.execute(
        select(SpeakerTurn).where(
            col(SpeakerTurn.session_id) == session_id, col(SpeakerTurn.ended_at).is_(None)
        )
    ).scalar_one_or_none()


def _set_once(db: Session, model: Any, record_id: int | None, column: str, value: datetime) -> bool:
    """The compare-and-set of every step: the column is set only while it is still empty, so of
    two taps only the first changes the row."""
    result = db.execute(
        update(model)
        .where(col(model.id) == record_id, col(getattr(model, column)).is_(None))
        .values({column: value})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _done(db: Session, actor: User, action: str, kind: str, object_id: int | None) -> bool:
    _record(db, actor, action, kind, object_id)
    _commit(db)
    return True


def _undone(db: Session) -> bool:
    """Another tap did this step meanwhile: everything stays as that one left it."""
    db.rollback()
    return False


def _end_open_turns(db: Session, *, session_id: int, now: datetime, segment_id: int | None) -> None:
    stmt = update(SpeakerTurn).where(
        col(SpeakerTurn.session_id) == session_id, col(SpeakerTurn.ended_at).is_(None)
    )
    if segment_id is not None:
        stmt = stmt.where(col(SpeakerTurn.segment_id) == segment_id)
    db.execute(stmt.values(ended_at=now))


def _commit(db: Session) -> None:
    """Commits; two first taps at once that both passed the checks meet the unique index."""
    try:
        db.commit()
    except exc.IntegrityError:
        db.rollback()
        raise Conflict(CHANGED_MEANWHILE) from None


def start_segment(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    segment: AgendaSegment,
    at: datetime | None = None,
) -> bool:
    """Starts the segment, ending the running one; False when it had already started."""
    if segment.actual_end is not None:
        raise Conflict(N_("This segment has already ended."))
    if segment.actual_start is not None:
        return False
    assert session.id is not None
    now = at or utcnow()
    running = _running(db, session.id)
    _end_open_turns(db, session_id=session.id, now=now, segment_id=None)
    action = "timekeeper.segment_start"
    if running is not None:
        end = max(now, running.actual_start or now)
        if _set_once(db, AgendaSegment, running.id, "actual_end", end):
            # One tap, one row in the action log, which says it ended the item under way.
            action = "timekeeper.segment_next"
    if not _set_once(db, AgendaSegment, segment.id, "actual_start", now):
        return _undone(db)
    return _done(db, actor, action, "segment", segment.id)


def end_segment(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    segment: AgendaSegment,
    at: datetime | None = None,
) -> bool:
    """Ends the segment and its turn under way; False when it had already ended."""
    if segment.actual_start is None:
        raise Conflict(N_("This segment has not started: start it before ending it."))
    if segment.actual_end is not None:
        return False
    assert session.id is not None
    now = max(at or utcnow(), segment.actual_start)
    _end_open_turns(db, session_id=session.id, now=now, segment_id=segment.id)
    if not _set_once(db, AgendaSegment, segment.id, "actual_end", now):
        return _undone(db)
    return _done(db, actor, "timekeeper.segment_end", "segment", segment.id)


def start_turn(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    speaker_id: int,
    at: datetime | None = None,
) -> tuple[SpeakerTurn, bool]:
    """Gives the floor to a speaker in the running segment, ending the turn under way. The
    same speaker again (a double tap) keeps their turn: (turn, False)."""
    assert session.id is not None
    speaker = db.get(Speaker, speaker_id)
    if speaker is None:
        raise InvalidInput({"speaker_id": [N_("Choose speakers from the list.")]})
    running = _running(db, session.id)
    if running is None or running.actual_start is None:
        raise Conflict(N_("No segment is under way: start a segment before a speaker's turn."))
    current = _open_turn(db, session.id)
    if current is not None and current.speaker_id == speaker_id:
        return current, False
    now = max(at or utcnow(), running.actual_start)
    if current is not None:
        end = max(now, current.started_at)
        if _set_once(db, SpeakerTurn, current.id, "ended_at", end):
            _record(db, actor, "timekeeper.turn_end", "speaker_turn", current.id)
    assert running.id is not None
    turn = SpeakerTurn(
        session_id=session.id,
        segment_id=running.id,
        speaker_id=speaker_id,
        started_at=now,
        started_by_id=actor.id,
    )
    db.add(turn)
    try:
        db.flush()
    except exc.IntegrityError:
        db.rollback()
        return _after_race(db, session, speaker_id), False
    _record(db, actor, "timekeeper.turn_start", "speaker_turn", turn.id, speaker.name)
    _commit(db)
    return turn, True


def _after_race(db: Session, session: ForumSession, speaker_id: int) -> SpeakerTurn:
    """Another tap opened a turn first: the same speaker's is this tap's answer too."""
    assert session.id is not None
    current = _open_turn(db, session.id)
    if current is None or current.speaker_id != speaker_id:
        raise Conflict(CHANGED_MEANWHILE)
    return current


def end_turn(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    turn: SpeakerTurn,
    at: datetime | None = None,
) -> bool:
    """Ends the turn; False when it had already ended."""
    if turn.ended_at is not None:
        return False
    now = max(at or utcnow(), turn.started_at)
    if not _set_once(db, SpeakerTurn, turn.id, "ended_at", now):
        return _undone(db)
    return _done(db, actor, "timekeeper.turn_end", "speaker_turn", turn.id)


# -- corrections after the fact ----------------------------------------------------------------

LONGEST = timedelta(hours=24)
# A clock a little ahead of the server's is not a time "still to come".
SLACK = timedelta(minutes=5)


def _aware(value: datetime | None, zone: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def _check_span(
    start: datetime | None, end: datetime | None, names: tuple[str, str]
) -> dict[str, list[str]]:
    first, last = names
    if start is not None and start > utcnow() + SLACK:
        return {first: [N_("This time is still to come: give the time it happened.")]}
    if end is None:
        return {}
    if start is None:
        return {first: [N_("Give the start too: what ended must have started.")]}
    if end < start:
        return {last: [N_("The end must come after the start.")]}
    if end - start > LONGEST:
        return {last: [N_("That is more than a day after the start: check the date.")]}
    if end > utcnow() + SLACK:
        return {last: [N_("This time is still to come: give the time it happened.")]}
    return {}


def correct_segment(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    segment: AgendaSegment,
    data: SegmentTimes,
) -> None:
    """Sets the segment's recorded times. Clearing the start is refused while turns were timed
    in it (their times would belong to nothing); leaving the end empty makes it the running
    segment, refused while another one runs (the unique index has the last word)."""
    start = _aware(data.actual_start, session.timezone)
    end = _aware(data.actual_end, session.timezone)
    errors = _check_span(start, end, ("actual_start", "actual_end"))
    if not errors and start is None and _turns_in(db, segment):
        errors = {"actual_start": [N_("Speakers' turns were timed in this segment: keep a start.")]}
    if errors:
        raise InvalidInput(errors)
    if start is not None and end is None:
        running = _running(db, session.id or 0)
        if running is not None and running.id != segment.id:
            raise Conflict(N_("Another segment is under way: end it first, or give an end."))
    segment.actual_start, segment.actual_end = start, end
    db.add(segment)
    _record(db, actor, "timekeeper.segment_correct", "segment", segment.id)
    _commit(db)


def _turns_in(db: Session, segment: AgendaSegment) -> bool:
    found = db.execute(
        select(col(SpeakerTurn.id)).where(col(SpeakerTurn.segment_id) == segment.id).limit(1)
    ).first()
    return found is not None


def correct_turn(
    db: Session, *, actor: User, session: ForumSession, turn: SpeakerTurn, data: TurnTimes
) -> None:
    """Sets a turn's times; an ended turn keeps an end (only one turn is ever open)."""
    start = _aware(data.started_at, session.timezone)
    end = _aware(data.ended_at, session.timezone)
    errors = _check_span(start, end, ("started_at", "ended_at"))
    if not errors and end is None and turn.ended_at is not None:
        errors = {"ended_at": [N_("This turn has ended: give the time it ended.")]}
    if errors:
        raise InvalidInput(errors)
    assert start is not None
    turn.started_at, turn.ended_at = start, end
    db.add(turn)
    _record(db, actor, "timekeeper.turn_correct", "speaker_turn", turn.id)
    _commit(db)


def remove_turn(db: Session, *, actor: User, session: ForumSession, turn: SpeakerTurn) -> None:
    """A turn tapped by mistake: gone from the totals and the speaking balance."""
    _record(db, actor, "timekeeper.turn_remove", "speaker_turn", turn.id)
    db.delete(turn)
    _commit(db)


def _record(
    db: Session, actor: User, action: str, kind: str, object_id: int | None, summary: str = ""
) -> None:
    audit.record(
        db, actor=actor, action=action, object_type=kind, object_id=object_id, summary=summary
    )


# -- the API's shape ----------------------------------------------------------------------------


def turn_public(found: Timing, turn: SpeakerTurn) -> TurnPublic:
    return TurnPublic.model_validate(turn, update={"seconds": found.turn_seconds(turn)})


def public_state(found: Timing) -> TimekeepingState:
    assert found.session.id is not None
    running, current = found.running, found.current_turn
    return TimekeepingState(
        session_id=found.session.id,
        running_segment_id=running.id if running else None,
        current_turn=turn_public(found, current) if current else None,
        segments=[
            SegmentTiming.model_validate(s, update={"actual_seconds": found.segment_seconds(s)})
            for s in found.segments
        ],
        turns=[turn_public(found, t) for t in found.turns],
    )
