"""Building blocks for tests, created through the services as the app itself would."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.models.caucuses import Caucus
from app.models.forums import (
    Forum,
    ForumCreate,
    ForumSession,
    SegmentCreate,
    SessionCreate,
    Theme,
    ThemeCreate,
)
from app.models.speakers import Organisation, OrganisationCreate, Speaker, SpeakerCreate
from app.models.users import Role, User
from app.services import caucuses, forums, sessions, speakers

STAFF_EMAIL = "factory-staff@example.org"


def staff(db: Session) -> User:
    found = db.execute(select(User).where(col(User.email) == STAFF_EMAIL)).scalar_one_or_none()
    if found is not None:
        return found
    user = User(email=STAFF_EMAIL, display_name="Factory", role=Role.admin)
    db.add(user)
    db.commit()
    return user


def forum(db: Session, **overrides: Any) -> Forum:
    data = {
        "kind": "event",
        "title": {"en": "World Forum of Cities", "es": "Foro Mundial de Ciudades"},
        "city": "Montevideo",
        "country": "UY",
        "timezone": "America/Montevideo",
        "starts_on": "2025-05-02",
        "ends_on": "2025-05-05",
    } | overrides
    return forums.create_forum(db, actor=staff(db), data=ForumCreate.model_validate(data))


def theme(db: Session, parent: Forum, code: str = "3", kind: str = "theme") -> Theme:
    data = ThemeCreate.model_validate(
        {"kind": kind, "code": code, "title": {"en": f"Theme {code}", "es": f"Tema {code}"}}
    )
    return forums.add_theme(db, actor=staff(db), forum=parent, data=data)


def session(db: Session, parent: Forum, **overrides: Any) -> ForumSession:
    data = {
        "forum_id": parent.id,
        "title": {"en": "Caring Cities", "es": "Ciudades que cuidan"},
        "type": "parallel_alliance",
        "format": "in_person",
        "starts_at": datetime(2025, 5, 3, 15, 0),
        "timezone": "America/Montevideo",
        "duration_minutes": 90,
        "venue": "Antel Arena",
        "languages": ["es", "pt"],
        "background": {"en": "Care policies at the local level."},
    } | overrides
    return sessions.create_session(db, actor=staff(db), data=SessionCreate.model_validate(data))


def organisation(db: Session, name: str = "Mercociudades", kind: str = "network") -> Organisation:
    data = OrganisationCreate.model_validate({"name": name, "type": kind, "country": "UY"})
    return speakers.create_organisation(db, actor=staff(db), data=data)


def speaker(db: Session, name: str = "Rosa Pavanelli", **overrides: Any) -> Speaker:
    data = {
        "name": name,
        "title": "Secretary General",
        "email": "rosa@example.org",
        "phone": "+33 1 23 45 67 89",
    } | overrides
    return speakers.create_speaker(db, actor=staff(db), data=SpeakerCreate.model_validate(data))


def segment(
    db: Session,
    parent: ForumSession,
    title: str = "Welcome",
    minutes: int = 10,
    speaker_ids: list[int] | None = None,
) -> Any:
    data = SegmentCreate.model_validate(
        {
            "title": {"en": title},
            "planned_minutes": minutes,
            "speakers": [{"speaker_id": sid, "role": "panelist"} for sid in speaker_ids or []],
        }
    )
    return sessions.add_segment(db, actor=staff(db), session=parent, data=data)


def caucus(db: Session, code: str) -> Caucus:
    found = next(c for c in caucuses.list_caucuses(db) if c.code == code)
    db.commit()  # ends the read: the test's session must not hold SQLite's write lock
    return found


def contribution(db: Session, parent: Forum, **overrides: Any) -> Any:
    """A published proposal, stored as the service would store it."""
    from app.lib.markup import plain_text
    from app.models.contributions import Contribution

    body = overrides.pop("body", "We propose **public care centres** in every neighbourhood.")
    values: dict[str, Any] = {
        "forum_id": parent.id,
        "kind": "proposal",
        "channel": "web",
        "status": "published",
        "title": "Care centres in every neighbourhood",
        "body": body,
        "excerpt": plain_text(body, limit=280),
        "language": "en",
        "author_name": "Ana",
    }
    values.update(overrides)
    item = Contribution(**values)
    db.add(item)
    db.commit()
    return reload(db, item)


def reload(db: Session, obj: Any) -> Any:
    """The row as the app left it, without keeping a transaction (and SQLite's lock) open."""
    db.commit()
    db.refresh(obj)
    db.commit()
    return obj


def query(db: Session, stmt: Any) -> list[Any]:
    """Rows of a statement, read in a transaction of their own."""
    db.commit()
    rows = list(db.execute(stmt).scalars())
    db.commit()
    return rows
