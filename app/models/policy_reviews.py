"""Caucus sign-off on a policy document's sections: the caucuses a document requires, and each
required caucus's review of each section (endorse, endorse with concerns, object), given by a
representative of that caucus on the drafting team, of one revision of the section.

A review names the section version it was given on: once the section has changed, the review is
"given on an earlier revision" (stale) until the representative confirms or changes it. The
review's verdict is its `status` on the workflow (services/workflow.py), so each verdict given,
confirmed or changed is one event.
"""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import Input, UTCDateTime, utcnow
from app.services.workflow import EventFields

NOTE_MAX = 4000


class Verdict(StrEnum):
    endorse = "endorse"
    concerns = "concerns"  # endorse with concerns
    object = "object"


# A review row exists from the first verdict; "none" is its state before (the row is created
# in that state and moved by the workflow in the same transaction).
NO_REVIEW = "none"

VERDICT_LABELS: dict[str, str] = {
    NO_REVIEW: N_("No review yet"),
    Verdict.endorse: N_("Endorsed"),
    Verdict.concerns: N_("Endorsed with concerns"),
    Verdict.object: N_("Objection"),
}
VERDICT_ACTION_LABELS: dict[str, str] = {
    Verdict.endorse: N_("Endorse"),
    Verdict.concerns: N_("Endorse with concerns"),
    Verdict.object: N_("Object"),
}


class DocumentCaucus(SQLModel, table=True):
    """A caucus whose sign-off the document requires (by default the cross-cutting caucuses)."""

    __tablename__ = "policy_document_caucus"
    document_id: int = Field(foreign_key="policy_document.id", primary_key=True, ondelete="CASCADE")
    caucus_id: int = Field(foreign_key="caucus.id", primary_key=True, ondelete="CASCADE")


class SectionReview(SQLModel, table=True):
    __tablename__ = "policy_section_review"
    __table_args__ = (UniqueConstraint("section_id", "caucus_id"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    section_id: int = Field(foreign_key="policy_section.id", index=True, ondelete="CASCADE")
    caucus_id: int = Field(foreign_key="caucus.id", index=True, ondelete="CASCADE")
    status: str = Field(sa_column=Column(String(20), nullable=False))  # a Verdict or NO_REVIEW
    note: str = Field(default="", max_length=NOTE_MAX)
    revision: int = 0  # the section version the verdict was given on
    reviewer_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReviewEvent(EventFields, table=True):
    __tablename__ = "policy_review_event"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="policy_section_review.id", index=True, ondelete="CASCADE")
    revision: int = 0  # the section version this verdict was given on
    # The note whole: `reason` (EventFields) holds 1,000 characters, a note up to NOTE_MAX.
    note: str = Field(default="", max_length=NOTE_MAX)


# -- what clients send and get -------------------------------------------------------------


class ReviewIn(Input):
    verdict: Verdict
    note: str = Field(default="", max_length=NOTE_MAX)


class RequiredCaucusesIn(Input):
    caucus_ids: list[int] = Field(default_factory=list, max_length=50)


class ReviewCell(SQLModel):
    section_id: int
    caucus_id: int
    state: Literal["none", "endorse", "concerns", "object"]
    stale: bool  # given on an earlier revision of the section
    revision: int | None
    section_version: int
    note: str
    reviewer: str | None
    updated_at: datetime | None


class ReviewMatrix(SQLModel):
    document_id: int
    caucus_ids: list[int]
    sections: list[int]  # in reading order
    cells: list[ReviewCell]
    counts: dict[str, int]  # endorse, concerns, object, stale, none


class ReviewEventPublic(SQLModel):
    actor: str | None  # None: the account was removed
    action: Literal["endorse", "concerns", "object"]
    from_state: Literal["none", "endorse", "concerns", "object"]
    to_state: Literal["none", "endorse", "concerns", "object"]
    revision: int  # the section version the verdict was given on
    note: str
    created_at: datetime


class ReviewDetail(SQLModel):
    cell: ReviewCell
    events: list[ReviewEventPublic]  # newest first
