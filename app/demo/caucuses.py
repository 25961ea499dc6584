"""The three caucuses of the 2022 Town Hall process (youth, feminism, accessibility) and the
speakers who represented them."""

from sqlmodel import Session

from app.models.speakers import Speaker
from app.models.users import User
from app.services import caucuses as caucus_service

# caucus code, speaker name, whether they represent the caucus
CAUCUS_MEMBERS = [
    ("feminism", "Sri Sofjan", True),
    ("accessibility", "Victor Pineda", True),
    ("youth", "Elana Wong", True),
]


def load(db: Session, *, actor: User, speakers: dict[str, Speaker]) -> None:
    """The built-in caucuses, and their representatives where they are not members yet."""
    caucus_service.ensure_defaults(db)
    caucuses = {c.code: c for c in caucus_service.list_caucuses(db)}
    links = caucus_service.member_links(db, [c.id for c in caucuses.values() if c.id])
    for code, name, representative in CAUCUS_MEMBERS:
        caucus, speaker = caucuses[code], speakers[name]
        assert caucus.id is not None
        assert speaker.id is not None
        if any(link.speaker_id == speaker.id for link in links[caucus.id]):
            continue
        caucus_service.set_member(
            db,
            actor=actor,
            caucus=caucus,
            speaker_id=speaker.id,
            is_representative=representative,
        )
