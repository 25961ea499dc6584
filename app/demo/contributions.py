"""Demo contributions: the remarks typed in the chat of the 2022 "Caring Systems" Town Hall (as
the seed minutes record them), and illustrative proposals for the 2025 "Caring Cities" dialogue.

The chat remarks are quoted from the seed document. The proposals, their authors and the e-mail
are invented for the demo, and their text says so; nothing here is presented as something a real
person or organisation submitted.
"""

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.lib.markup import plain_text
from app.models.caucuses import Caucus
from app.models.contributions import (
    EXCERPT_MAX,
    Contribution,
    ContributionTheme,
    Endorsement,
    LiveWindow,
)
from app.models.forums import Forum, ForumSession, Theme
from app.models.users import Role, User

DEMO_NOTE = {
    "en": "\n\n*(Example written for the demo; not a real submission.)*",
    "es": "\n\n*(Ejemplo escrito para la demostración; no es un aporte real.)*",
    "pt": "\n\n*(Exemplo escrito para a demonstração; não é uma contribuição real.)*",
}

# From the seed minutes of the Caring Systems Town Hall (2022-02-01), "(chat)" lines.
CHAT = [
    "See PSI briefing: “The territorial dimension of social care services”: "
    "https://psishort.link/LRGBrief9",
    "See PSI's Manifesto calling to rebuild the social organisation of care: "
    "https://popshort.link/CareManifesto",
    "Rosa mentioned the importance of urban mobility as part of a caring approach to public "
    "services. See the ITF People Public Transport Policy addressing ownership, financing, "
    "control of technology, climate, gender: www.OPTPolicy.org",
    "Supporting your point that Caring system is to remove barriers, including to access to "
    "technology and information. Safety is a key point in a Caring system",
    "The UN Convention on the Rights of Persons with Disabilities was the first UN Treaty to "
    "make access to technology and information a basic human right.",
]

PROPOSALS: list[dict[str, Any]] = [
    {
        "language": "es",
        "title": "Centros comunitarios de cuidado en cada barrio",
        "body": "Proponemos que cada municipio abra **centros comunitarios de cuidado** "
        "donde las personas cuidadoras encuentren descanso, formación y apoyo.\n\n"
        "- horarios extendidos\n- acceso sin barreras\n- gestión con las organizaciones del barrio",
        "themes": ["3"],
        "caucus": "feminism",
        "endorsers": 4,
    },
    {
        "language": "pt",
        "title": "Creches públicas perto do transporte",
        "body": "Sugerimos localizar as **creches públicas** junto às paradas de transporte "
        "coletivo, para que quem cuida não perca horas no trajeto.",
        "themes": ["3"],
        "caucus": None,
        "endorsers": 2,
    },
    {
        "language": "en",
        "title": "Accessible information on every care service",
        "body": "Every care service listed by the city should publish its information in "
        "accessible formats (easy read, sign language, screen-reader friendly).",
        "themes": ["3"],
        "caucus": "accessibility",
        "endorsers": 3,
    },
    {
        "language": "es",
        "title": "Consejo de juventudes cuidadoras",
        "body": "Muchas personas jóvenes cuidan de familiares. Pedimos un consejo local "
        "que las escuche y adapte horarios de estudio y trabajo.",
        "themes": [],
        "caucus": "youth",
        "endorsers": 1,
    },
]


def _key(name: str) -> str:
    return hashlib.sha256(f"demo:{name}".encode()).hexdigest()


def _exists(db: Session, name: str) -> bool:
    found = db.execute(
        select(col(Contribution.id)).where(col(Contribution.source_key) == _key(name))
    ).first()
    return found is not None


def _add(db: Session, name: str, theme_ids: list[int], **values: Any) -> Contribution:
    item = Contribution(
        source_key=_key(name), excerpt=plain_text(values["body"], limit=EXCERPT_MAX), **values
    )
    db.add(item)
    db.flush()
    assert item.id is not None
    for theme_id in theme_ids:
        db.add(ContributionTheme(contribution_id=item.id, theme_id=theme_id))
    return item


def _participants(db: Session, count: int) -> list[User]:
    """Demo participants without passwords: they exist to endorse, and cannot log in."""
    users = []
    for n in range(1, count + 1):
        email = f"participant{n}@demo.example.org"
        user = db.execute(select(User).where(col(User.email) == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, display_name=f"Demo participant {n}", role=Role.participant)
            db.add(user)
            db.flush()
        users.append(user)
    return users


def load(db: Session, *, wfctp: Forum, uclg: Forum) -> None:
    caucuses = {c.code: c.id for c in db.execute(select(Caucus)).scalars()}
    people = _participants(db, 5)
    town_hall = (
        db.execute(
            select(ForumSession)
            .where(col(ForumSession.forum_id) == uclg.id)
            .order_by(col(ForumSession.starts_at))
        )
        .scalars()
        .first()
    )
    if town_hall is not None and town_hall.id is not None:
        for n, text in enumerate(CHAT):
            name = f"chat-{n}"
            if not _exists(db, name):
                _add(
                    db,
                    name,
                    [],
                    forum_id=uclg.id,
                    session_id=town_hall.id,
                    kind="remark",
                    channel="live",
                    status="published",
                    body=text,
                    language="en",
                    author_id=people[n % len(people)].id,
                    created_at=town_hall.starts_at + timedelta(minutes=20 + 9 * n),
                    for_minutes=n < 2,
                )
        if db.get(LiveWindow, town_hall.id) is None:
            db.add(
                LiveWindow(
                    session_id=town_hall.id,
                    is_open=False,
                    opened_at=town_hall.starts_at,
                    closed_at=town_hall.starts_at + timedelta(hours=2),
                )
            )
    caring = (
        db.execute(select(ForumSession).where(col(ForumSession.forum_id) == wfctp.id))
        .scalars()
        .first()
    )
    themes = {
        t.code: t.id
        for t in db.execute(select(Theme).where(col(Theme.forum_id) == wfctp.id)).scalars()
    }
    for n, proposal in enumerate(PROPOSALS):
        name = f"proposal-{n}"
        if _exists(db, name):
            continue
        item = _add(
            db,
            name,
            [themes[c] for c in proposal["themes"] if c in themes],
            forum_id=wfctp.id,
            session_id=caring.id if caring else None,
            kind="proposal",
            channel="web",
            status="published",
            title=proposal["title"],
            body=proposal["body"] + DEMO_NOTE[proposal["language"]],
            language=proposal["language"],
            author_id=people[n].id,
            caucus_id=caucuses.get(proposal["caucus"]) if proposal["caucus"] else None,
            endorsement_count=proposal["endorsers"],
        )
        for person in people[-proposal["endorsers"] :]:
            assert item.id is not None
            assert person.id is not None
            db.add(Endorsement(contribution_id=item.id, user_id=person.id))
    if not _exists(db, "email-0"):
        _add(
            db,
            "email-0",
            [],
            forum_id=wfctp.id,
            kind="proposal",
            channel="email",
            status="pending",
            title="Contribución de la red de cuidadoras",
            body="Enviamos por correo nuestra propuesta: reconocer el trabajo de cuidado "
            "comunitario en los presupuestos municipales." + DEMO_NOTE["es"],
            language="es",
            author_name="Red de cuidadoras (ejemplo)",
            author_email="red@demo.example.org",
        )
    db.commit()
