"""A policy document's stages (drafting → caucus review → Policy Council → committee → World
Council → adopted by default, configurable per document), each move between them an event, and
the snapshot each move freezes.

A snapshot is the whole text as it stood when the document entered a stage, with each
paragraph's sources as they were then: written once, never updated (the app offers no way to),
at a citable URL. Whether the public reads it is the stage's `public` flag, copied into the
snapshot when it is frozen so that a later change of the stage list does not publish or hide
what was frozen.
"""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import Input, JSONType, RequiredLocalizedText, UTCDateTime, utcnow
from app.services.workflow import EventFields

REASON_MAX = 1000

# key, name (msgid), public, needs caucus sign-off to leave
DEFAULT_STAGES: tuple[tuple[str, str, bool, bool], ...] = (
    ("drafting", N_("Drafting"), False, False),
    ("caucus_review", N_("Caucus review"), False, True),
    ("policy_council", N_("Policy Council"), True, False),
    ("committee", N_("Committee"), True, False),
    ("world_council", N_("World Council"), True, False),
    ("adopted", N_("Adopted"), True, False),
)
STAGE_ACTION_LABELS: dict[str, str] = {
    "advance": N_("Move to the next stage"),
    "return": N_("Return to the previous stage"),
}


class DocumentStage(SQLModel, table=True):
    __tablename__ = "policy_stage"
    __table_args__ = (UniqueConstraint("document_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    position: int  # 1 = the first stage
    key: str = Field(max_length=20)  # what policy_document.stage holds
    # Per locale; a default stage with no name of its own shows its translated default name.
    name: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    public: bool = False
    needs_signoff: bool = False  # the document leaves this stage only with every section signed off


class StageEvent(EventFields, table=True):
    __tablename__ = "policy_stage_event"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    snapshot_number: int | None = None


class DocumentSnapshot(SQLModel, table=True):
    __tablename__ = "policy_snapshot"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    number: int  # 1, 2, … in the order they were frozen
    stage: str = Field(sa_column=Column(String(20), nullable=False))  # the stage entered
    from_stage: str = Field(sa_column=Column(String(20), nullable=False))
    stage_name: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)  # as named then
    public: bool = False
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reason: str = Field(default="", max_length=REASON_MAX)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    title: dict[str, str] = Field(sa_type=JSONType)
    language: str = Field(max_length=5)
    # [{"id", "number", "depth", "title", "version",
    #   "paragraphs": [{"id", "text", "html", "sources": [{kind, id, title, url, channel,
    #                    date, outcome, reason}]}]}]
    sections: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)


class SnapshotSource(SQLModel, table=True):
    """A paragraph source as frozen in a snapshot, in rows so that a contribution's page and the
    listening report find it without reading every snapshot's text."""

    __tablename__ = "policy_snapshot_source"
    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="policy_snapshot.id", index=True, ondelete="CASCADE")
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    paragraph_id: int  # no foreign key: the snapshot outlives the paragraph
    section_number: str = Field(max_length=20)  # "3.2"
    target_kind: str = Field(max_length=30)
    target_id: int
    outcome: str = Field(max_length=30)
    reason: str = Field(default="", max_length=REASON_MAX)


# -- what clients send and get -------------------------------------------------------------


class TransitionIn(Input):
    action: Literal["advance", "return"]
    reason: str = Field(default="", max_length=REASON_MAX)
    # The stage the client saw (the page's form sends it): a move from a stage the document
    # has already left is refused (409), so two people advancing at once move it one stage.
    from_stage: str | None = Field(default=None, max_length=20)


class StageIn(Input):
    key: str | None = Field(
        default=None, min_length=2, max_length=20, schema_extra={"pattern": r"^[a-z][a-z0-9_]*$"}
    )
    name: RequiredLocalizedText
    public: bool = False
    needs_signoff: bool = False


class StagesIn(Input):
    """The whole list, in order; stages up to the current one cannot be removed or moved."""

    stages: list[StageIn] = Field(min_length=2, max_length=12)


class StagePublic(SQLModel):
    key: str
    name: str  # in the reader's language
    position: int
    public: bool
    needs_signoff: bool
    current: bool


class Blocker(SQLModel):
    section_id: int
    number: str
    title: str
    caucus_id: int
    caucus: str
    reason: Literal["objection", "missing", "stale"]


class StageBlockedProblem(SQLModel):
    """409: the document cannot leave a sign-off stage; `blockers` says which sections lack
    which caucus's current sign-off, and why (empty for the other conflicts: the document
    moved meanwhile, or the move does not apply to its stage)."""

    title: str
    status: int
    detail: str
    blockers: list[Blocker] = Field(default_factory=list)


class TransitionOut(SQLModel):
    document_id: int
    stage: str
    stage_name: str
    snapshot: int


class SnapshotSummary(SQLModel):
    number: int
    stage: str
    stage_name: str
    from_stage: str
    public: bool
    created_at: datetime
    reason: str
    url: str


class SnapshotPublic(SnapshotSummary):
    document_id: int
    title: dict[str, str]
    language: str
    sections: list[dict[str, Any]]
