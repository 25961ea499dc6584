"""Demo timing: when each agenda segment of the 2022 Caring Systems Town Hall actually started
and ended, and who had the floor when, recorded through the timekeeper's services as the
secretariat would have tapped them, so the session's "planned vs actual" and speaking balance
show real figures.

The times are ILLUSTRATIVE: the sources give neither the time of day nor the length of any
contribution (the session text says its time is illustrative). They follow the seed minutes'
order of speakers and are chosen to fit the chat remarks' times (15:20 to 15:56, in
demo/contributions.py): the opening segments ran short, so the round of introductions had
begun when the first remark about Rosa Pavanelli's intervention was typed.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.models.forums import ForumSession
from app.models.speakers import Speaker
from app.models.types import utcnow
from app.models.users import User
from app.services import timekeeping

# Per agenda segment, in order: its start and end ("HH:MM", the session's local time), and
# its turns (speaker, start, end). A speaker may come back within a segment.
Turn = tuple[str, str, str]
CARING_SYSTEMS_TIMES: list[tuple[str, str, list[Turn]]] = [
    ("15:00", "15:05", [("Emilia Saiz", "15:00", "15:05")]),
    ("15:05", "15:09", [("Fátima Fernández", "15:05", "15:09")]),
    ("15:09", "15:13", [("Greg Munro", "15:09", "15:13")]),
    (
        "15:13",
        "15:19",
        [("Jorge Pérez Jaramillo", "15:13", "15:17"), ("Emilia Saiz", "15:17", "15:19")],
    ),
    (
        "15:19",
        "16:27",
        [
            ("Rosa Pavanelli", "15:19", "15:27"),
            ("Gerald Leitner", "15:27", "15:33"),
            ("Colin Rajah", "15:33", "15:40"),
            ("Gabriela Cuevas Barron", "15:40", "15:46"),
            ("Sri Sofjan", "15:46", "15:52"),
            ("Victor Pineda", "15:52", "15:59"),
            ("Elana Wong", "15:59", "16:06"),
            ("Camila Cociña", "16:07", "16:15"),
            ("Olga Segovia", "16:15", "16:26"),
        ],
    ),
    ("16:27", "16:41", [("Gissela Chalá", "16:27", "16:33"), ("Emilia Saiz", "16:33", "16:40")]),
]


def _at(session: ForumSession, hhmm: str) -> datetime:
    """That time of the session's day, in its zone (all these segments fall on its first day)."""
    zone = ZoneInfo(session.timezone)
    day = session.starts_at.astimezone(zone).date()
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone)


def record(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    times: list[tuple[str, str, list[Turn]]],
    speakers: dict[str, Speaker],
) -> None:
    """Each segment not yet started: started, its turns given and ended, then ended. A past
    session only: a timekeeper records what happened, never what is to come."""
    if session.starts_at + timedelta(minutes=session.duration_minutes) > utcnow():
        return
    for index, (start, end, turns) in enumerate(times):
        segments = timekeeping.timing(db, session).segments
        if index >= len(segments) or segments[index].actual_start is not None:
            continue
        timekeeping.start_segment(
            db, actor=actor, session=session, segment=segments[index], at=_at(session, start)
        )
        for name, turn_start, turn_end in turns:
            speaker_id = speakers[name].id
            assert speaker_id is not None
            turn, _ = timekeeping.start_turn(
                db,
                actor=actor,
                session=session,
                speaker_id=speaker_id,
                at=_at(session, turn_start),
            )
            timekeeping.end_turn(
                db, actor=actor, session=session, turn=turn, at=_at(session, turn_end)
            )
        segment = timekeeping.timing(db, session).segments[index]
        timekeeping.end_segment(
            db, actor=actor, session=session, segment=segment, at=_at(session, end)
        )
