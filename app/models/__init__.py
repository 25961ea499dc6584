"""All tables, imported here so that SQLModel.metadata is complete for Alembic and tests."""

from app.models.audit import AuditEvent, ChangeCounter, RateCounter
from app.models.caremap import (
    CareDataset,
    CareDatasetFile,
    CareRun,
    CareRunFile,
    CareRunUnit,
    CareTerritory,
    CrowdReport,
    EvidencePin,
)
from app.models.caucuses import Caucus, CaucusMember
from app.models.contributions import (
    Attachment,
    Contribution,
    ContributionTheme,
    Endorsement,
    LiveWindow,
    ModerationEvent,
    Report,
)
from app.models.forums import (
    AgendaSegment,
    Forum,
    ForumSession,
    Milestone,
    SegmentSpeaker,
    SessionTheme,
    Theme,
)
from app.models.minutes import (
    CorrectionEvent,
    Minutes,
    MinutesActionItem,
    MinutesAttendee,
    MinutesBlock,
    MinutesCorrection,
    MinutesDecision,
    MinutesEvent,
    MinutesExcerpt,
    MinutesHeading,
    MinutesItemKey,
    MinutesPoint,
    MinutesPointSource,
    MinutesTurn,
)
from app.models.outbox import OutboxMessage
from app.models.policy import (
    DraftingMember,
    PolicyDocument,
    PolicyParagraph,
    PolicySection,
    SectionRevision,
)
from app.models.policy_amendments import Amendment as Amendment
from app.models.policy_comments import PolicyComment as PolicyComment
from app.models.policy_reviews import DocumentCaucus, ReviewEvent, SectionReview
from app.models.policy_sources import ParagraphSource
from app.models.policy_stages import DocumentSnapshot, DocumentStage, SnapshotSource, StageEvent
from app.models.speakers import Organisation, Speaker
from app.models.timekeeping import SpeakerTurn
from app.models.users import AccountToken, Invitation, User, UserCaucusLink

__all__ = [
    "AccountToken",
    "AgendaSegment",
    "Attachment",
    "AuditEvent",
    "CareDataset",
    "CareDatasetFile",
    "CareRun",
    "CareRunFile",
    "CareRunUnit",
    "CareTerritory",
    "Caucus",
    "CaucusMember",
    "ChangeCounter",
    "Contribution",
    "ContributionTheme",
    "CorrectionEvent",
    "CrowdReport",
    "DocumentCaucus",
    "DocumentSnapshot",
    "DocumentStage",
    "DraftingMember",
    "Endorsement",
    "EvidencePin",
    "Forum",
    "ForumSession",
    "Invitation",
    "LiveWindow",
    "Milestone",
    "Minutes",
    "MinutesActionItem",
    "MinutesAttendee",
    "MinutesBlock",
    "MinutesCorrection",
    "MinutesDecision",
    "MinutesEvent",
    "MinutesExcerpt",
    "MinutesHeading",
    "MinutesItemKey",
    "MinutesPoint",
    "MinutesPointSource",
    "MinutesTurn",
    "ModerationEvent",
    "Organisation",
    "OutboxMessage",
    "ParagraphSource",
    "PolicyDocument",
    "PolicyParagraph",
    "PolicySection",
    "RateCounter",
    "Report",
    "ReviewEvent",
    "SectionReview",
    "SectionRevision",
    "SegmentSpeaker",
    "SessionTheme",
    "SnapshotSource",
    "Speaker",
    "SpeakerTurn",
    "StageEvent",
    "Theme",
    "User",
    "UserCaucusLink",
]
