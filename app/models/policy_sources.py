"""Traceability: a paragraph of a policy document points at what fed it (a contribution, a
minutes point: any kind in the target registry), with the outcome for that source. A source
may feed several paragraphs; each link has its own outcome, and "not taken up" needs a reason
the contribution's author reads."""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import DbId, Input, UTCDateTime, utcnow

REASON_MAX = 1000


class Outcome(StrEnum):
    incorporated = "incorporated"
    partly_incorporated = "partly_incorporated"
    merged = "merged"  # merged with others into one text
    not_taken_up = "not_taken_up"


# For the listening report: a contribution no paragraph points at yet.
NOT_CONSIDERED = "not_considered"

OUTCOME_LABELS: dict[str, str] = {
    Outcome.incorporated: N_("Incorporated"),
    Outcome.partly_incorporated: N_("Partly incorporated"),
    Outcome.merged: N_("Merged with others"),
    Outcome.not_taken_up: N_("Not taken up"),
    NOT_CONSIDERED: N_("Not yet considered"),
}
# When one contribution fed several paragraphs, the report counts it once, by its best outcome.
OUTCOME_RANK: dict[str, int] = {
    Outcome.incorporated: 0,
    Outcome.partly_incorporated: 1,
    Outcome.merged: 2,
    Outcome.not_taken_up: 3,
    NOT_CONSIDERED: 4,
}


class ParagraphSource(SQLModel, table=True):
    __tablename__ = "policy_paragraph_source"
    __table_args__ = (
        UniqueConstraint("paragraph_id", "target_kind", "target_id"),
        Index("ix_policy_paragraph_source_target", "target_kind", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    paragraph_id: int = Field(foreign_key="policy_paragraph.id", index=True, ondelete="CASCADE")
    target_kind: str = Field(max_length=30)
    target_id: int
    outcome: Outcome = Field(sa_column=Column(String(30), nullable=False))
    reason: str = Field(default="", max_length=REASON_MAX)
    linked_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SourceIn(Input):
    target_kind: str = Field(min_length=1, max_length=30)
    target_id: DbId
    outcome: Outcome
    reason: str = Field(default="", max_length=REASON_MAX)


class SourceRef(Input):
    """What DELETE names: the source to unlink from the paragraph."""

    target_kind: str = Field(min_length=1, max_length=30)
    target_id: DbId


class SourcePublic(SQLModel):
    paragraph_id: int
    target_kind: str
    target_id: int
    title: str | None  # None: the source is gone or hidden from this reader
    url: str | None
    outcome: Outcome
    reason: str
    created_at: datetime


class UptakePublic(SQLModel):
    """Where a contribution went: one row per paragraph it fed, in the text this reader may
    read (the latest public snapshot that holds it, or the working text for the drafting team)."""

    document_id: int
    document_title: str
    stage: str
    stage_name: str
    snapshot: int | None  # None: the working text
    section_number: str
    paragraph_id: int
    url: str
    outcome: Outcome
    outcome_label: str
    reason: str


# -- the listening report ------------------------------------------------------------------

Dimension = Literal["channel", "caucus", "language", "organisation_type", "theme"]


class OutcomeCounts(SQLModel):
    """Contributions counted once each, by the best outcome of their links (OUTCOME_RANK)."""

    incorporated: int = 0
    partly_incorporated: int = 0
    merged: int = 0
    not_taken_up: int = 0
    not_considered: int = 0


class ListeningGroup(SQLModel):
    key: str  # the channel, caucus id, language code, organisation type, theme id; "none"
    label: str  # in the reader's language
    total: int
    outcomes: OutcomeCounts


class ListeningBreakdown(SQLModel):
    dimension: Dimension
    title: str
    groups: list[ListeningGroup]


class ListeningReportPublic(SQLModel):
    document_id: int
    snapshot: int | None  # None: the working text's links
    rule: str  # which contributions are counted, in words
    total: int
    outcomes: OutcomeCounts
    breakdowns: list[ListeningBreakdown]
