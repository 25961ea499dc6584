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
    "MinutesPoint",
    "MinutesPointSource",
    "MinutesTurn",
    "ModerationEvent",
    "Organisation",
    "OutboxMessage",
    "PolicyDocument",
    "PolicyParagraph",
    "PolicySection",
    "RateCounter",
    "Report",
    "SectionRevision",
    "SegmentSpeaker",
    "SessionTheme",
    "Speaker",
    "SpeakerTurn",
    "Theme",
    "User",
    "UserCaucusLink",
]
