"""Policy documents: a document of a forum, its drafting team, a tree of numbered sections whose
text is Markdown kept as paragraphs with stable ids, and each section's revisions.

A section's `version` is the number of its latest revision; a save says which version it was
based on, and the write is a compare-and-set on that column (services/policy/saving.py). A
paragraph row outlives its removal (`removed_at`, `merged_into_id`) so that what points at it
(comments, amendments, sources in part 2) can still say what it was.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import (
    DbId,
    Input,
    JSONType,
    LocaleCode,
    RequiredLocalizedText,
    UTCDateTime,
    utcnow,
)

BODY_MAX = 50_000  # characters of Markdown in one section
TITLE_MAX = 300
NOTE_MAX = 1000
MAX_DEPTH = 3  # 1, 1.1, 1.1.1


class TeamRole(StrEnum):
    editor = "editor"
    caucus_rep = "caucus_rep"


TEAM_ROLE_LABELS: dict[str, str] = {
    TeamRole.editor: N_("Editor"),
    TeamRole.caucus_rep: N_("Caucus representative"),
}


class PolicyDocument(SQLModel, table=True):
    __tablename__ = "policy_document"
    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", index=True, ondelete="CASCADE")
    title: dict[str, str] = Field(sa_type=JSONType)
    language: str = Field(max_length=5)  # of the text, whatever the reader's language
    # Part 2 moves documents through caucus review and publication; all start in drafting.
    stage: str = Field(
        default="drafting",
        sa_column=Column(String(20), nullable=False, server_default="drafting"),
    )
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DraftingMember(SQLModel, table=True):
    __tablename__ = "policy_team_member"
    __table_args__ = (UniqueConstraint("document_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: TeamRole = Field(sa_column=Column(String(20), nullable=False))
    caucus_id: int | None = Field(default=None, foreign_key="caucus.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PolicySection(SQLModel, table=True):
    __tablename__ = "policy_section"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    parent_id: int | None = Field(
        default=None, foreign_key="policy_section.id", index=True, ondelete="CASCADE"
    )
    position: int
    title: str = Field(max_length=TITLE_MAX)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PolicyParagraph(SQLModel, table=True):
    """One top-level Markdown block of a section. Its id is what others point at: it stays
    while the text is edited, goes to the first part of a split and to the first of merged
    paragraphs."""

    __tablename__ = "policy_paragraph"
    id: int | None = Field(default=None, primary_key=True)
    section_id: int = Field(foreign_key="policy_section.id", index=True, ondelete="CASCADE")
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    # The section version whose revision last changed this paragraph's text (for blame).
    changed_version: int = 1
    merged_into_id: int | None = Field(
        default=None, foreign_key="policy_paragraph.id", ondelete="SET NULL"
    )
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SectionRevision(SQLModel, table=True):
    __tablename__ = "policy_section_revision"
    __table_args__ = (UniqueConstraint("section_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    section_id: int = Field(foreign_key="policy_section.id", index=True, ondelete="CASCADE")
    number: int  # the section's version this revision made
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    title: str = Field(max_length=TITLE_MAX)
    # The whole section as it stood: [{"id": paragraph id, "text": Markdown}, ...]
    paragraphs: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # Paragraphs joined into another by this revision: [{"id": removed, "into": kept}, ...]
    merges: list[dict[str, int]] = Field(default_factory=list, sa_type=JSONType)
    base_version: int | None = None  # what the author's copy was based on
    auto_merged: bool = False  # saved over others' newer revisions, merged three ways
    note: str = Field(default="", max_length=NOTE_MAX)
    reverted_from: int | None = None  # the revision number a revert brought back


class SectionPresence(SQLModel, table=True):
    """Who has a section open in the editor, and when their page last said so. One row per
    person and section, overwritten; a row older than a minute means they left."""

    __tablename__ = "policy_section_presence"
    section_id: int = Field(foreign_key="policy_section.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# -- what clients send ---------------------------------------------------------------------


class DocumentCreate(Input):
    forum_id: DbId
    title: RequiredLocalizedText
    language: LocaleCode


class TeamMemberIn(Input):
    user_id: DbId
    role: TeamRole
    caucus_id: DbId | None = None


class SectionCreate(Input):
    title: str = Field(min_length=1, max_length=TITLE_MAX, schema_extra={"pattern": r"\S"})
    body: str = Field(default="", max_length=BODY_MAX)
    parent_id: DbId | None = None
    position: int | None = Field(default=None, ge=1, le=10_000)


class SectionSave(Input):
    """A save: the whole body as the editor has it, and the version it was based on (or an
    If-Match header carrying the section's ETag). Without a title the title stays."""

    body: str = Field(max_length=BODY_MAX)
    title: str | None = Field(
        default=None, min_length=1, max_length=TITLE_MAX, schema_extra={"pattern": r"\S"}
    )
    base_version: DbId | None = None
    note: str = Field(default="", max_length=NOTE_MAX)


class RevertIn(Input):
    revision: DbId
    note: str = Field(default="", max_length=NOTE_MAX)


# -- what clients get ----------------------------------------------------------------------


class ParagraphPublic(SQLModel):
    id: int
    text: str


class TeamMemberPublic(SQLModel):
    user_id: int
    name: str
    role: TeamRole
    caucus_id: int | None


class SectionSummary(SQLModel):
    id: int
    parent_id: int | None
    position: int
    number: str  # "1", "1.2", "1.2.1"
    depth: int
    title: str
    version: int
    updated_at: datetime


class DocumentPublic(SQLModel):
    id: int
    forum_id: int
    title: dict[str, str]
    language: str
    stage: str
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    team: list[TeamMemberPublic]
    sections: list[SectionSummary]  # the tree in reading order; parent_id and number say where


class SectionPublic(SQLModel):
    id: int
    document_id: int
    parent_id: int | None
    position: int
    number: str
    title: str
    body: str
    version: int
    updated_at: datetime
    paragraphs: list[ParagraphPublic]


class SectionSaved(SectionPublic):
    merged: bool  # true when others had saved since the base and their changes were kept


class ConflictPublic(SQLModel):
    """One place both saves changed differently: the title, or a paragraph (by id)."""

    field: Literal["title", "paragraph"]
    paragraph_id: int | None
    base: str | None  # as both editors last saw it (None: it did not exist then)
    ours: str | None  # what this save wanted (None: removed)
    theirs: str | None  # what the section has now (None: removed)


class SectionConflictProblem(SQLModel):
    """409: the save overlaps changes saved since its base; nothing of it was stored."""

    title: str
    status: int
    detail: str
    version: int
    body: str
    section: SectionPublic
    conflicts: list[ConflictPublic]


class RevisionPublic(SQLModel):
    number: int
    author_id: int | None
    author: str | None
    created_at: datetime
    title: str
    note: str
    base_version: int | None
    auto_merged: bool
    reverted_from: int | None
    merges: list[dict[str, int]]
    paragraphs: int  # how many


class DiffRun(SQLModel):
    op: Literal["equal", "insert", "delete"]
    text: str


class ParagraphDiff(SQLModel):
    paragraph_id: int
    change: Literal["same", "changed", "added", "removed"]
    runs: list[DiffRun]


class DiffPublic(SQLModel):
    section_id: int
    from_version: int
    to_version: int
    title: list[DiffRun]
    paragraphs: list[ParagraphDiff]


class BlameLine(SQLModel):
    paragraph_id: int
    text: str
    version: int
    author_id: int | None
    author: str | None
    changed_at: datetime
