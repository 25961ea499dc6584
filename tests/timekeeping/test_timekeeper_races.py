"""Two first taps at the same moment (two staff members, or one double tap reaching two app
instances): one changes the rows, the other finds the step done. On PostgreSQL both
transactions may read "nothing under way" before either writes; the compare-and-set updates and
the partial unique indexes make the second a no-op all the same."""

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from app.db import open_session
from app.models.forums import AgendaSegment, ForumSession
from app.models.timekeeping import SpeakerTurn
from app.models.users import User
from app.services import timekeeping
from app.services.errors import Conflict
from tests import factories


def _at_once(engine: Engine, step: Callable[[Session], Any]) -> list[Any]:
    """Runs the step in two threads, each on its own connection, released together."""
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        with open_session(engine, write=True) as db:
            barrier.wait()
            try:
                results.append(step(db))
            except Conflict as exc:
                results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_taps_at_once_start_one_segment_and_one_turn(db: Session, engine: Engine) -> None:
    staff = factories.staff(db)
    session = factories.session(db, factories.forum(db))
    speaker = factories.speaker(db)
    segment = factories.segment(db, session, speaker_ids=[speaker.id])
    session_id, segment_id, speaker_id, staff_id = session.id, segment.id, speaker.id, staff.id

    def start_segment(tap: Session) -> bool:
        found = tap.get(ForumSession, session_id)
        seg = tap.get(AgendaSegment, segment_id)
        assert found is not None
        assert seg is not None
        return timekeeping.start_segment(
            tap, actor=tap.get_one(User, staff_id), session=found, segment=seg
        )

    assert sorted(_at_once(engine, start_segment)) == [False, True]

    def start_turn(tap: Session) -> int | None:
        found = tap.get(ForumSession, session_id)
        assert found is not None
        turn, _new = timekeeping.start_turn(
            tap, actor=tap.get_one(User, staff_id), session=found, speaker_id=speaker_id
        )
        return turn.id

    ids = _at_once(engine, start_turn)
    assert len(ids) == 2
    assert ids[0] == ids[1], ids  # both taps answer with the one turn
    db.commit()
    turns = db.execute(select(func.count()).select_from(SpeakerTurn)).scalar_one()
    assert turns == 1
    starts = db.execute(
        select(func.count()).where(col(AgendaSegment.actual_start).is_not(None))
    ).scalar_one()
    assert starts == 1
