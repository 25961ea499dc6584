"""Who else has a section open in the editor, and whether it moved on since a version.

The editor page polls every ten seconds or so; each poll both says "I am here" and asks who
else is. The reading is one small query (the section's fresh rows joined with names, mine
among them); the writing happens only when my own row is older than RECORD_EVERY, so a
person with the editor open writes about four times a minute at most per section, whatever
the polling rate. The write goes through a session of its own (`writer`), because the poll
is a GET whose request session only reads.
"""

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.models.policy import PolicySection, SectionPresence, SectionRevision
from app.models.types import utcnow
from app.models.users import User

PRESENT_FOR = timedelta(seconds=60)  # an open editor polls well within this
RECORD_EVERY = timedelta(seconds=15)


@dataclass(frozen=True)
class Newer:
    """Revisions saved after the version an editor opened: how many, the latest's author
    and time."""

    count: int
    version: int
    author: str | None
    at: datetime


@dataclass(frozen=True)
class Presence:
    others: list[str]  # names, in the order they arrived
    newer: Newer | None

    @property
    def key(self) -> str:
        """What the notice says, in short: a poll that would show the same answers 204, so
        that a screen reader does not hear the same notice again every ten seconds."""
        said = "\n".join([*self.others, str(self.newer.version if self.newer else 0)])
        return hashlib.sha256(said.encode()).hexdigest()[:16]


def _upsert(db: Session, *, section_id: int, user_id: int, now: datetime) -> None:
    table = SectionPresence.__table__  # type: ignore[attr-defined]
    values = {"section_id": section_id, "user_id": user_id, "seen_at": now}
    name = db.get_bind().dialect.name
    insert = pg_insert if name == "postgresql" else sqlite_insert
    statement = insert(table).values(**values)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["section_id", "user_id"], set_={"seen_at": now}
        )
    )
    db.commit()


def newer_than(db: Session, *, section: PolicySection, seen: int) -> Newer | None:
    if section.version <= seen:
        return None
    row = db.execute(
        select(col(SectionRevision.number), col(SectionRevision.created_at), col(User.display_name))
        .outerjoin(User, col(User.id) == col(SectionRevision.author_id))
        .where(col(SectionRevision.section_id) == section.id)
        .order_by(col(SectionRevision.number).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    number, at, author = row
    return Newer(count=section.version - seen, version=int(number), author=author, at=at)


def others_present(
    db: Session, *, section_id: int, user: User, now: datetime | None = None
) -> tuple[list[str], datetime | None]:
    """Names of the others with the section open, and when my own row was last written."""
    now = now or utcnow()
    rows = db.execute(
        select(col(SectionPresence.user_id), col(SectionPresence.seen_at), col(User.display_name))
        .join(User, col(User.id) == col(SectionPresence.user_id))
        .where(
            col(SectionPresence.section_id) == section_id,
            col(SectionPresence.seen_at) > now - PRESENT_FOR,
        )
        .order_by(col(SectionPresence.seen_at))
    ).all()
    mine = next((seen_at for uid, seen_at, _ in rows if uid == user.id), None)
    return [str(name) for uid, _, name in rows if uid != user.id], mine


def check_in(
    db: Session,
    *,
    section: PolicySection,
    user: User,
    seen: int,
    writer: Callable[[], AbstractContextManager[Session]],
    now: datetime | None = None,
) -> Presence:
    """Records that `user` has the section open (unless recorded recently) and says who else
    has it open and what was saved after version `seen`."""
    now = now or utcnow()
    section_id, user_id = section.id or 0, user.id or 0
    others, mine = others_present(db, section_id=section_id, user=user, now=now)
    answer = Presence(others=others, newer=newer_than(db, section=section, seen=seen))
    if mine is None or now - mine >= RECORD_EVERY:
        with writer() as session:
            _upsert(session, section_id=section_id, user_id=user_id, now=now)
    return answer
