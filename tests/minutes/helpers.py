"""A session as the secretariat would have it after the event: an agenda of three segments
with speakers from organisations, themes, and live remarks, some marked for the minutes."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.models.forums import ForumSession
from tests import factories

START = datetime(2025, 5, 3, 18, 0, tzinfo=UTC)  # 15:00 in Montevideo


@dataclass
class Meeting:
    session: ForumSession
    segments: list[Any]
    speakers: list[Any]
    remarks: dict[str, Any]
    org: Any


def remark(
    db: Session, forum: Any, session: ForumSession, body: str, at: datetime, **extra: Any
) -> Any:
    values = {
        "session_id": session.id,
        "kind": "remark",
        "channel": "live",
        "title": "",
        "for_minutes": True,
        "created_at": at,
        "updated_at": at,
    } | extra
    return factories.contribution(db, forum, body=body, **values)


def meeting(db: Session) -> Meeting:
    forum = factories.forum(db)
    theme = factories.theme(db, forum, "1")
    session = factories.session(db, forum, theme_ids=[theme.id])
    org = factories.organisation(db, "Public Services International", "civil_society")
    rosa = factories.speaker(db, "Rosa Pavanelli", organisation_id=org.id)
    gerald = factories.speaker(db, "Gerald Leitner", email="gerald@example.org")
    opening = factories.segment(db, session, "Opening", 10, [rosa.id])
    talk = factories.segment(db, session, "Inspiring talk", 20, [gerald.id, rosa.id])
    closing = factories.segment(db, session, "Closing", 10, [])
    remarks = {
        "opening": remark(db, forum, session, "Welcome, everyone", START + timedelta(minutes=5)),
        "talk": remark(db, forum, session, "See the PSI briefing", START + timedelta(minutes=12)),
        "late": remark(db, forum, session, "Thanks, see you", START + timedelta(minutes=75)),
        "unmarked": remark(
            db,
            forum,
            session,
            "Not for the minutes",
            START + timedelta(minutes=13),
            for_minutes=False,
        ),
        "hidden": remark(
            db, forum, session, "Hidden remark", START + timedelta(minutes=14), status="hidden"
        ),
    }
    return Meeting(session, [opening, talk, closing], [rosa, gerald], remarks, org)
