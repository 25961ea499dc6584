"""Caucuses, their members and representatives, and the sessions where they spoke."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app import permissions
from app.i18n import N_
from app.models.caucuses import (
    DEFAULT_CAUCUS_CODES,
    Caucus,
    CaucusCreate,
    CaucusMember,
    CaucusMemberIn,
)
from app.models.forums import ForumSession
from app.models.speakers import Organisation, Speaker
from app.models.users import Role, User, UserCaucusLink
from app.services import audit, sessions, speakers
from app.services.errors import InvalidInput, NotFound

# Names and descriptions of the built-in caucuses in the three interface languages.
_DEFAULTS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "youth": (
        {"en": "Youth caucus", "es": "Caucus de juventud", "pt": "Caucus da juventude"},
        {
            "en": "Young people, including young migrants, bringing their priorities to every "
            "Town Hall.",
            "es": "Personas jóvenes, también jóvenes migrantes, que llevan sus prioridades a "
            "cada Town Hall.",
            "pt": "Pessoas jovens, incluindo jovens migrantes, que levam suas prioridades a "
            "cada Town Hall.",
        },
    ),
    "feminism": (
        {"en": "Feminist caucus", "es": "Caucus feminista", "pt": "Caucus feminista"},
        {
            "en": "Grassroots women's organisations and feminist local leaders: care, gender-"
            "responsive budgeting, and ending gender-based violence.",
            "es": "Organizaciones de mujeres de base y lideresas locales feministas: cuidados, "
            "presupuestos con perspectiva de género y fin de la violencia de género.",
            "pt": "Organizações de mulheres de base e lideranças locais feministas: cuidados, "
            "orçamentos com perspectiva de gênero e fim da violência de gênero.",
        },
    ),
    "accessibility": (
        {
            "en": "Accessibility caucus",
            "es": "Caucus de accesibilidad",
            "pt": "Caucus de acessibilidade",
        },
        {
            "en": "Persons with disabilities and their organisations: inclusive and accessible "
            "cities, services and information.",
            "es": "Personas con discapacidad y sus organizaciones: ciudades, servicios e "
            "información inclusivos y accesibles.",
            "pt": "Pessoas com deficiência e suas organizações: cidades, serviços e "
            "informação inclusivos e acessíveis.",
        },
    ),
}


def ensure_defaults(db: Session) -> None:
    """Creates the youth, feminism and accessibility caucuses if they are missing."""
    existing = set(db.execute(select(col(Caucus.code))).scalars())
    missing = [code for code in DEFAULT_CAUCUS_CODES if code not in existing]
    for code in missing:
        name, description = _DEFAULTS[code]
        db.add(Caucus(code=code, name=name, description=description))
    if missing:
        db.commit()


def list_caucuses(db: Session) -> Sequence[Caucus]:
    return db.execute(select(Caucus).order_by(col(Caucus.id))).scalars().all()


def member_counts(db: Session) -> dict[int, int]:
    rows = db.execute(
        select(col(CaucusMember.caucus_id), func.count()).group_by(col(CaucusMember.caucus_id))
    ).all()
    return {cid: int(n) for cid, n in rows}


def get_caucus(db: Session, caucus_id: int) -> Caucus:
    caucus = db.get(Caucus, caucus_id)
    if caucus is None:
        raise NotFound()
    return caucus


def _check_code(db: Session, code: str, own_id: int | None) -> None:
    other = db.execute(select(col(Caucus.id)).where(col(Caucus.code) == code)).scalar()
    if other is not None and other != own_id:
        raise InvalidInput({"code": [N_("Another caucus already uses this code.")]})


def create_caucus(db: Session, *, actor: User, data: CaucusCreate) -> Caucus:
    _check_code(db, data.code, None)
    caucus = Caucus(**data.model_dump())
    db.add(caucus)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="caucus",
        object_id=caucus.id,
        summary=caucus.code,
    )
    db.commit()
    return caucus


def update_caucus(db: Session, *, actor: User, caucus: Caucus, data: CaucusCreate) -> Caucus:
    _check_code(db, data.code, caucus.id)
    for key, value in data.model_dump().items():
        setattr(caucus, key, value)
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="caucus",
        object_id=caucus.id,
        summary=caucus.code,
    )
    db.commit()
    return caucus


def delete_caucus(db: Session, *, actor: User, caucus: Caucus) -> None:
    audit.delete(db, actor=actor, obj=caucus, object_type="caucus", summary=caucus.code)


def members(db: Session, caucus_id: int) -> list[tuple[Speaker, Organisation | None, bool]]:
    rows = db.execute(
        select(Speaker, Organisation, col(CaucusMember.is_representative))
        .join(CaucusMember, col(CaucusMember.speaker_id) == col(Speaker.id))
        .outerjoin(Organisation, col(Organisation.id) == col(Speaker.organisation_id))
        .where(col(CaucusMember.caucus_id) == caucus_id)
        .order_by(col(CaucusMember.is_representative).desc(), col(Speaker.name))
    ).all()
    return [(s, o, bool(rep)) for s, o, rep in rows]


def speaker_choices(db: Session, *, viewer: User | None) -> list[tuple[int | None, str]]:
    """The add-member form's options, for those who may manage caucuses: other readers need
    not pay for the list of every speaker."""
    if not permissions.can_manage_content(viewer):
        return []
    return [(s.id, s.name) for s in speakers.all_speakers(db)]


def member_links(db: Session, caucus_ids: Sequence[int]) -> dict[int, list[CaucusMemberIn]]:
    """Members of several caucuses in one query."""
    out: dict[int, list[CaucusMemberIn]] = {cid: [] for cid in caucus_ids}
    if caucus_ids:
        rows = db.execute(
            select(CaucusMember).where(col(CaucusMember.caucus_id).in_(caucus_ids))
        ).scalars()
        for m in rows:
            out[m.caucus_id].append(
                CaucusMemberIn(speaker_id=m.speaker_id, is_representative=m.is_representative)
            )
    return out


def set_member(
    db: Session, *, actor: User, caucus: Caucus, speaker_id: int, is_representative: bool
) -> None:
    if db.get(Speaker, speaker_id) is None:
        raise InvalidInput({"speaker_id": [N_("Choose a speaker from the list.")]})
    assert caucus.id is not None
    # The caucus row locked first (FOR UPDATE; SQLite's write transaction holds the database
    # already): identical requests at once then add the member once, and each later one finds
    # it, instead of all finding none and the primary key refusing every one but the first.
    db.execute(select(col(Caucus.id)).where(col(Caucus.id) == caucus.id).with_for_update())
    link = db.get(CaucusMember, (caucus.id, speaker_id), populate_existing=True)
    if link is None:
        db.add(
            CaucusMember(
                caucus_id=caucus.id, speaker_id=speaker_id, is_representative=is_representative
            )
        )
    else:
        link.is_representative = is_representative
    audit.record(
        db,
        actor=actor,
        action="member",
        object_type="caucus",
        object_id=caucus.id,
        summary=f"speaker {speaker_id} representative={is_representative}",
    )
    db.commit()


def remove_member(db: Session, *, actor: User, caucus: Caucus, speaker_id: int) -> None:
    db.execute(
        delete(CaucusMember).where(
            col(CaucusMember.caucus_id) == caucus.id,
            col(CaucusMember.speaker_id) == speaker_id,
        )
    )
    audit.record(
        db,
        actor=actor,
        action="unmember",
        object_type="caucus",
        object_id=caucus.id,
        summary=f"speaker {speaker_id}",
    )
    db.commit()


def sessions_where_spoke(db: Session, caucus_id: int) -> Sequence[ForumSession]:
    """Sessions with at least one of the caucus's members on the agenda."""
    members = select(col(CaucusMember.speaker_id)).where(col(CaucusMember.caucus_id) == caucus_id)
    return sessions.sessions_with_speakers(db, members)


# -- representatives and their workspace ------------------------------------------------------


def representatives(db: Session, caucus_id: int) -> Sequence[User]:
    """The active accounts that speak for the caucus (role caucus_rep, linked to it), by name."""
    return (
        db.execute(
            select(User)
            .join(UserCaucusLink, col(UserCaucusLink.user_id) == col(User.id))
            .where(
                col(UserCaucusLink.caucus_id) == caucus_id,
                col(User.role) == Role.caucus_rep,
                col(User.is_active).is_(True),
            )
            .order_by(col(User.display_name), col(User.id))
        )
        .scalars()
        .all()
    )


def represented_by(db: Session, user: User | None) -> Sequence[Caucus]:
    """The caucuses an account speaks for (none unless it is an active caucus_rep)."""
    if user is None or user.role != Role.caucus_rep or not user.is_active:
        return []
    return (
        db.execute(
            select(Caucus)
            .join(UserCaucusLink, col(UserCaucusLink.caucus_id) == col(Caucus.id))
            .where(col(UserCaucusLink.user_id) == user.id)
            .order_by(col(Caucus.id))
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class WaitingReview:
    """Something a caucus is asked to review (a policy document's draft, later), as the
    workspace lists it."""

    kind_label: str  # msgid: "Policy document"…
    title: str
    url: str
    due: datetime | None = None


# A domain that asks caucuses for reviews registers what is waiting for one caucus, as seen by
# the viewer; with none registered the workspace shows no such block at all.
ReviewSource = Callable[[Session, int, User], Sequence[WaitingReview]]
_review_sources: list[ReviewSource] = []


def on_reviews(source: ReviewSource) -> None:
    _review_sources.append(source)


def reviews_waiting(db: Session, caucus_id: int, *, viewer: User) -> list[WaitingReview]:
    items = [item for source in _review_sources for item in source(db, caucus_id, viewer)]
    return sorted(items, key=lambda i: (i.due is None, i.due or datetime.min.replace(tzinfo=UTC)))
