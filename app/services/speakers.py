"""Speakers, organisations, and where each speaker speaks."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_
from app.models.caucuses import Caucus, CaucusMember
from app.models.forums import ForumSession
from app.models.speakers import (
    Organisation,
    OrganisationCreate,
    Speaker,
    SpeakerCreate,
    SpeakerPublic,
    SpeakerStaffView,
)
from app.models.users import User
from app.services import audit, sessions
from app.services.errors import InvalidInput, NotFound
from app.services.pagination import page_by_id


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# -- organisations ----------------------------------------------------------------------------


def list_organisations(
    db: Session, *, q: str | None = None, limit: int = 20, cursor: str | None = None
) -> tuple[Sequence[Organisation], str | None]:
    stmt = select(Organisation)
    if q:
        stmt = stmt.where(func.lower(col(Organisation.name)).like(_like(q.lower()), escape="\\"))
    return page_by_id(db, stmt, col(Organisation.id), limit=limit, cursor=cursor)


def all_organisations(db: Session) -> Sequence[Organisation]:
    return db.execute(select(Organisation).order_by(col(Organisation.name))).scalars().all()


def get_organisation(db: Session, org_id: int) -> Organisation:
    org = db.get(Organisation, org_id)
    if org is None:
        raise NotFound()
    return org


def _org_fields(data: OrganisationCreate) -> dict[str, Any]:
    values = data.model_dump()
    values["website"] = str(data.website) if data.website else None
    return values


def create_organisation(db: Session, *, actor: User, data: OrganisationCreate) -> Organisation:
    org = Organisation(**_org_fields(data))
    db.add(org)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="organisation",
        object_id=org.id,
        summary=org.name,
    )
    db.commit()
    return org


def update_organisation(
    db: Session, *, actor: User, org: Organisation, data: OrganisationCreate
) -> Organisation:
    for key, value in _org_fields(data).items():
        setattr(org, key, value)
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="organisation",
        object_id=org.id,
        summary=org.name,
    )
    db.commit()
    return org


def delete_organisation(db: Session, *, actor: User, org: Organisation) -> None:
    audit.delete(db, actor=actor, obj=org, object_type="organisation", summary=org.name)


def speakers_of_organisation(db: Session, org_id: int) -> Sequence[Speaker]:
    return (
        db.execute(
            select(Speaker)
            .where(col(Speaker.organisation_id) == org_id)
            .order_by(col(Speaker.name))
        )
        .scalars()
        .all()
    )


# -- speakers ---------------------------------------------------------------------------------


def list_speakers(
    db: Session, *, q: str | None = None, limit: int = 20, cursor: str | None = None
) -> tuple[Sequence[Speaker], str | None]:
    stmt = select(Speaker)
    if q:
        stmt = stmt.where(func.lower(col(Speaker.name)).like(_like(q.lower()), escape="\\"))
    return page_by_id(db, stmt, col(Speaker.id), limit=limit, cursor=cursor)


def all_speakers(db: Session) -> Sequence[Speaker]:
    return db.execute(select(Speaker).order_by(col(Speaker.name))).scalars().all()


def speakers_with_orgs(
    db: Session, *, q: str | None = None
) -> list[tuple[Speaker, Organisation | None]]:
    """Speakers by name, optionally those whose name or organisation contains `q`."""
    stmt = select(Speaker, Organisation).outerjoin(
        Organisation, col(Organisation.id) == col(Speaker.organisation_id)
    )
    if q and q.strip():
        pattern = _like(q.strip().lower())
        stmt = stmt.where(
            func.lower(Speaker.name).like(pattern, escape="\\")
            | func.lower(func.coalesce(Organisation.name, "")).like(pattern, escape="\\")
            | func.lower(func.coalesce(Organisation.acronym, "")).like(pattern, escape="\\")
        )
    rows = db.execute(stmt.order_by(col(Speaker.name))).all()
    return [(s, o) for s, o in rows]


def get_speaker(db: Session, speaker_id: int) -> Speaker:
    speaker = db.get(Speaker, speaker_id)
    if speaker is None:
        raise NotFound()
    return speaker


def speaker_public(speaker: Speaker, *, viewer: User | None) -> SpeakerPublic:
    """A speaker as this reader may see them: contact details for those who may see them."""
    shape = SpeakerStaffView if permissions.can_see_contact(viewer, speaker) else SpeakerPublic
    return shape.model_validate(speaker)


def _check_org(db: Session, org_id: int | None) -> None:
    if org_id is not None and db.get(Organisation, org_id) is None:
        raise InvalidInput({"organisation_id": [N_("Choose an organisation from the list.")]})


def create_speaker(db: Session, *, actor: User, data: SpeakerCreate) -> Speaker:
    _check_org(db, data.organisation_id)
    speaker = Speaker(**data.model_dump())
    db.add(speaker)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="speaker",
        object_id=speaker.id,
        summary=speaker.name,
    )
    db.commit()
    return speaker


def update_speaker(db: Session, *, actor: User, speaker: Speaker, data: SpeakerCreate) -> Speaker:
    _check_org(db, data.organisation_id)
    for key, value in data.model_dump().items():
        setattr(speaker, key, value)
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="speaker",
        object_id=speaker.id,
        summary=speaker.name,
    )
    db.commit()
    return speaker


def delete_speaker(db: Session, *, actor: User, speaker: Speaker) -> None:
    audit.delete(db, actor=actor, obj=speaker, object_type="speaker", summary=speaker.name)


def sessions_of_speaker(db: Session, speaker_id: int) -> Sequence[ForumSession]:
    return sessions.sessions_with_speakers(db, [speaker_id])


def caucuses_of_speaker(db: Session, speaker_id: int) -> list[tuple[Caucus, bool]]:
    rows = db.execute(
        select(Caucus, col(CaucusMember.is_representative))
        .join(CaucusMember, col(CaucusMember.caucus_id) == col(Caucus.id))
        .where(col(CaucusMember.speaker_id) == speaker_id)
        .order_by(col(Caucus.code))
    ).all()
    return [(c, bool(rep)) for c, rep in rows]
