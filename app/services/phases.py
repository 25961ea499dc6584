"""Where a process and its sessions stand at a given moment.

The forum page shows its timeline as a step indicator (done, current, to come) and its sessions
as upcoming, live now or ended; the session page shows the same status at the top. Both are
derived from dates and the live window here, once, so that the two pages never disagree.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from app.i18n import N_
from app.models.contributions import LiveWindow
from app.models.forums import ForumSession, Milestone


class SessionStatus(StrEnum):
    upcoming = "upcoming"
    live = "live"
    ended = "ended"


SESSION_STATUS_LABELS = {
    SessionStatus.upcoming: N_("Upcoming"),
    SessionStatus.live: N_("Live now"),
    SessionStatus.ended: N_("Ended"),
}


class StepState(StrEnum):
    done = "done"
    current = "current"
    next = "next"


STEP_STATE_LABELS = {
    StepState.done: N_("Done"),
    StepState.current: N_("Current phase"),
    StepState.next: N_("To come"),
}


@dataclass(frozen=True)
class Step:
    milestone: Milestone
    state: StepState


def session_status(session: ForumSession, *, now: datetime, live_open: bool) -> SessionStatus:
    """An open live window is live whatever the clock says (sessions overrun, or open early)."""
    if live_open:
        return SessionStatus.live
    if now < session.starts_at:
        return SessionStatus.upcoming
    if now < session.starts_at + timedelta(minutes=session.duration_minutes):
        return SessionStatus.live
    return SessionStatus.ended


def open_live_windows(db: Session, session_ids: Iterable[int]) -> set[int]:
    ids = list(session_ids)
    if not ids:
        return set()
    query = select(col(LiveWindow.session_id)).where(
        col(LiveWindow.session_id).in_(ids), col(LiveWindow.is_open)
    )
    return set(db.execute(query).scalars())


def grouped_sessions(
    sessions: Sequence[ForumSession], *, now: datetime, live: set[int]
) -> dict[SessionStatus, list[ForumSession]]:
    """Live first, then upcoming (soonest first), then ended (latest first)."""
    groups: dict[SessionStatus, list[ForumSession]] = {status: [] for status in SessionStatus}
    for session in sessions:
        groups[session_status(session, now=now, live_open=session.id in live)].append(session)
    groups[SessionStatus.ended].reverse()
    return groups


def steps(milestones: Sequence[Milestone], *, today: date) -> list[Step]:
    """A step lasts from its start to its end, or to the day before the next step starts."""
    result: list[Step] = []
    for index, milestone in enumerate(milestones):
        following = milestones[index + 1] if index + 1 < len(milestones) else None
        if milestone.ends_on:
            last_day = milestone.ends_on
        elif following and following.starts_on > milestone.starts_on:
            last_day = following.starts_on - timedelta(days=1)
        else:
            last_day = milestone.starts_on
        if today > last_day:
            state = StepState.done
        elif today >= milestone.starts_on:
            state = StepState.current
        else:
            state = StepState.next
        result.append(Step(milestone, state))
    return result
