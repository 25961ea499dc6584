"""What the timekeeper records during a session: each speaker's turn as timed. The segments'
own actual times are columns of AgendaSegment (`actual_start`, `actual_end`)."""

from datetime import datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from app.models.types import DbId, Input, UTCDateTime

# At most one turn of a session is under way: two taps at once cannot open two.
_OPEN = "ended_at IS NULL"


class SpeakerTurn(SQLModel, table=True):
    __tablename__ = "speaker_turn"
    __table_args__ = (
        Index(
            "uq_speaker_turn_open",
            "session_id",
            unique=True,
            sqlite_where=text(_OPEN),
            postgresql_where=text(_OPEN),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="forum_session.id", index=True, ondelete="CASCADE")
    segment_id: int = Field(foreign_key="agenda_segment.id", index=True, ondelete="CASCADE")
    # A deleted speaker's time still counts in the session's totals, as "not known".
    speaker_id: int | None = Field(
        default=None, foreign_key="speaker.id", index=True, ondelete="SET NULL"
    )
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class TurnStart(Input):
    speaker_id: DbId


class SegmentTimes(Input):
    """The secretariat's correction of a segment's recorded times (a tap missed or mistaken).
    A time without a zone is read in the session's zone."""

    actual_start: datetime | None = None
    actual_end: datetime | None = None


class TurnTimes(Input):
    started_at: datetime
    ended_at: datetime | None = None


class TurnPublic(SQLModel):
    id: int
    segment_id: int
    speaker_id: int | None
    started_at: datetime
    ended_at: datetime | None
    seconds: int


class SegmentTiming(SQLModel):
    id: int
    position: int
    title: dict[str, str]
    planned_minutes: int
    actual_start: datetime | None
    actual_end: datetime | None
    actual_seconds: int | None


class TimekeepingState(SQLModel):
    session_id: int
    running_segment_id: int | None
    current_turn: TurnPublic | None
    segments: list[SegmentTiming]
    turns: list[TurnPublic]


class BalanceRow(SQLModel):
    key: str  # the organisation type, the caucus code, the M49 region code, or "unknown"
    label: str  # in the reader's language
    seconds: int
    turns: int


class SpeakingBalance(SQLModel):
    total_seconds: int
    total_turns: int
    by_organisation_type: list[BalanceRow]
    by_caucus: list[BalanceRow]
    by_region: list[BalanceRow]
