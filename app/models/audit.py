"""The audit log of staff actions, and rate-limit counters that hold across app instances."""

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=40)
    object_id: int | None = None
    summary: str = Field(default="", max_length=500)
    # What changed, where it matters: a state or a role before and after (codes, labelled
    # where shown).
    before: str = Field(
        default="", sa_column=Column(String(100), nullable=False, server_default="")
    )
    after: str = Field(default="", sa_column=Column(String(100), nullable=False, server_default=""))


class AuditEventPublic(SQLModel):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: int | None
    summary: str
    before: str
    after: str


class RateCounter(SQLModel, table=True):
    """Fixed-window counters keyed by purpose and subject (account, IP)."""

    __tablename__ = "rate_counter"
    key: str = Field(max_length=200, primary_key=True)
    window_start: int = Field(primary_key=True)
    count: int = 0


class ChangeCounter(SQLModel, table=True):
    """One row, bumped in every transaction that writes, so that any app instance can tell
    whether a page it rendered earlier is still current (see app/web/pagecache.py)."""

    __tablename__ = "change_counter"
    id: int = Field(default=1, primary_key=True)
    value: int = 0
