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
from app.models.speakers import Organisation, Speaker
from app.models.timekeeping import SpeakerTurn
from app.models.users import Invitation, User, UserCaucusLink

__all__ = [
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
    "CrowdReport",
    "Endorsement",
    "EvidencePin",
    "Forum",
    "ForumSession",
    "Invitation",
    "LiveWindow",
    "Milestone",
    "ModerationEvent",
    "Organisation",
    "RateCounter",
    "Report",
    "SegmentSpeaker",
    "SessionTheme",
    "Speaker",
    "SpeakerTurn",
    "Theme",
    "User",
    "UserCaucusLink",
]
