"""Minutes of a session: blocks (one per agenda segment, plus a free one) holding speaker turns
and chat excerpts; key points under headings, each linked to what it summarises; decisions,
action items and attendees; attendees' corrections; and the workflow's events.

Every editable row carries `changed_at`: the minutes' version at which it last changed. A save
based on version B may change a row only if `changed_at <= B` (nobody changed it since the
editor saw it); otherwise both texts go back to the editor (services/minutes/edit.py).
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.contributions import IdempotencyKey
from app.models.types import DbId, Input, JSONType, LocaleCode, UTCDateTime, utcnow
from app.services.workflow import EventFields

TEXT_MAX = 5000
POINTS_MAX = 100


class MinutesStatus(StrEnum):
    draft = "draft"
    circulated = "circulated"  # attendees may propose corrections until `circulated_until`
    published = "published"
    corrected = "corrected"  # published, then corrected at least once (each with its note)


class MinutesAction(StrEnum):
    circulate = "circulate"
    publish = "publish"
    correct = "correct"


class ActionStatus(StrEnum):
    open = "open"
    done = "done"


class CorrectionStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"


class CorrectionAction(StrEnum):
    accept = "accept"
    reject = "reject"


STATUS_LABELS: dict[str, str] = {
    MinutesStatus.draft: N_("Draft"),
    MinutesStatus.circulated: N_("Circulated for corrections"),
    MinutesStatus.published: N_("Published"),
    MinutesStatus.corrected: N_("Published, corrected"),
}
ACTION_LABELS: dict[str, str] = {
    MinutesAction.circulate: N_("Circulate to attendees"),
    MinutesAction.publish: N_("Publish"),
    MinutesAction.correct: N_("Record a correction"),
}
ACTION_STATUS_LABELS = {ActionStatus.open: N_("Open"), ActionStatus.done: N_("Done")}
CORRECTION_STATUS_LABELS: dict[str, str] = {
    CorrectionStatus.pending: N_("Waiting for a decision"),
    CorrectionStatus.accepted: N_("Accepted"),
    CorrectionStatus.rejected: N_("Rejected"),
}
CORRECTION_ACTION_LABELS: dict[str, str] = {
    CorrectionAction.accept: N_("Accept"),
    CorrectionAction.reject: N_("Reject"),
}


class Minutes(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(
        foreign_key="forum_session.id", unique=True, index=True, ondelete="CASCADE"
    )
    status: MinutesStatus = Field(sa_column=Column(String(20), nullable=False))
    # Bumped by every change; what each save says it was based on.
    version: int = 1
    language: str = Field(max_length=5)  # of the content, whatever the reader's language
    other_participants: int = 0
    requires_circulation: bool = True
    circulated_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: int = 1  # the header (language, count of other participants)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MinutesEvent(EventFields, table=True):
    __tablename__ = "minutes_event"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")


class MinutesBlock(SQLModel, table=True):
    """One agenda segment's part of the proceedings; a block without a segment is free."""

    __tablename__ = "minutes_block"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    segment_id: int | None = Field(
        default=None, foreign_key="agenda_segment.id", ondelete="SET NULL"
    )
    position: int
    title: str = Field(default="", max_length=300)
    changed_at: int = 1


class MinutesTurn(SQLModel, table=True):
    __tablename__ = "minutes_turn"
    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="minutes_block.id", index=True, ondelete="CASCADE")
    position: int
    speaker_id: int | None = Field(default=None, foreign_key="speaker.id", ondelete="SET NULL")
    # Who spoke when no speaker record exists (or as the minutes name them).
    speaker_name: str = Field(default="", max_length=200)
    points: list[str] = Field(default_factory=list, sa_type=JSONType)
    quote: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    changed_at: int = 1


class MinutesExcerpt(SQLModel, table=True):
    """A chat remark or contribution quoted in a block, linked to its original (a target).
    `before_turn_id` places it among the block's speaker turns, as the seed minutes interleave
    the chat with who was speaking: shown just before that turn; none, after the last one."""

    __tablename__ = "minutes_excerpt"
    id: int | None = Field(default=None, primary_key=True)
    block_id: int = Field(foreign_key="minutes_block.id", index=True, ondelete="CASCADE")
    position: int
    source_kind: str | None = Field(default=None, max_length=30)
    source_id: int | None = Field(default=None, index=True)
    author: str = Field(default="", max_length=200)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    text: str = Field(sa_column=Column(Text, nullable=False))
    before_turn_id: int | None = Field(
        default=None, foreign_key="minutes_turn.id", ondelete="SET NULL"
    )
    changed_at: int = 1


class MinutesDecision(SQLModel, table=True):
    __tablename__ = "minutes_decision"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    changed_at: int = 1


class MinutesActionItem(SQLModel, table=True):
    """A next step: what, who, by when, done or not."""

    __tablename__ = "minutes_action_item"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", max_length=200)
    due_on: date | None = None
    status: ActionStatus = Field(sa_column=Column(String(10), nullable=False, default="open"))
    changed_at: int = 1


class MinutesHeading(SQLModel, table=True):
    """A heading of the key points (by default one per theme of the session)."""

    __tablename__ = "minutes_heading"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    position: int
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="SET NULL")
    title: str = Field(max_length=300)
    changed_at: int = 1


class MinutesPoint(SQLModel, table=True):
    __tablename__ = "minutes_point"
    id: int | None = Field(default=None, primary_key=True)
    heading_id: int = Field(foreign_key="minutes_heading.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    changed_at: int = 1


class MinutesPointSource(SQLModel, table=True):
    """What a key point summarises: a turn or an excerpt of the proceedings."""

    __tablename__ = "minutes_point_source"
    __table_args__ = (UniqueConstraint("point_id", "turn_id", "excerpt_id"),)
    id: int | None = Field(default=None, primary_key=True)
    point_id: int = Field(foreign_key="minutes_point.id", index=True, ondelete="CASCADE")
    turn_id: int | None = Field(default=None, foreign_key="minutes_turn.id", ondelete="CASCADE")
    excerpt_id: int | None = Field(
        default=None, foreign_key="minutes_excerpt.id", ondelete="CASCADE"
    )


class MinutesAttendee(SQLModel, table=True):
    """Someone who attended: a speaker record, an organisation, a name; `user_id` is the account
    that is told when the minutes circulate and may propose corrections."""

    __tablename__ = "minutes_attendee"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    position: int
    speaker_id: int | None = Field(default=None, foreign_key="speaker.id", ondelete="SET NULL")
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="SET NULL"
    )
    name: str = Field(default="", max_length=200)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    changed_at: int = 1


class MinutesCorrection(SQLModel, table=True):
    """An attendee's proposed replacement for one item's text, with a reason; staff accept it
    (the item changes, the proposer is credited) or reject it with a reason the proposer sees."""

    __tablename__ = "minutes_correction"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    item_kind: str = Field(max_length=20)
    item_id: int
    status: CorrectionStatus = Field(sa_column=Column(String(20), nullable=False))
    original: str = Field(sa_column=Column(Text, nullable=False))
    replacement: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(max_length=1000)
    proposer_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decision_reason: str = Field(default="", max_length=1000)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CorrectionEvent(EventFields, table=True):
    __tablename__ = "minutes_correction_event"
    id: int | None = Field(default=None, primary_key=True)
    correction_id: int = Field(foreign_key="minutes_correction.id", index=True, ondelete="CASCADE")


# -- what clients send ---------------------------------------------------------------------

ItemKind = Literal["block", "turn", "excerpt", "decision", "action", "heading", "point", "attendee"]
# The kinds an attendee may propose a correction to (their text is replaced).
CorrectableKind = Literal["turn", "excerpt", "decision", "action", "point"]


class MinutesCreate(Input):
    language: LocaleCode | None = None
    requires_circulation: bool = True


class HeaderUpdate(Input):
    base_version: DbId
    language: LocaleCode
    other_participants: int = Field(default=0, ge=0, le=1_000_000)
    correction_note: str = Field(default="", max_length=1000)


class ItemUpdate(Input):
    """A save of one item: the fields its kind has (the others are ignored), the version the
    editor's copy was based on, and, once published, the note the correction is shown with."""

    base_version: DbId
    title: str | None = Field(default=None, max_length=300)
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    speaker_id: DbId | None = None
    speaker_name: str | None = Field(default=None, max_length=200)
    points: list[str] | None = Field(default=None, max_length=POINTS_MAX)
    quote: str | None = Field(default=None, max_length=TEXT_MAX)
    author: str | None = Field(default=None, max_length=200)
    before_turn_id: DbId | None = None
    owner: str | None = Field(default=None, max_length=200)
    due_on: date | None = None
    status: ActionStatus | None = None
    organisation_id: DbId | None = None
    name: str | None = Field(default=None, max_length=200)
    account_email: str | None = Field(default=None, max_length=254)
    turn_ids: list[DbId] | None = Field(default=None, max_length=100)
    excerpt_ids: list[DbId] | None = Field(default=None, max_length=100)
    correction_note: str = Field(default="", max_length=1000)


class ItemCreate(ItemUpdate):
    """A new item: `parent_id` is its block (turn, excerpt) or heading (point)."""

    parent_id: DbId | None = None
    idempotency_key: IdempotencyKey | None = None  # or the Idempotency-Key header


class MinutesItemKey(SQLModel, table=True):
    """An item added with an idempotency key (scoped to its editor, hashed as a proposal's): a
    retry of the same add finds this instead of adding the item again. Kept when the item is
    deleted, so a late retry does not bring it back."""

    __tablename__ = "minutes_item_key"
    id: int | None = Field(default=None, primary_key=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=20)
    item_id: int


class ItemMove(Input):
    direction: Literal["up", "down"]


class TransitionIn(Input):
    action: MinutesAction
    reason: str = Field(default="", max_length=1000)
    until: datetime | None = None


class CorrectionCreate(Input):
    item_kind: CorrectableKind
    item_id: DbId
    replacement: str = Field(min_length=1, max_length=TEXT_MAX, schema_extra={"pattern": r"\S"})
    reason: str = Field(min_length=1, max_length=1000, schema_extra={"pattern": r"\S"})


class CorrectionDecision(Input):
    action: CorrectionAction
    reason: str = Field(default="", max_length=1000)


# -- what clients get ----------------------------------------------------------------------


class LinkPublic(SQLModel):
    kind: str
    id: int
    url: str | None
    title: str


class TurnPublic(SQLModel):
    id: int
    position: int
    speaker_id: int | None
    speaker_name: str
    points: list[str]
    quote: str
    changed_at: int


class ExcerptPublic(SQLModel):
    id: int
    position: int
    author: str
    posted_at: datetime | None
    text: str
    before_turn_id: int | None
    source: LinkPublic | None
    changed_at: int


class BlockPublic(SQLModel):
    id: int
    position: int
    segment_id: int | None
    title: str
    turns: list[TurnPublic]
    excerpts: list[ExcerptPublic]
    changed_at: int


class PointPublic(SQLModel):
    id: int
    position: int
    text: str
    turn_ids: list[int]
    excerpt_ids: list[int]
    changed_at: int


class HeadingPublic(SQLModel):
    id: int
    position: int
    theme_id: int | None
    title: str
    points: list[PointPublic]
    changed_at: int


class DecisionPublic(SQLModel):
    id: int
    position: int
    text: str
    changed_at: int


class ActionItemPublic(SQLModel):
    id: int
    position: int
    text: str
    owner: str
    due_on: date | None
    status: ActionStatus
    changed_at: int


class AttendeePublic(SQLModel):
    id: int
    position: int
    speaker_id: int | None
    organisation_id: int | None
    name: str
    changed_at: int


class CorrectionNote(SQLModel):
    created_at: datetime
    note: str


class MinutesPublic(SQLModel):
    id: int
    session_id: int
    status: MinutesStatus
    version: int
    language: str
    other_participants: int
    requires_circulation: bool
    circulated_until: datetime | None
    published_at: datetime | None
    blocks: list[BlockPublic]
    key_points: list[HeadingPublic]
    decisions: list[DecisionPublic]
    action_items: list[ActionItemPublic]
    attendees: list[AttendeePublic]
    corrections: list[CorrectionNote]
    allowed_actions: list[str]


class CorrectionPublic(SQLModel):
    id: int
    minutes_id: int
    item_kind: str
    item_id: int
    status: CorrectionStatus
    original: str
    replacement: str
    reason: str
    proposer: str | None
    decision_reason: str
    decided_at: datetime | None
    created_at: datetime


class EditConflictProblem(SQLModel):
    """409 for a stale save of an item someone else changed: both texts, and the state now."""

    title: str
    status: int
    detail: str
    kind: str
    item_id: int
    version: int
    current: dict[str, Any]
    yours: dict[str, Any]
    minutes: MinutesPublic
