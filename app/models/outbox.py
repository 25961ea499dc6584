"""E-mails waiting to be sent, and sent (services/outbox.py)."""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, utcnow


class OutboxMessage(SQLModel, table=True):
    """One e-mail, rendered in its recipient's language when it was enqueued. Written in the
    transaction of whatever caused it, so a write that rolls back sends nothing; a sender
    delivers it after the commit, retrying with a growing wait."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    locale: str = Field(max_length=5)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # What the e-mail is for (e.g. "account.confirm"), for the log and for tests.
    kind: str = Field(max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Not before this time: the growing wait after a failed delivery.
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A sender delivering it now (another waits until then: a sender that died lets go).
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
