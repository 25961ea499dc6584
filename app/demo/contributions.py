"""Demo contributions: the remarks typed in the chat of the 2022 "Caring Systems" Town Hall (as
the seed minutes record them), and illustrative proposals for the 2025 "Caring Cities" dialogue.

The chat remarks are quoted from the seed document. The proposals, their authors and the e-mail
are invented for the demo, and their text says so; nothing here is presented as something a real
person or organisation submitted.

Everything goes through the contribution services, as the people concerned: each participant
submits and endorses as themselves, the demo administrator opens and closes the Town Hall's live
window and marks remarks for the minutes, and the e-mailed proposal comes in through the mail
import. An idempotency key (or, for the e-mail, its Message-ID) recognises each one on a second
load.
"""

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from app.demo.forums import theme_ids
from app.demo.users import participants
from app.lib.mailparse import ParsedMail
from app.models.contributions import ContributionCreate, Kind, ModerationAction, RemarkCreate
from app.models.forums import Forum, ForumSession
from app.models.types import LocaleCode
from app.models.users import User
from app.services import caucuses as caucus_service
from app.services import contributions as contribution_service
from app.services import forums as forum_service
from app.services import live as live_service
from app.services import mailintake
from app.services import moderation as moderation_service

# Where the demo's submissions come from, for the rate limits: no person's address.
DEMO_IP = "demo-loader"

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

# Remarks typed during the 2025 Caring Cities dialogue, invented for the demo (each says so):
# language, text, minutes after the start (as typed that afternoon, Montevideo time).
CARING_CITIES_CHAT: list[tuple[LocaleCode, str, int]] = [
    (
        "es",
        "¿Cómo se mide la demanda de cuidados en cada barrio? Un mapa con datos abiertos "
        "ayudaría a planificar.",
        16,
    ),
    (
        "pt",
        "Pergunta para o painel: como envolver as pessoas cuidadoras na definição dos serviços "
        "locais?",
        48,
    ),
    (
        "es",
        "Propongo una reunión de seguimiento de la Agenda Local de Cuidados antes de la "
        "Conferencia Regional sobre la Mujer de agosto.",
        80,
    ),
]

PROPOSALS: list[dict[str, Any]] = [
    {
        "language": "es",
        "title": "Centros comunitarios de cuidado en cada barrio",
        "body": "Proponemos que cada municipio abra **centros comunitarios de cuidado** "
        "donde las personas cuidadoras encuentren descanso, formación y apoyo.\n\n"
        "- horarios extendidos\n- acceso sin barreras\n- gestión con las organizaciones del barrio",
        # Inequalities and inclusive development; participatory management with the neighbourhood.
        "themes": ["4", "B"],
        "caucus": "feminism",
        "endorsers": 4,
    },
    {
        "language": "pt",
        "title": "Creches públicas perto do transporte",
        "body": "Sugerimos localizar as **creches públicas** junto às paradas de transporte "
        "coletivo, para que quem cuida não perca horas no trajeto.",
        "themes": ["4"],  # inequalities and inclusive development
        "caucus": None,
        "endorsers": 2,
    },
    {
        "language": "en",
        "title": "Accessible information on every care service",
        "body": "Every care service listed by the city should publish its information in "
        "accessible formats (easy read, sign language, screen-reader friendly).",
        "themes": ["1", "4"],  # discrimination (disability); inclusive development
        "caucus": "accessibility",
        "endorsers": 3,
    },
    {
        "language": "es",
        "title": "Consejo de juventudes cuidadoras",
        "body": "Muchas personas jóvenes cuidan de familiares. Pedimos un consejo local "
        "que las escuche y adapte horarios de estudio y trabajo.",
        "themes": ["A"],  # citizen participation and intergenerational dialogue
        "caucus": "youth",
        "endorsers": 1,
    },
]

# Recognised on a second load by its Message-ID, as any imported message is.
EMAIL = ParsedMail(
    message_id="demo:email-0",
    sender_name="Red de cuidadoras (ejemplo)",
    sender_email="red@demo.example.org",
    sent_at=None,
    subject="Contribución de la red de cuidadoras",
    body_text="Enviamos por correo nuestra propuesta: reconocer el trabajo de cuidado "
    "comunitario en los presupuestos municipales." + DEMO_NOTE["es"],
    language="es",
)


def _first_session(db: Session, forum: Forum) -> ForumSession | None:
    assert forum.id is not None
    sessions = forum_service.forum_view(db, forum.id).sessions
    return sessions[0] if sessions else None


def _chat(db: Session, *, actor: User, town_hall: ForumSession, people: list[User]) -> None:
    """The chat remarks, posted in a live window the administrator opens for them and closes
    again (unless it was open already); the first two are marked for the minutes."""
    assert town_hall.id is not None
    missing = [
        n
        for n in range(len(CHAT))
        if contribution_service.replay(db, f"demo-chat-{n}", people[n % len(people)]) is None
    ]
    if not missing:
        return
    was_open = live_service.is_open(db, town_hall.id)
    if not was_open:
        live_service.set_open(
            db, actor=actor, session=town_hall, open_=True, at=town_hall.starts_at
        )
    for n in missing:
        data = RemarkCreate(
            body=CHAT[n], kind=Kind.remark, language="en", idempotency_key=f"demo-chat-{n}"
        )
        posted = live_service.post_remark(
            db,
            actor=people[n % len(people)],
            session=town_hall,
            data=data,
            ip=DEMO_IP,
            locale="en",
            # As typed in the chat that afternoon: 15:20 to 15:56, Madrid time.
            at=town_hall.starts_at + timedelta(minutes=20 + 9 * n),
        )
        if n < 2:
            moderation_service.moderate(
                db,
                actor=actor,
                contribution=posted.contribution,
                action=ModerationAction.for_minutes,
            )
    if not was_open:
        live_service.set_open(
            db,
            actor=actor,
            session=town_hall,
            open_=False,
            at=town_hall.starts_at + timedelta(hours=2),
        )


def _caring_cities_chat(
    db: Session, *, actor: User, session: ForumSession, people: list[User]
) -> None:
    """The dialogue's remarks, in a live window from 15:00 to 16:30 that day, all marked for
    the minutes (its draft minutes start from them)."""
    missing = [
        n
        for n in range(len(CARING_CITIES_CHAT))
        if contribution_service.replay(db, f"demo-cc-chat-{n}", people[n]) is None
    ]
    if not missing or live_service.is_open(db, session.id or 0):
        return
    live_service.set_open(db, actor=actor, session=session, open_=True, at=session.starts_at)
    for n in missing:
        language, text, after = CARING_CITIES_CHAT[n]
        data = RemarkCreate(
            body=text + DEMO_NOTE[language],
            kind=Kind.remark,
            language=language,
            idempotency_key=f"demo-cc-chat-{n}",
        )
        posted = live_service.post_remark(
            db,
            actor=people[n],
            session=session,
            data=data,
            ip=DEMO_IP,
            locale=language,
            at=session.starts_at + timedelta(minutes=after),
        )
        moderation_service.moderate(
            db, actor=actor, contribution=posted.contribution, action=ModerationAction.for_minutes
        )
    live_service.set_open(
        db,
        actor=actor,
        session=session,
        open_=False,
        at=session.starts_at + timedelta(minutes=session.duration_minutes),
    )


def _proposals(
    db: Session, *, forum: Forum, session: ForumSession | None, people: list[User]
) -> None:
    """Each proposal from its participant; the last participants endorse it once, when it is
    new."""
    themes = theme_ids(db, forum)
    caucuses = {c.code: c.id for c in caucus_service.list_caucuses(db)}
    for n, proposal in enumerate(PROPOSALS):
        data = ContributionCreate.model_validate(
            {
                "forum_id": forum.id,
                "session_id": session.id if session else None,
                "title": proposal["title"],
                "body": proposal["body"] + DEMO_NOTE[proposal["language"]],
                "language": proposal["language"],
                "theme_ids": [themes[c] for c in proposal["themes"] if c in themes],
                "caucus_id": caucuses.get(proposal["caucus"]) if proposal["caucus"] else None,
                "idempotency_key": f"demo-proposal-{n}",
            }
        )
        submitted = contribution_service.submit_proposal(db, actor=people[n], data=data, ip=DEMO_IP)
        if submitted.replayed:
            continue
        for person in people[-proposal["endorsers"] :]:
            contribution_service.set_endorsement(
                db, actor=person, contribution=submitted.contribution, endorse=True, ip=DEMO_IP
            )


def load(db: Session, *, actor: User, wfctp: Forum, uclg: Forum) -> None:
    people = participants(db, actor=actor, count=5)
    town_hall = _first_session(db, uclg)
    if town_hall is not None:
        _chat(db, actor=actor, town_hall=town_hall, people=people)
    caring_cities = _first_session(db, wfctp)
    if caring_cities is not None:
        _caring_cities_chat(db, actor=actor, session=caring_cities, people=people)
    _proposals(db, forum=wfctp, session=caring_cities, people=people)
    mailintake.import_messages(
        db,
        actor=actor,
        forum=wfctp,
        session_id=None,
        messages=[EMAIL],
    )
