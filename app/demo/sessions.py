"""The demo sessions and their agendas: the Caring Cities session of the Montevideo forum
(3 May 2025, Antel Arena) and the five sessions of the 2022 Town Hall process, the first of them
the Caring Systems Town Hall meeting with its speakers. Where a source gives no time of day (the
2022 Town Halls) or no date (the three other Town Halls), the session text says the one used here
is illustrative."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.demo.forums import MADRID, MONTEVIDEO, theme_ids
from app.models.forums import (
    Forum,
    ForumSession,
    SegmentCreate,
    SessionCreate,
    SessionFormat,
    SessionType,
    SpeakerRole,
)
from app.models.speakers import Speaker
from app.models.users import User
from app.services import forums as forum_service
from app.services import sessions as session_service

ONLINE = "https://meets.example.org/town-halls"
H, K, P, M = SpeakerRole.host, SpeakerRole.keynote, SpeakerRole.panelist, SpeakerRole.moderator
# A segment: its title, planned minutes, and who speaks (speaker name, role), in order.
Segment = tuple[dict[str, str], int, list[tuple[str, SpeakerRole]]]

CARING_CITIES: dict[str, Any] = {
    "themes": ["3", "4", "A", "C"],
    "title": {
        "en": "Caring Cities: Alliances and Strategies to Advance Comprehensive Policies",
        "es": "Ciudades que cuidan: alianzas y estrategias para avanzar en políticas integrales",
        "pt": "Cidades que cuidam: alianças e estratégias para avançar em políticas integrais",
    },
    "type": SessionType.parallel_alliance,
    "format": SessionFormat.in_person,
    "starts_at": datetime(2025, 5, 3, 15, 0, tzinfo=ZoneInfo(MONTEVIDEO)),
    "duration_minutes": 90,
    "timezone": MONTEVIDEO,
    "venue": "Antel Arena, Montevideo",
    "languages": ["es", "pt"],
    "interpretation": False,
    "background": {
        "en": "Mercociudades, UN Women Latin America and the Caribbean, the Barcelona "
        "Provincial Council and the Montevideo City Government have promoted a Local Care "
        "Agenda together, across Latin America and Europe.\n\nThe Forum is a chance to "
        "share local experience of comprehensive care policies, close to people and "
        "shaped by the communities themselves.",
        "es": "Mercociudades, ONU Mujeres América Latina y el Caribe, la Diputación de "
        "Barcelona y la Intendencia de Montevideo impulsan juntas una Agenda Local de "
        "Cuidados entre América Latina y Europa.\n\nEl Foro es una ocasión para compartir "
        "experiencias locales de políticas integrales de cuidados, cercanas a las personas "
        "y construidas con las propias comunidades.",
    },
    "objectives": {
        "en": "- Exchange experiences, challenges and strategies of local governments, "
        "international organisations and key actors\n- Position care policies as policies "
        "for social cohesion, coexistence and peace\n- Build alliances that strengthen and "
        "expand comprehensive local care policies",
        "es": "- Intercambiar experiencias, desafíos y estrategias entre gobiernos locales, "
        "organismos internacionales y actores clave\n- Posicionar los cuidados como "
        "políticas de cohesión social, convivencia y paz\n- Promover alianzas que "
        "fortalezcan y amplíen las políticas integrales de cuidados",
    },
    "expected_outcomes": {
        "en": "- Strategic alliances between local governments and international "
        "organisations\n- Inputs for advocacy strategies in bi-regional spaces\n- The "
        "voice of local governments in regional care debates, ahead of the Regional "
        "Conference on Women in Mexico in August 2025",
        "es": "- Alianzas estratégicas entre gobiernos locales y organismos "
        "internacionales\n- Insumos para estrategias de incidencia en espacios "
        "birregionales\n- La voz de los gobiernos locales en los debates regionales de "
        "cuidados, de cara a la Conferencia Regional sobre la Mujer en México (agosto 2025)",
    },
}
CARING_CITIES_AGENDA: list[Segment] = [
    (
        {
            "en": "Institutional welcome and context",
            "es": "Bienvenida institucional y contexto",
            "pt": "Boas-vindas institucionais e contexto",
        },
        10,
        [],
    ),
    (
        {
            "en": "Framework: territorialising care",
            "es": "Marco: la territorialización de los cuidados",
            "pt": "Marco conceitual: a territorialização dos cuidados",
        },
        20,
        [],
    ),
    (
        {
            "en": "Panel of experiences from local governments and strategic actors",
            "es": "Panel de experiencias de gobiernos locales y actores estratégicos",
            "pt": "Painel de experiências de governos locais e atores estratégicos",
        },
        45,
        [],
    ),
    (
        {
            "en": "Closing: lessons learned and next steps",
            "es": "Cierre: aprendizajes y próximos pasos",
            "pt": "Encerramento: aprendizados e próximos passos",
        },
        15,
        [],
    ),
]

CARING_SYSTEMS: dict[str, Any] = {
    "themes": ["1"],
    "title": {
        "en": "Caring Systems – Thinking Big",
        "es": "Sistemas de cuidado: pensar en grande",
        "pt": "Sistemas de cuidados: pensar grande",
    },
    "type": SessionType.town_hall,
    "format": SessionFormat.online,
    "starts_at": datetime(2022, 2, 1, 15, 0, tzinfo=ZoneInfo(MADRID)),
    "duration_minutes": 120,
    "timezone": MADRID,
    "online_url": ONLINE,
    "languages": ["en", "es"],
    "interpretation": True,
    "background": {
        "en": "After the pandemic, care work became visible, and so did its unequal weight "
        "on women and girls. This Town Hall looks at care and local public services, human "
        "mobility, and the future of work. (The time of day is illustrative.)",
        "es": "Tras la pandemia, el trabajo de cuidados se hizo visible, y también su peso "
        "desigual sobre mujeres y niñas. Este Town Hall aborda los cuidados y los servicios "
        "públicos locales, la movilidad humana y el futuro del trabajo. (La hora es "
        "ilustrativa.)",
    },
    "objectives": {
        "en": "- Describe what a caring system is and how it can be delivered\n- Identify "
        "the major trends\n- Gather concrete recommendations for the policy document",
        "es": "- Describir qué es un sistema de cuidados y cómo puede prestarse\n- "
        "Identificar las grandes tendencias\n- Reunir recomendaciones concretas para el "
        "documento de políticas",
    },
}
CARING_SYSTEMS_AGENDA: list[Segment] = [
    ({"en": "Welcome", "es": "Bienvenida"}, 10, [("Emilia Saiz", H)]),
    (
        {
            "en": "The Town Hall process and timeline",
            "es": "El proceso de los Town Halls y su calendario",
        },
        10,
        [("Fátima Fernández", P)],
    ),
    ({"en": "Setting the scene", "es": "Planteamiento"}, 10, [("Greg Munro", M)]),
    (
        {"en": "Inspiring talk", "es": "Charla inspiradora"},
        10,
        [("Jorge Pérez Jaramillo", K)],
    ),
    (
        {
            "en": "Round of introductions: what are caring systems, and how can they be delivered?",
            "es": "Ronda de presentaciones: ¿qué son los sistemas de cuidado y cómo se prestan?",
        },
        70,
        [
            (n, P)
            for n in (
                "Rosa Pavanelli",
                "Gerald Leitner",
                "Colin Rajah",
                "Gabriela Cuevas Barron",
                "Sri Sofjan",
                "Victor Pineda",
                "Elana Wong",
                "Camila Cociña",
                "Olga Segovia",
            )
        ],
    ),
    (
        {"en": "Closing and next steps", "es": "Cierre y próximos pasos"},
        10,
        [("Gissela Chalá", P), ("Emilia Saiz", H)],
    ),
]

# The three other Town Halls of the process: theme code, English and Spanish title, day of
# February 2022.
OTHER_TOWN_HALLS = [
    ("2", "Global Commons Town Hall", "Town Hall de bienes comunes globales", 3),
    ("3", "Trust and Government Town Hall", "Town Hall de confianza y gobierno", 8),
    ("4", "Climate and Culture Town Hall", "Town Hall de clima y cultura", 10),
]


def _town_hall(code: str, title_en: str, title_es: str, day: int) -> dict[str, Any]:
    return {
        "themes": [code],
        "title": {"en": title_en, "es": title_es},
        "type": SessionType.town_hall,
        "format": SessionFormat.online,
        "starts_at": datetime(2022, 2, day, 15, 0, tzinfo=ZoneInfo(MADRID)),
        "duration_minutes": 120,
        "timezone": MADRID,
        "online_url": ONLINE,
        "languages": ["en", "es"],
        "background": {
            "en": "One of the four Town Halls of the 2022 process. (Date and time "
            "are illustrative: the sources do not give them.)",
            "es": "Uno de los cuatro Town Halls del proceso 2022. (Fecha y hora "
            "ilustrativas: las fuentes no las indican.)",
        },
    }


RETREAT: dict[str, Any] = {
    "themes": ["1", "2", "3", "4"],
    "title": {
        "en": "All Town Halls session at the UCLG Retreat",
        "es": "Sesión conjunta de los Town Halls en el Retiro de CGLU",
    },
    "type": SessionType.retreat,
    "format": SessionFormat.hybrid,
    "starts_at": datetime(2022, 2, 23, 10, 0, tzinfo=ZoneInfo(MADRID)),
    "duration_minutes": 180,
    "timezone": MADRID,
    "venue": "UCLG Retreat (in-person venue)",
    "online_url": ONLINE,
    "languages": ["en", "es", "fr"],
    "interpretation": True,
    "background": {
        "en": "Each Town Hall presents a 'headline from the future' for 2042, and "
        "the four look for what they have in common.",
        "es": "Cada Town Hall presenta un «titular del futuro» para 2042 y los "
        "cuatro buscan lo que tienen en común.",
    },
}


def _session(db: Session, *, actor: User, forum: Forum, values: dict[str, Any]) -> ForumSession:
    """The forum's session with this English title, created when missing."""
    assert forum.id is not None
    for session in forum_service.forum_view(db, forum.id).sessions:
        if session.title.get("en") == values["title"]["en"]:
            return session
    themes = theme_ids(db, forum)
    data = SessionCreate.model_validate(
        {
            **{k: v for k, v in values.items() if k != "themes"},
            "forum_id": forum.id,
            "theme_ids": [themes[code] for code in values["themes"]],
        }
    )
    return session_service.create_session(db, actor=actor, data=data)


def _agenda(
    db: Session,
    *,
    actor: User,
    session: ForumSession,
    segments: list[Segment],
    speakers: dict[str, Speaker],
) -> None:
    """The agenda's segments, each at its position; positions already taken are left alone."""
    assert session.id is not None
    taken = {v.segment.position for v in session_service.session_view(db, session.id).segments}
    for position, (title, minutes, people) in enumerate(segments, start=1):
        if position in taken:
            continue
        data = SegmentCreate.model_validate(
            {
                "title": title,
                "planned_minutes": minutes,
                "position": position,
                "speakers": [
                    {"speaker_id": speakers[name].id, "role": role} for name, role in people
                ],
            }
        )
        session_service.add_segment(db, actor=actor, session=session, data=data)


def load(
    db: Session, *, actor: User, wfctp: Forum, uclg: Forum, speakers: dict[str, Speaker]
) -> None:
    """Every demo session and agenda segment that is missing, in the order of their ids (the
    Caring Cities session is session 1, the Caring Systems Town Hall session 2)."""
    caring_cities = _session(db, actor=actor, forum=wfctp, values=CARING_CITIES)
    _agenda(
        db, actor=actor, session=caring_cities, segments=CARING_CITIES_AGENDA, speakers=speakers
    )
    caring_systems = _session(db, actor=actor, forum=uclg, values=CARING_SYSTEMS)
    _agenda(
        db, actor=actor, session=caring_systems, segments=CARING_SYSTEMS_AGENDA, speakers=speakers
    )
    for town_hall in OTHER_TOWN_HALLS:
        _session(db, actor=actor, forum=uclg, values=_town_hall(*town_hall))
    _session(db, actor=actor, forum=uclg, values=RETREAT)
