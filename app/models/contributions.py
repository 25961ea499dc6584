"""Contributions: proposals, live remarks and e-mailed submissions; endorsements, reports,
moderation events, attachments and the live window of a session."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import EmailStr
from pydantic import Field as PydField
from sqlalchemy import Column, Connection, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from app.i18n import N_, NC_
from app.lib import markup
from app.models.types import DbId, Input, JSONType, LocaleCode, UTCDateTime, WebAddress, utcnow
from app.services.workflow import EventFields

TITLE_MAX = 200
BODY_MAX = 20000
REMARK_MAX = 2000
EXCERPT_MAX = 280


class Kind(StrEnum):
    proposal = "proposal"
    remark = "remark"  # typed during a live session, like the chat of a hybrid Town Hall
    question = "question"


class Channel(StrEnum):
    web = "web"
    live = "live"
    email = "email"
    transcribed = "transcribed"  # entered by the secretariat on someone's behalf


class Status(StrEnum):
    pending = "pending"  # waiting for a moderator
    published = "published"
    hidden = "hidden"  # taken down pending review (by a moderator or by reports)
    rejected = "rejected"


class ReportReason(StrEnum):
    spam = "spam"
    offensive = "offensive"
    off_topic = "off_topic"
    personal_data = "personal_data"


class ModerationAction(StrEnum):
    accept = "accept"
    hide = "hide"
    reject = "reject"
    restore = "restore"
    auto_hide = "auto_hide"  # enough reports came in
    pin = "pin"
    unpin = "unpin"
    for_minutes = "for_minutes"
    not_for_minutes = "not_for_minutes"
    dismiss_reports = "dismiss_reports"  # the reports were unfounded: it stays published
    # The secretariat's edits and answer: the state stays, the event says what changed.
    set_themes = "set_themes"
    set_session = "set_session"
    set_caucus = "set_caucus"
    answer = "answer"


class OrganisationType(StrEnum):
    """What kind of body a contribution speaks for (the listening report's breakdown)."""

    individual = "individual"
    civil_society = "civil_society"
    grassroots = "grassroots"
    local_government = "local_government"
    national_government = "national_government"
    international = "international"
    academia = "academia"
    private_sector = "private_sector"
    other = "other"


class Sort(StrEnum):
    newest = "newest"
    endorsed = "endorsed"


# -- labels, beside their enums (msgids; translated where they are shown) ----------------------

KIND_LABELS = {
    Kind.proposal: N_("Proposal"),
    Kind.remark: N_("Live remark"),
    Kind.question: N_("Question"),
}
# The choice on the live form, where every item is a remark of some kind.
REMARK_KIND_LABELS = {Kind.remark: N_("Remark"), Kind.question: N_("Question")}
CHANNEL_LABELS = {
    Channel.web: N_("Submitted online"),
    Channel.live: N_("Posted during the session"),
    Channel.email: N_("Received by e-mail"),
    Channel.transcribed: N_("Transcribed by the secretariat"),
}
ORGANISATION_TYPE_LABELS: dict[str, str] = {
    OrganisationType.individual: N_("Individual, speaking for themselves"),
    OrganisationType.civil_society: N_("Civil society organisation"),
    OrganisationType.grassroots: N_("Grassroots or community group"),
    OrganisationType.local_government: N_("Local or regional government"),
    OrganisationType.national_government: N_("National government"),
    OrganisationType.international: N_("International organisation or UN agency"),
    OrganisationType.academia: N_("University or research centre"),
    OrganisationType.private_sector: N_("Business or private sector"),
    OrganisationType.other: N_("Other"),
}
STATUS_LABELS: dict[str, str] = {
    Status.pending: N_("Waiting for moderation"),
    Status.published: N_("Published"),
    Status.hidden: N_("Hidden pending review"),
    Status.rejected: NC_("contribution", "Rejected"),  # agrees with the noun in es and pt
}
REASON_LABELS = {
    ReportReason.spam: N_("Spam or advertising"),
    ReportReason.offensive: N_("Offensive or abusive"),
    ReportReason.off_topic: N_("Off topic"),
    ReportReason.personal_data: N_("Reveals someone's personal data"),
}
ACTION_LABELS: dict[str, str] = {
    ModerationAction.accept: N_("Accept"),
    ModerationAction.hide: N_("Hide"),
    ModerationAction.reject: N_("Reject"),
    ModerationAction.restore: N_("Restore"),
    ModerationAction.auto_hide: N_("Hidden after reports"),
    ModerationAction.pin: N_("Pin"),
    ModerationAction.unpin: N_("Unpin"),
    ModerationAction.for_minutes: N_("Mark for the minutes"),
    ModerationAction.not_for_minutes: N_("Unmark for the minutes"),
    ModerationAction.dismiss_reports: N_("Dismiss the reports and keep it"),
    ModerationAction.set_themes: N_("Themes changed"),
    ModerationAction.set_session: N_("Session changed"),
    ModerationAction.set_caucus: N_("Caucus lens changed"),
    ModerationAction.answer: N_("Official answer"),
}
# What happened, in the history (an action's label is the button: "Accept"; its event is the
# participle agreeing with the contribution: "Aceita", not "Aceitar").
EVENT_LABELS: dict[str, str] = ACTION_LABELS | {
    ModerationAction.accept: NC_("contribution", "Accepted"),
    ModerationAction.hide: NC_("contribution", "Hidden by a moderator"),
    ModerationAction.reject: NC_("contribution", "Rejected"),
    ModerationAction.restore: NC_("contribution", "Restored"),
    ModerationAction.pin: NC_("contribution", "Pinned"),
    ModerationAction.unpin: NC_("contribution", "Unpinned"),
    ModerationAction.for_minutes: NC_("contribution", "Marked for the minutes"),
    ModerationAction.not_for_minutes: NC_("contribution", "No longer marked for the minutes"),
    ModerationAction.dismiss_reports: NC_("contribution", "Reports dismissed, kept"),
}
SORT_LABELS = {Sort.newest: N_("Newest first"), Sort.endorsed: N_("Most endorsed")}
# What the pages show beside contributions, passed to their templates as one set.
LABELS = {
    "kind_labels": KIND_LABELS,
    "channel_labels": CHANNEL_LABELS,
    "status_labels": STATUS_LABELS,
    "reason_labels": REASON_LABELS,
    "action_labels": ACTION_LABELS,
    "event_labels": EVENT_LABELS,
    "organisation_type_labels": ORGANISATION_TYPE_LABELS,
}


class Contribution(SQLModel, table=True):
    __table_args__ = (
        # The list's orders under its filters, so a page costs the same at 100 or 100,000 rows.
        Index("ix_contribution_status_id", "status", "id"),
        Index("ix_contribution_status_endorsed", "status", "endorsement_count", "id"),
        Index("ix_contribution_forum_status_id", "forum_id", "status", "id"),
        Index("ix_contribution_session_status_id", "session_id", "status", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(foreign_key="forum.id", ondelete="CASCADE")
    session_id: int | None = Field(
        default=None, foreign_key="forum_session.id", ondelete="SET NULL"
    )
    kind: Kind = Field(sa_column=Column(String(20), nullable=False))
    channel: Channel = Field(sa_column=Column(String(20), nullable=False))
    status: Status = Field(sa_column=Column(String(20), nullable=False))
    title: str = Field(default="", max_length=TITLE_MAX)
    body: str = Field(sa_column=Column(Text, nullable=False))
    # The body's sanitised HTML, rewritten in the flush that writes the body (below): what pages
    # and the API show, so that no read renders Markdown.
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # Plain text, cut short, made once at writing time so that lists never render Markdown.
    excerpt: str = Field(default="", max_length=EXCERPT_MAX + 1)
    language: str = Field(max_length=5)
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    # For people without an account (web, e-mail) and for transcriptions. Personal data: shown
    # to the secretariat only, never exported.
    author_name: str = Field(default="", max_length=120)
    author_email: str | None = Field(default=None, max_length=254)
    # The privacy notice a person without an account agreed to with this proposal
    # (services/privacy.py), and when; None when the author has an account (they agreed when
    # they registered), for e-mailed and transcribed proposals, and before it was asked.
    privacy_consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    privacy_notice_version: str | None = Field(default=None, max_length=20)
    organisation_name: str | None = Field(default=None, max_length=200)
    organisation_type: OrganisationType | None = Field(
        default=None, sa_column=Column(String(30), nullable=True)
    )
    caucus_id: int | None = Field(default=None, foreign_key="caucus.id", ondelete="SET NULL")
    links: list[str] = Field(default_factory=list, sa_type=JSONType)
    # Kept in columns so lists sort and show counts without counting rows.
    endorsement_count: int = 0
    open_reports: int = 0
    pinned: bool = False
    for_minutes: bool = False
    # The latest moderation reason, shown to the author with the outcome.
    moderation_note: str | None = Field(default=None, max_length=1000)
    # The secretariat's official answer: Markdown as written, and its sanitised HTML made at
    # writing time (lib/markup), which is what pages and the API show.
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answer_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Deduplication of e-mail imports (hash of the Message-ID) and of retried submissions.
    source_key: str | None = Field(default=None, max_length=64, unique=True)
    idempotency_key: str | None = Field(default=None, max_length=64, unique=True)
    # Lets a person without an account follow their submission (only a hash is kept).
    receipt_hash: str | None = Field(default=None, max_length=64, unique=True)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def body_html(contribution: Contribution) -> str:
    """A live remark is plain text with its links; everything else is Markdown."""
    if contribution.channel == Channel.live:
        return markup.store_text(contribution.body)
    return markup.store(contribution.body)


@event.listens_for(Contribution, "before_insert")
@event.listens_for(Contribution, "before_update")
def _store_body_html(_mapper: Mapper[Contribution], _conn: Connection, row: Contribution) -> None:
    # In the flush that writes the body, whoever wrote it (a service, the demo, a test), so the
    # text and its HTML change in one transaction. A bulk UPDATE of `body` would bypass this:
    # none exists, and one would have to set body_html itself.
    body = sa_inspect(row).attrs.body.history
    if body.has_changes() or not row.body_html:
        row.body_html = body_html(row)


class ContributionTheme(SQLModel, table=True):
    __tablename__ = "contribution_theme"
    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, ondelete="CASCADE"
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, index=True, ondelete="CASCADE")


class Endorsement(SQLModel, table=True):
    # The primary key is the one-per-account rule: a double click or a race cannot count twice.
    contribution_id: int = Field(
        foreign_key="contribution.id", primary_key=True, ondelete="CASCADE"
    )
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Report(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("contribution_id", "reporter_id"),)
    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    reporter_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    reason: ReportReason = Field(sa_column=Column(String(20), nullable=False))
    note: str = Field(default="", max_length=1000)
    resolved: bool = False
    # Settled by a moderator who kept the contribution: the report was not upheld.
    dismissed: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ModerationEvent(EventFields, table=True):
    """One row per moderation decision (services/moderation.py, a workflow): who, when, from,
    to, action (a ModerationAction), why."""

    __tablename__ = "moderation_event"
    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    # An edit's before and after, as they read then (theme codes, session and caucus titles in
    # every language), so the history stays readable after a rename or a deletion.
    changes: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    filename: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    # In the database, not on a local disk, so every app instance can serve it. Queries for
    # lists and pages leave it out (services/contributions/reading.py, ATTACHMENT_META).
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LiveWindow(SQLModel, table=True):
    """The secretariat opens a session for live remarks and closes it again."""

    __tablename__ = "live_window"
    session_id: int = Field(foreign_key="forum_session.id", primary_key=True, ondelete="CASCADE")
    is_open: bool = True
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


IdempotencyKey = Annotated[str, PydField(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ContributionCreate(Input):
    """A proposal, from the web form or the API."""

    forum_id: DbId
    session_id: DbId | None = None
    title: str = Field(min_length=3, max_length=TITLE_MAX, schema_extra={"pattern": r"\S"})
    body: str = Field(min_length=10, max_length=BODY_MAX, schema_extra={"pattern": r"\S"})
    language: LocaleCode
    theme_ids: list[DbId] = Field(default_factory=list, max_length=20)
    caucus_id: DbId | None = None
    links: list[WebAddress] = Field(default_factory=list, max_length=10)
    organisation_name: str | None = Field(default=None, max_length=200)
    # What kind of body it speaks for (the listening report's breakdown); None: not stated.
    organisation_type: OrganisationType | None = None
    # Only for submissions without an account.
    author_name: str | None = Field(default=None, max_length=120)
    author_email: EmailStr | None = Field(default=None, max_length=254)
    consent: bool = False
    # That they have read the privacy notice (/privacy) and agree to it; required of them too.
    accept_privacy: bool = False
    idempotency_key: IdempotencyKey | None = None


class RemarkCreate(Input):
    body: str = Field(min_length=1, max_length=REMARK_MAX, schema_extra={"pattern": r"\S"})
    kind: Kind = Kind.remark
    language: LocaleCode | None = None
    idempotency_key: IdempotencyKey | None = None


class LiveSwitch(Input):
    is_open: bool


class ReportCreate(Input):
    reason: ReportReason
    note: str = Field(default="", max_length=1000)


# What a person may ask for: every moderation action but the system's (auto_hide).
Decision = Literal[
    "accept",
    "hide",
    "reject",
    "restore",
    "pin",
    "unpin",
    "for_minutes",
    "not_for_minutes",
    "dismiss_reports",
]


class ModerationIn(Input):
    action: Decision
    reason: str = Field(default="", max_length=1000)


# Decisions that can be applied to several items of the queue at once.
BulkDecision = Literal["accept", "hide", "reject", "restore", "dismiss_reports"]


class BulkModerationIn(Input):
    ids: list[DbId] = Field(min_length=1, max_length=100)
    action: BulkDecision
    reason: str = Field(default="", max_length=1000)


class BulkRefusal(SQLModel):
    id: int
    detail: str  # why the decision did not apply to it, in the reader's language


class BulkModerationOut(SQLModel):
    done: list[int]
    refused: list[BulkRefusal]


class ContributionEdit(Input):
    """What the secretariat may change on a contribution; a field left out stays as it is."""

    theme_ids: list[DbId] | None = Field(default=None, max_length=20)
    session_id: DbId | None = None
    caucus_id: DbId | None = None
    # Set to clear the session or the caucus lens (an empty select on the form).
    clear_session: bool = False
    clear_caucus: bool = False


class AnswerIn(Input):
    answer: str = Field(min_length=1, max_length=BODY_MAX, schema_extra={"pattern": r"\S"})


class AttachmentPublic(SQLModel):
    id: int
    filename: str
    media_type: str
    size: int
    url: str


class ContributionPublic(SQLModel):
    """What anyone may see: no e-mail address, no name of a person without an account."""

    id: int
    forum_id: int
    session_id: int | None
    kind: Kind
    channel: Channel
    status: Status
    title: str
    body: str
    body_html: str
    language: str
    author: str | None
    organisation_name: str | None
    caucus_id: int | None
    theme_ids: list[int]
    links: list[str]
    endorsement_count: int
    endorsed_by_me: bool = False
    pinned: bool
    for_minutes: bool
    moderation_note: str | None = None
    # The secretariat's official answer (sanitised HTML) and when it was given or last changed.
    answer_html: str | None = None
    answered_at: datetime | None = None
    attachments: list[AttachmentPublic] = Field(default_factory=list)
    created_at: datetime
    url: str


class ContributionReceived(ContributionPublic):
    """The answer to a submission (and to its retry): for a person without an account, the
    private link to follow it, shown this once and again only to a retry with the same key."""

    receipt_url: str | None = None


class ModerationEventPublic(SQLModel):
    id: int
    action: ModerationAction
    from_status: str
    to_status: str
    reason: str
    actor: str | None
    changes: dict[str, Any] | None = None
    created_at: datetime


class EndorsementState(SQLModel):
    contribution_id: int
    endorsed: bool
    endorsement_count: int


class LiveState(SQLModel):
    session_id: int
    is_open: bool
    opened_at: datetime | None
    closed_at: datetime | None
