"""Forums (events and multi-step processes), their sessions, themes, timeline and agenda."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import available_timezones

from pydantic import AfterValidator, WithJsonSchema, field_validator, model_validator
from pydantic import Field as PydField
from sqlalchemy import Column, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import (
    CountryCode,
    DbId,
    Input,
    JSONType,
    LocalizedText,
    RequiredLocalizedText,
    UTCDateTime,
    WebAddress,
    utcnow,
)

TIMEZONES = frozenset(available_timezones())


def _check_tz(value: str) -> str:
    if value not in TIMEZONES:
        raise ValueError(N_("Choose a time zone from the list."))
    return value


TimeZoneName = Annotated[
    str, AfterValidator(_check_tz), WithJsonSchema({"type": "string", "enum": sorted(TIMEZONES)})
]


class ForumKind(StrEnum):
    event = "event"  # a gathering with dates and a venue, e.g. the World Forum in Montevideo
    process = "process"  # a consultation over months, e.g. the UCLG Town Hall process


class SessionType(StrEnum):
    plenary = "plenary"
    town_hall = "town_hall"
    parallel_alliance = "parallel_alliance"
    dialogue = "dialogue"
    workshop = "workshop"
    retreat = "retreat"
    side_event = "side_event"


class SessionFormat(StrEnum):
    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


class ThemeKind(StrEnum):
    theme = "theme"
    axis = "axis"  # a transversal axis, cutting across themes


class SpeakerRole(StrEnum):
    host = "host"
    moderator = "moderator"
    keynote = "keynote"
    panelist = "panelist"
    rapporteur = "rapporteur"


FORUM_KIND_LABELS = {ForumKind.event: N_("Event"), ForumKind.process: N_("Consultation process")}
THEME_KIND_LABELS = {ThemeKind.theme: N_("Theme"), ThemeKind.axis: N_("Transversal axis")}
SESSION_TYPE_LABELS = {
    SessionType.plenary: N_("Plenary"),
    SessionType.town_hall: N_("Town Hall"),
    SessionType.parallel_alliance: N_("Parallel alliance session"),
    SessionType.dialogue: N_("Dialogue"),
    SessionType.workshop: N_("Workshop"),
    SessionType.retreat: N_("Retreat"),
    SessionType.side_event: N_("Side event"),
}
SESSION_FORMAT_LABELS = {
    SessionFormat.in_person: N_("In person"),
    SessionFormat.online: N_("Online"),
    SessionFormat.hybrid: N_("Hybrid (in person and online)"),
}
SPEAKER_ROLE_LABELS = {
    SpeakerRole.host: N_("Host"),
    SpeakerRole.moderator: N_("Moderator"),
    SpeakerRole.keynote: N_("Keynote"),
    SpeakerRole.panelist: N_("Panellist"),
    SpeakerRole.rapporteur: N_("Rapporteur"),
}


class Forum(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: ForumKind = Field(sa_column=Column(String(20), nullable=False))
    title: dict[str, str] = Field(sa_type=JSONType)
    summary: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    organisers: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=120)
    country: str | None = Field(default=None, max_length=2)
    starts_on: date | None = None
    ends_on: date | None = None
    timezone: str = Field(default="UTC", max_length=64)
    website: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class _DateRange(Input):
    starts_on: date | None = None
    ends_on: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError(N_("The end date is before the start date."))
        return self


class ForumCreate(_DateRange):
    kind: ForumKind
    title: RequiredLocalizedText
    summary: LocalizedText = Field(default_factory=dict)
    organisers: str | None = Field(default=None, max_length=500)
    city: str | None = Field(default=None, max_length=120)
    country: CountryCode = None
    timezone: TimeZoneName = "UTC"
    website: WebAddress | None = None


class ForumPublic(SQLModel):
    id: int
    kind: ForumKind
    title: dict[str, str]
    summary: dict[str, str]
    organisers: str | None
    city: str | None
    country: str | None
    starts_on: date | None
    ends_on: date | None
    timezone: str
    website: str | None


class Milestone(SQLModel, table=True):
    """A step on a process's timeline (retreat, drafting, World Congress...)."""

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True, ondelete="CASCADE")
    title: dict[str, str] = Field(sa_type=JSONType)
    description: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    starts_on: date
    ends_on: date | None = None


class MilestoneCreate(_DateRange):
    title: RequiredLocalizedText
    description: LocalizedText = Field(default_factory=dict)
    starts_on: date


class MilestonePublic(SQLModel):
    id: int
    forum_id: DbId
    title: dict[str, str]
    description: dict[str, str]
    starts_on: date
    ends_on: date | None


class Theme(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("forum_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True, ondelete="CASCADE")
    kind: ThemeKind = Field(sa_column=Column(String(10), nullable=False))
    code: str = Field(max_length=10)
    title: dict[str, str] = Field(sa_type=JSONType)


class ThemeCreate(Input):
    kind: ThemeKind
    code: str = Field(min_length=1, max_length=10, schema_extra={"pattern": r"^[A-Za-z0-9.]+$"})
    title: RequiredLocalizedText


class ThemePublic(SQLModel):
    id: int
    forum_id: DbId
    kind: ThemeKind
    code: str
    title: dict[str, str]


class ForumSession(SQLModel, table=True):
    __tablename__ = "forum_session"
    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True, ondelete="CASCADE")
    title: dict[str, str] = Field(sa_type=JSONType)
    type: SessionType = Field(sa_column=Column(String(30), nullable=False))
    format: SessionFormat = Field(sa_column=Column(String(20), nullable=False))
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    duration_minutes: int
    timezone: str = Field(max_length=64)
    venue: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    languages: list[str] = Field(default_factory=list, sa_type=JSONType)
    interpretation: bool = False
    background: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    objectives: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    expected_outcomes: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SessionTheme(SQLModel, table=True):
    __tablename__ = "session_theme"
    session_id: int = Field(foreign_key="forum_session.id", primary_key=True, ondelete="CASCADE")
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, ondelete="CASCADE")


class SessionCreate(Input):
    forum_id: DbId
    title: RequiredLocalizedText
    type: SessionType
    format: SessionFormat
    # A naive time is read in the session's time zone, which is how organisers think of it.
    starts_at: Annotated[
        datetime,
        WithJsonSchema(
            {
                "type": "string",
                "format": "date-time",
                "pattern": "^(19[0-9]{2}|2[01][0-9]{2}|2200)-",
            }
        ),
    ]
    duration_minutes: int = Field(ge=5, le=24 * 60)
    timezone: TimeZoneName
    venue: str | None = Field(default=None, max_length=300)
    online_url: WebAddress | None = None
    languages: list[Annotated[str, PydField(pattern=r"^[a-z]{2,3}$")]] = Field(
        default_factory=list, max_length=12
    )
    interpretation: bool = False
    background: LocalizedText = Field(default_factory=dict)
    objectives: LocalizedText = Field(default_factory=dict)
    expected_outcomes: LocalizedText = Field(default_factory=dict)
    theme_ids: list[DbId] = Field(default_factory=list, max_length=50)

    @field_validator("starts_at")
    @classmethod
    def _sane_year(cls, value: datetime) -> datetime:
        # Far-off years overflow when converted between zones or when the end is computed.
        if not 1900 <= value.year <= 2200:
            raise ValueError(N_("Enter a date between the years 1900 and 2200."))
        return value

    @model_validator(mode="after")
    def _where(self) -> Self:
        if self.format in (SessionFormat.in_person, SessionFormat.hybrid) and not self.venue:
            raise ValueError(N_("An in-person or hybrid session needs a venue."))
        if self.format in (SessionFormat.online, SessionFormat.hybrid) and not self.online_url:
            raise ValueError(N_("An online or hybrid session needs an online link."))
        return self


class SessionPublic(SQLModel):
    id: int
    forum_id: DbId
    title: dict[str, str]
    type: SessionType
    format: SessionFormat
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    timezone: str
    venue: str | None
    online_url: str | None
    languages: list[str]
    interpretation: bool
    background: dict[str, str]
    objectives: dict[str, str]
    expected_outcomes: dict[str, str]
    theme_ids: list[DbId]


# At most one segment of a session runs at a time (the timekeeper's rule, services/timekeeping).
_RUNNING = "actual_start IS NOT NULL AND actual_end IS NULL"


class AgendaSegment(SQLModel, table=True):
    __tablename__ = "agenda_segment"
    __table_args__ = (
        Index(
            "uq_agenda_segment_running",
            "session_id",
            unique=True,
            sqlite_where=text(_RUNNING),
            postgresql_where=text(_RUNNING),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="forum_session.id", index=True, ondelete="CASCADE")
    position: int
    title: dict[str, str] = Field(sa_type=JSONType)
    description: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    planned_minutes: int
    # When the segment really began and ended (UTC), as the timekeeper tapped them; the
    # minutes place live remarks by these, else by the planned times.
    actual_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    actual_end: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SegmentSpeaker(SQLModel, table=True):
    __tablename__ = "segment_speaker"
    segment_id: int = Field(foreign_key="agenda_segment.id", primary_key=True, ondelete="CASCADE")
    speaker_id: int = Field(foreign_key="speaker.id", primary_key=True, ondelete="CASCADE")
    role: SpeakerRole = Field(sa_column=Column(String(20), nullable=False))
    position: int = 0


class SegmentSpeakerIn(Input):
    speaker_id: DbId
    role: SpeakerRole = SpeakerRole.panelist


class SegmentCreate(Input):
    title: RequiredLocalizedText
    description: LocalizedText = Field(default_factory=dict)
    planned_minutes: int = Field(ge=1, le=24 * 60)
    position: int | None = Field(default=None, ge=1, le=1000)
    speakers: list[SegmentSpeakerIn] = Field(default_factory=list, max_length=50)


class SegmentPublic(SQLModel):
    id: int
    session_id: int
    position: int
    title: dict[str, str]
    description: dict[str, str]
    planned_minutes: int
    speakers: list[SegmentSpeakerIn]
