"""Amendments to a policy document's paragraphs: someone proposes a replacement for one
paragraph's text, with a rationale, against the text the paragraph had then (its base); editors
accept it (a new section revision credits the amender), reject it with a reason the amender
sees, or fold several into one text. Each step is an event (services/workflow.py).

The base text is kept, not only the section version: an amendment is outdated exactly when
its paragraph's text is no longer its base text, whatever else changed in the section.
"""

from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.contributions import IdempotencyKey
from app.models.types import DbId, Input, UTCDateTime, utcnow
from app.services.workflow import EventFields

REPLACEMENT_MAX = 20_000
RATIONALE_MAX = 2000
MERGE_MAX = 20  # amendments folded into one text at once


class AmendmentStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    withdrawn = "withdrawn"
    merged = "merged"  # folded into another amendment's text, which was accepted


class AmendmentAction(StrEnum):
    propose = "propose"  # the first event: the amendment as proposed
    accept = "accept"
    reject = "reject"
    withdraw = "withdraw"
    rebase = "rebase"
    merge = "merge"


STATUS_LABELS: dict[str, str] = {
    AmendmentStatus.pending: N_("Pending"),
    AmendmentStatus.accepted: N_("Accepted"),
    AmendmentStatus.rejected: N_("Rejected"),
    AmendmentStatus.withdrawn: N_("Withdrawn"),
    AmendmentStatus.merged: N_("Merged"),
}
ACTION_LABELS: dict[str, str] = {
    AmendmentAction.propose: N_("Proposed"),
    AmendmentAction.accept: N_("Accept"),
    AmendmentAction.reject: N_("Reject"),
    AmendmentAction.withdraw: N_("Withdraw"),
    AmendmentAction.rebase: N_("Update to the current text"),
    AmendmentAction.merge: N_("Merge"),
}


class Amendment(SQLModel, table=True):
    __tablename__ = "policy_amendment"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    section_id: int = Field(foreign_key="policy_section.id", index=True, ondelete="CASCADE")
    paragraph_id: int = Field(foreign_key="policy_paragraph.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    status: AmendmentStatus = Field(sa_column=Column(String(20), nullable=False))
    base_text: str = Field(sa_column=Column(Text, nullable=False))
    base_version: int  # the section's version when proposed or last rebased
    replacement: str = Field(sa_column=Column(Text, nullable=False))
    rationale: str = Field(default="", max_length=RATIONALE_MAX)
    decision_reason: str = Field(default="", max_length=1000)
    # A merged amendment points at the one whose text took it in.
    merged_into_id: int | None = Field(
        default=None, foreign_key="policy_amendment.id", ondelete="SET NULL"
    )
    revision: int | None = None  # the section version its acceptance made
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The scoped idempotency key it was proposed with (as a comment's), so a retry finds it.
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)


class AmendmentEvent(EventFields, table=True):
    __tablename__ = "policy_amendment_event"
    id: int | None = Field(default=None, primary_key=True)
    amendment_id: int = Field(foreign_key="policy_amendment.id", index=True, ondelete="CASCADE")


# -- what clients send ---------------------------------------------------------------------


class AmendmentCreate(Input):
    replacement: str = Field(
        min_length=1, max_length=REPLACEMENT_MAX, schema_extra={"pattern": r"\S"}
    )
    rationale: str = Field(default="", max_length=RATIONALE_MAX)
    idempotency_key: IdempotencyKey | None = None  # or the Idempotency-Key header


class AmendmentRebase(Input):
    replacement: str = Field(
        min_length=1, max_length=REPLACEMENT_MAX, schema_extra={"pattern": r"\S"}
    )
    rationale: str | None = Field(default=None, max_length=RATIONALE_MAX)


class AmendmentDecision(Input):
    action: Literal["accept", "reject", "withdraw"]
    reason: str = Field(default="", max_length=1000)


class AmendmentMerge(Input):
    amendment_ids: list[DbId] = Field(min_length=2, max_length=MERGE_MAX)
    text: str = Field(min_length=1, max_length=REPLACEMENT_MAX, schema_extra={"pattern": r"\S"})
    reason: str = Field(default="", max_length=1000)


# -- what clients get ----------------------------------------------------------------------


class AmendmentEventPublic(SQLModel):
    action: str
    from_status: str
    to_status: str
    actor_id: int | None
    actor: str | None
    reason: str
    created_at: datetime


class TrackedRun(SQLModel):
    op: Literal["equal", "insert", "delete"]
    text: str


class AmendmentPublic(SQLModel):
    id: int
    document_id: int
    section_id: int
    paragraph_id: int
    author_id: int | None
    author: str | None
    status: AmendmentStatus
    base_text: str
    base_version: int
    replacement: str
    rationale: str
    decision_reason: str
    merged_into_id: int | None
    revision: int | None
    created_at: datetime
    decided_at: datetime | None
    current_text: str | None  # the paragraph now (None: it was removed)
    outdated: bool  # the paragraph's text is no longer the base text
    changes: list[TrackedRun]  # the replacement against the current text (or the base)
    base_changes: list[TrackedRun]  # the base against the current text, when outdated
    events: list[AmendmentEventPublic]
