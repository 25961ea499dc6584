"""Comments on a policy document's paragraphs: threads (a top-level comment and its replies, at
any depth) that the drafting team resolves and reopens.

A comment points at the paragraph it was written on and keeps pointing there: paragraph ids
survive edits, and when a paragraph is merged into another its comments are read under the one
it was merged into (services/policy/comments.py follows `merged_into_id`), so nothing is moved.
The thread's resolution lives on its top-level comment; `thread_id` on every comment (its own
id for a top-level one) lets one query count the open comments of many paragraphs.
"""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.contributions import IdempotencyKey
from app.models.types import DbId, Input, UTCDateTime, utcnow

COMMENT_MAX = 10_000  # characters of Markdown


class PolicyComment(SQLModel, table=True):
    __tablename__ = "policy_comment"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_document.id", index=True, ondelete="CASCADE")
    paragraph_id: int = Field(foreign_key="policy_paragraph.id", index=True, ondelete="CASCADE")
    # The top-level comment of the thread (its own id for a top-level comment).
    thread_id: int | None = Field(
        default=None, foreign_key="policy_comment.id", index=True, ondelete="CASCADE"
    )
    parent_id: int | None = Field(
        default=None, foreign_key="policy_comment.id", index=True, ondelete="CASCADE"
    )
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))  # sanitised when written
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Deleted with replies below it: the row stays (emptied) so that the replies keep a parent.
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # On top-level comments only: the thread's resolution, and the last reopening.
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # A retry with the same key (scoped to the author, as a proposal's) returns this comment.
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)


# -- what clients send ---------------------------------------------------------------------


class CommentCreate(Input):
    body: str = Field(min_length=1, max_length=COMMENT_MAX, schema_extra={"pattern": r"\S"})
    parent_id: DbId | None = None  # a reply to this comment, of a thread on the same paragraph
    idempotency_key: IdempotencyKey | None = None  # or the Idempotency-Key header


class CommentUpdate(Input):
    body: str = Field(min_length=1, max_length=COMMENT_MAX, schema_extra={"pattern": r"\S"})


class ResolutionIn(Input):
    resolved: bool


# -- what clients get ----------------------------------------------------------------------


class CommentPublic(SQLModel):
    id: int
    thread_id: int
    parent_id: int | None
    paragraph_id: int  # the paragraph it was written on (maybe since merged into another)
    author_id: int | None
    author: str | None
    body: str | None  # None once deleted
    body_html: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool


class ThreadPublic(SQLModel):
    id: int  # its top-level comment's
    paragraph_id: int
    resolved: bool
    resolved_at: datetime | None
    resolved_by_id: int | None
    resolved_by: str | None
    comments: list[CommentPublic]  # the top-level comment first, then replies as written


class CommentsPublic(SQLModel):
    paragraph_id: int  # the paragraph the threads are shown under
    merged_from: list[int]  # paragraphs merged into it whose threads are shown here
    open_count: int
    threads: list[ThreadPublic]
