"""Territories: the places a care map covers, each with its layers and runs."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from app.models.caremap import CareTerritory, TerritoryCreate
from app.models.users import User
from app.services import audit
from app.services.errors import NotFound
from app.services.pagination import page_by_id


def all_territories(db: Session) -> Sequence[CareTerritory]:
    return db.execute(select(CareTerritory).order_by(col(CareTerritory.id))).scalars().all()


def list_territories(
    db: Session, *, limit: int, cursor: str | None
) -> tuple[Sequence[CareTerritory], str | None]:
    return page_by_id(db, select(CareTerritory), col(CareTerritory.id), limit=limit, cursor=cursor)


def get_territory(db: Session, territory_id: int) -> CareTerritory:
    found = db.get(CareTerritory, territory_id)
    if found is None:
        raise NotFound()
    return found


def create_territory(db: Session, *, actor: User | None, data: TerritoryCreate) -> CareTerritory:
    territory = CareTerritory(
        **data.model_dump(), created_by_id=actor.id if actor is not None else None
    )
    db.add(territory)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="care_territory",
        object_id=territory.id,
        summary=audit.first_text(territory.name),
    )
    db.commit()
    return territory


def find_or_create_territory(
    db: Session, *, territory_id: int | None, name: str | None, actor: User | None = None
) -> CareTerritory:
    """For imports: the territory with this id, or the one with this name in any language,
    else a new one with the name in every language."""
    if territory_id is not None:
        return get_territory(db, territory_id)
    wanted = (name or "").strip()
    for territory in all_territories(db):
        if wanted in territory.name.values():
            return territory
    data = TerritoryCreate.model_validate({"name": dict.fromkeys(("en", "es", "pt"), wanted)})
    return create_territory(db, actor=actor, data=data)


def update_territory(
    db: Session, *, actor: User, territory: CareTerritory, data: TerritoryCreate
) -> CareTerritory:
    territory.name = {str(k): v for k, v in data.name.items()}
    territory.description = {str(k): v for k, v in data.description.items()}
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="care_territory",
        object_id=territory.id,
        summary=audit.first_text(territory.name),
    )
    db.commit()
    return territory
