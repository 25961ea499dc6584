"""Demo data drawn from the seed documents: the WFCTP "Caring Cities" dialogue (Montevideo 2025)
and the UCLG "Caring Systems" Town Hall process (2022). Loading is idempotent: each record is
found by its natural key before it is created.

Facts (names, roles, organisations, dates, places, themes) come from the sources; the wording is
ours. Where a source gives no time of day (the 2022 Town Halls) or no date (the three other Town
Halls), the demo uses an illustrative one and says so in the session text.
"""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from app.demo import contributions as demo_contributions
from app.models.caucuses import Caucus, CaucusMember
from app.models.forums import (
    AgendaSegment,
    Forum,
    ForumKind,
    ForumSession,
    Milestone,
    SegmentSpeaker,
    SessionFormat,
    SessionTheme,
    SessionType,
    SpeakerRole,
    Theme,
    ThemeKind,
)
from app.models.speakers import Organisation, OrganisationType, Speaker
from app.models.users import Role, User
from app.security import hash_password
from app.services.caucuses import ensure_defaults

DEMO_ADMIN_EMAIL = "admin@example.org"
DEMO_ADMIN_PASSWORD = "townhall-demo"  # noqa: S105 — a published demo credential, by design

OT = OrganisationType
ORGANISATIONS: list[tuple[str, str | None, OrganisationType, str | None]] = [
    ("United Cities and Local Governments", "UCLG", OT.network, "ES"),
    ("Cities Alliance", None, OT.international_organisation, "BE"),
    ("Public Services International", "PSI", OT.civil_society, "FR"),
    ("International Federation of Library Associations and Institutions", "IFLA", OT.network, "NL"),
    ("Civil Society Action Committee", None, OT.civil_society, None),
    ("UHC2030", None, OT.international_organisation, None),
    ("Huairou Commission", None, OT.civil_society, "US"),
    ("World Enabled", None, OT.civil_society, "US"),
    ("Migrants and Youth Caucus Platform", "MYCP", OT.civil_society, None),
    ("Government of Antioquia", None, OT.local_government, "CO"),
    ("Municipality of the Metropolitan District of Quito", None, OT.local_government, "EC"),
    ("Mercociudades", None, OT.network, "UY"),
    (
        "UN Women Latin America and the Caribbean",
        "UN Women LAC",
        OT.international_organisation,
        "PA",
    ),
    ("Barcelona Provincial Council", "Diputació de Barcelona", OT.local_government, "ES"),
    ("Montevideo City Government", "Intendencia de Montevideo", OT.local_government, "UY"),
    ("United Nations Development Programme", "UNDP", OT.international_organisation, None),
]

# name, title, organisation acronym-or-name, country, bio (en, es)
SPEAKERS: list[tuple[str, str, str | None, str | None, tuple[str, str]]] = [
    (
        "Emilia Saiz",
        "Secretary General",
        "UCLG",
        "ES",
        (
            "Leads the UCLG World Secretariat and opened the Caring Systems Town Hall, asking "
            "civil society to hold local leaders to account.",
            "Dirige el Secretariado Mundial de CGLU y abrió el Town Hall de Sistemas de Cuidado "
            "pidiendo a la sociedad civil que exija cuentas a sus líderes locales.",
        ),
    ),
    (
        "Fátima Fernández",
        "Policy team (migration)",
        "UCLG",
        "ES",
        (
            "Presented the Town Hall process, its three caucuses and its timeline to the World "
            "Congress.",
            "Presentó el proceso de los Town Halls, sus tres caucus y su calendario hasta el "
            "Congreso Mundial.",
        ),
    ),
    (
        "Greg Munro",
        "Director",
        "Cities Alliance",
        None,
        (
            "Lead organisation of the Caring Systems Town Hall; focuses on people living in urban "
            "poverty who are often left out of services.",
            "Organización líder del Town Hall de Sistemas de Cuidado; trabaja con quienes viven en "
            "pobreza urbana y quedan fuera de los servicios.",
        ),
    ),
    (
        "Jorge Pérez Jaramillo",
        "UCLG Ubuntu advisor; urban planning advisor",
        "Government of Antioquia",
        "CO",
        (
            "Architect and planner based in Medellín; argued for cities as ecosystems of care.",
            "Arquitecto y urbanista de Medellín; defendió las ciudades como ecosistemas de cuidado.",
        ),
    ),
    (
        "Rosa Pavanelli",
        "Secretary General",
        "PSI",
        None,
        (
            "Called for de-gendering care, counting its value in GDP and reclaiming care as a "
            "public service and a human right.",
            "Pidió desfeminizar los cuidados, contar su valor en el PIB y recuperarlos como servicio "
            "público y derecho humano.",
        ),
    ),
    (
        "Gerald Leitner",
        "Secretary General",
        "IFLA",
        None,
        (
            "Spoke for libraries as multi-function public infrastructure that puts people, not "
            "markets, at the centre.",
            "Habló por las bibliotecas como infraestructura pública multifunción que pone a las "
            "personas, no al mercado, en el centro.",
        ),
    ),
    (
        "Colin Rajah",
        "Coordinator",
        "Civil Society Action Committee",
        None,
        (
            "Brought the experience of migrant care workers and the new solidarity between "
            "migrant associations and city authorities.",
            "Aportó la experiencia de las personas migrantes trabajadoras del cuidado y la nueva "
            "solidaridad entre asociaciones migrantes y ciudades.",
        ),
    ),
    (
        "Gabriela Cuevas Barron",
        "Co-Chair, Steering Committee",
        "UHC2030",
        "MX",
        (
            "Framed care as a social protection network and universal health coverage as a "
            "political choice.",
            "Planteó los cuidados como red de protección social y la cobertura sanitaria universal "
            "como decisión política.",
        ),
    ),
    (
        "Sri Sofjan",
        "Senior Program Administrator and Strategist",
        "Huairou Commission",
        None,
        (
            "Representative of the feminist caucus: law and policy, financing, data and the care "
            "of caregivers.",
            "Representante del caucus feminista: leyes y políticas, financiación, datos y el "
            "cuidado de quienes cuidan.",
        ),
    ),
    (
        "Victor Pineda",
        "President and Founder",
        "World Enabled",
        "US",
        (
            "Representative of the accessibility caucus: caring systems as the foundation of "
            "inclusive, accessible cities.",
            "Representante del caucus de accesibilidad: los sistemas de cuidado como base de "
            "ciudades inclusivas y accesibles.",
        ),
    ),
    (
        "Elana Wong",
        "Capacity building",
        "MYCP",
        None,
        (
            "Representative of the youth caucus: mental health, housing and legal protection for "
            "young migrants.",
            "Representante del caucus de juventud: salud mental, vivienda y protección legal para "
            "jóvenes migrantes.",
        ),
    ),
    (
        "Camila Cociña",
        "GOLD VI report team",
        None,
        None,
        (
            "Presented the GOLD VI pathways to urban equality, including a pathway on caring.",
            "Presentó las rutas hacia la igualdad urbana del informe GOLD VI, con una ruta sobre "
            "cuidados.",
        ),
    ),
    (
        "Olga Segovia",
        "Curator of the GOLD VI chapter on caring",
        None,
        "CL",
        (
            "Argued for social and gender co-responsibility and a social contract that recognises "
            "those who give and receive care.",
            "Defendió la corresponsabilidad social y de género y un contrato social que reconozca "
            "a quienes dan y reciben cuidados.",
        ),
    ),
    (
        "Gissela Chalá",
        "Vice mayor of Quito",
        "Municipality of the Metropolitan District of Quito",
        "EC",
        (
            "Closed with care for people and the planet, and the repair of historical debts.",
            "Cerró con el cuidado de las personas y del planeta y la reparación de deudas "
            "históricas.",
        ),
    ),
]

CAUCUS_MEMBERS = [
    ("feminism", "Sri Sofjan", True),
    ("accessibility", "Victor Pineda", True),
    ("youth", "Elana Wong", True),
]


def _get_or_create(db: Session, model: Any, where: dict[str, Any], **values: Any) -> Any:
    stmt = select(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    found = db.execute(stmt).scalars().first()
    if found is not None:
        return found
    obj = model(**where, **values)
    db.add(obj)
    db.flush()
    return obj


def _forum_by_title(db: Session, title_en: str) -> Forum | None:
    for forum in db.execute(select(Forum)).scalars():
        if forum.title.get("en") == title_en:
            return forum
    return None


def load(db: Session) -> dict[str, int]:
    """Loads everything that is missing; returns how many forums exist afterwards."""
    ensure_defaults(db)
    orgs = {}
    for name, acronym, kind, country in ORGANISATIONS:
        org = _get_or_create(
            db, Organisation, {"name": name}, acronym=acronym, type=kind, country=country
        )
        orgs[name] = org
        if acronym:
            orgs[acronym] = org
    speakers = {}
    for name, title, org_key, country, (bio_en, bio_es) in SPEAKERS:
        org = orgs.get(org_key) if org_key else None
        speakers[name] = _get_or_create(
            db,
            Speaker,
            {"name": name},
            title=title,
            organisation_id=org.id if org else None,
            country=country,
            bio={"en": bio_en, "es": bio_es},
            email="secretariat@example.org",
        )
    caucuses = {c.code: c for c in db.execute(select(Caucus)).scalars()}
    for code, name, rep in CAUCUS_MEMBERS:
        _get_or_create(
            db,
            CaucusMember,
            {"caucus_id": caucuses[code].id, "speaker_id": speakers[name].id},
            is_representative=rep,
        )
    if _forum_by_title(db, WFCTP_TITLE["en"]) is None:
        _load_wfctp(db)
    if _forum_by_title(db, UCLG_TITLE["en"]) is None:
        _load_uclg(db, speakers)
    if db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).first() is None:
        db.add(
            User(
                email=DEMO_ADMIN_EMAIL,
                display_name="Demo administrator",
                password_hash=hash_password(DEMO_ADMIN_PASSWORD),
                role=Role.admin,
            )
        )
    db.commit()
    wfctp, uclg = _forum_by_title(db, WFCTP_TITLE["en"]), _forum_by_title(db, UCLG_TITLE["en"])
    if wfctp is not None and uclg is not None:
        demo_contributions.load(db, wfctp=wfctp, uclg=uclg)
    _load_caremap(db)
    return {"forums": len(db.execute(select(col(Forum.id))).all())}


def _load_caremap(db: Session) -> None:
    """The SYNTHETIC care-map territory, a stored run, pinned to the Caring Cities session."""
    from app.demo import caremap as caremap_demo

    admin = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
    caremap_demo.load(db, actor=admin)


WFCTP_TITLE = {
    "en": "5th World Forum of Cities and Territories of Peace",
    "es": "5º Foro Mundial de Ciudades y Territorios de Paz",
    "pt": "5º Fórum Mundial de Cidades e Territórios de Paz",
}
UCLG_TITLE = {
    "en": "UCLG Town Halls 2022: Caring Systems",
    "es": "Town Halls de CGLU 2022: Sistemas de Cuidado",
    "pt": "Town Halls da CGLU 2022: Sistemas de Cuidados",
}


def _themes(
    db: Session, forum: Forum, items: list[tuple[ThemeKind, str, dict[str, str]]]
) -> dict[str, Theme]:
    out = {}
    for kind, code, title in items:
        assert forum.id is not None
        theme = Theme(forum_id=forum.id, kind=kind, code=code, title=title)
        db.add(theme)
        out[code] = theme
    db.flush()
    return out


def _session(db: Session, forum: Forum, themes: list[Theme], **values: Any) -> ForumSession:
    assert forum.id is not None
    session = ForumSession(forum_id=forum.id, **values)
    db.add(session)
    db.flush()
    for theme in themes:
        assert session.id is not None
        assert theme.id is not None
        db.add(SessionTheme(session_id=session.id, theme_id=theme.id))
    return session


def _agenda(
    db: Session,
    session: ForumSession,
    segments: list[tuple[dict[str, str], int, list[tuple[Speaker, SpeakerRole]]]],
) -> None:
    for position, (title, minutes, people) in enumerate(segments, start=1):
        assert session.id is not None
        segment = AgendaSegment(
            session_id=session.id, position=position, title=title, planned_minutes=minutes
        )
        db.add(segment)
        db.flush()
        for order, (speaker, role) in enumerate(people):
            assert segment.id is not None
            assert speaker.id is not None
            db.add(
                SegmentSpeaker(
                    segment_id=segment.id, speaker_id=speaker.id, role=role, position=order
                )
            )


def _load_wfctp(db: Session) -> None:
    montevideo = "America/Montevideo"
    forum = Forum(
        kind=ForumKind.event,
        title=WFCTP_TITLE,
        city="Montevideo",
        country="UY",
        starts_on=date(2025, 5, 2),
        ends_on=date(2025, 5, 5),
        timezone=montevideo,
        organisers="Montevideo City Government with cities and networks for peace",
        summary={
            "en": "Participatory management for coexistence and peace: four days of dialogue "
            "between local governments, international organisations and civil society.",
            "es": "Gestión participativa para la convivencia y la paz: cuatro días de diálogo "
            "entre gobiernos locales, organismos internacionales y sociedad civil.",
        },
    )
    db.add(forum)
    db.flush()
    T, A = ThemeKind.theme, ThemeKind.axis
    themes = _themes(
        db,
        forum,
        [
            (
                T,
                "1",
                {
                    "en": "Intolerance, racism, discrimination and extremism",
                    "es": "Intolerancia, racismo, discriminación y extremismo",
                },
            ),
            (
                T,
                "2",
                {"en": "Migration, diaspora and violence", "es": "Migración, diáspora y violencia"},
            ),
            (
                T,
                "3",
                {
                    "en": "Gender-based violence",
                    "es": "Violencia de género",
                    "pt": "Violência de género",
                },
            ),
            (
                T,
                "4",
                {
                    "en": "Inequalities, inclusive development and climate justice",
                    "es": "Desigualdades, desarrollo inclusivo y justicia climática",
                },
            ),
            (
                A,
                "A",
                {
                    "en": "Citizen participation and intergenerational dialogue",
                    "es": "Participación ciudadana y diálogo intergeneracional",
                },
            ),
            (
                A,
                "B",
                {
                    "en": "Resources for participatory management for coexistence and peace",
                    "es": "Recursos para la gestión participativa de la convivencia y la paz",
                },
            ),
            (
                A,
                "C",
                {
                    "en": "City diplomacy and strategic articulations",
                    "es": "Diplomacia de ciudades y articulaciones estratégicas",
                },
            ),
        ],
    )
    session = _session(
        db,
        forum,
        [themes["3"], themes["4"], themes["A"], themes["C"]],
        title={
            "en": "Caring Cities: Alliances and Strategies to Advance Comprehensive Policies",
            "es": "Ciudades que cuidan: alianzas y estrategias para avanzar en políticas integrales",
            "pt": "Cidades que cuidam: alianças e estratégias para avançar em políticas integrais",
        },
        type=SessionType.parallel_alliance,
        format=SessionFormat.in_person,
        starts_at=datetime(2025, 5, 3, 15, 0, tzinfo=ZoneInfo(montevideo)),
        duration_minutes=90,
        timezone=montevideo,
        venue="Antel Arena, Montevideo",
        languages=["es", "pt"],
        interpretation=False,
        background={
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
        objectives={
            "en": "- Exchange experiences, challenges and strategies of local governments, "
            "international organisations and key actors\n- Position care policies as policies "
            "for social cohesion, coexistence and peace\n- Build alliances that strengthen and "
            "expand comprehensive local care policies",
            "es": "- Intercambiar experiencias, desafíos y estrategias entre gobiernos locales, "
            "organismos internacionales y actores clave\n- Posicionar los cuidados como "
            "políticas de cohesión social, convivencia y paz\n- Promover alianzas que "
            "fortalezcan y amplíen las políticas integrales de cuidados",
        },
        expected_outcomes={
            "en": "- Strategic alliances between local governments and international "
            "organisations\n- Inputs for advocacy strategies in bi-regional spaces\n- The "
            "voice of local governments in regional care debates, ahead of the Regional "
            "Conference on Women in Mexico in August 2025",
            "es": "- Alianzas estratégicas entre gobiernos locales y organismos "
            "internacionales\n- Insumos para estrategias de incidencia en espacios "
            "birregionales\n- La voz de los gobiernos locales en los debates regionales de "
            "cuidados, de cara a la Conferencia Regional sobre la Mujer en México (agosto 2025)",
        },
    )
    _agenda(
        db,
        session,
        [
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
                    "pt": "Enquadramento: a territorialização dos cuidados",
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
                    "pt": "Encerramento: aprendizagens e próximos passos",
                },
                15,
                [],
            ),
        ],
    )


def _load_uclg(db: Session, sp: dict[str, Speaker]) -> None:
    madrid = "Europe/Madrid"
    forum = Forum(
        kind=ForumKind.process,
        title=UCLG_TITLE,
        organisers="UCLG with Cities Alliance and partners",
        timezone=madrid,
        starts_on=date(2022, 2, 1),
        ends_on=date(2022, 10, 14),
        summary={
            "en": "Four Town Halls, with youth, feminist and accessibility caucuses, feed a "
            "policy document that goes through UCLG's Policy Councils, committees and World "
            "Council on the way to the World Congress in Daejeon.",
            "es": "Cuatro Town Halls, con caucus de juventud, feminista y de accesibilidad, "
            "alimentan un documento de políticas que pasa por los Consejos de Política, las "
            "comisiones y el Consejo Mundial de CGLU rumbo al Congreso Mundial de Daejeon.",
        },
    )
    db.add(forum)
    db.flush()
    assert forum.id is not None
    for title, start, end in [
        (
            {
                "en": "Caring Systems Town Hall meeting",
                "es": "Reunión del Town Hall de Sistemas de Cuidado",
            },
            date(2022, 2, 1),
            None,
        ),
        (
            {
                "en": "Hybrid retreat of all Town Halls",
                "es": "Retiro híbrido de todos los Town Halls",
            },
            date(2022, 2, 21),
            date(2022, 2, 25),
        ),
        (
            {"en": "Drafting the policy document", "es": "Redacción del documento de políticas"},
            date(2022, 3, 1),
            date(2022, 9, 30),
        ),
        (
            {
                "en": "UCLG World Congress, Daejeon (Korea)",
                "es": "Congreso Mundial de CGLU, Daejeon (Corea)",
            },
            date(2022, 10, 10),
            date(2022, 10, 14),
        ),
    ]:
        db.add(Milestone(forum_id=forum.id, title=title, starts_on=start, ends_on=end))
    T = ThemeKind.theme
    themes = _themes(
        db,
        forum,
        [
            (
                T,
                "1",
                {"en": "Caring Systems", "es": "Sistemas de cuidado", "pt": "Sistemas de cuidados"},
            ),
            (T, "2", {"en": "Global Commons", "es": "Bienes comunes globales"}),
            (T, "3", {"en": "Trust and Government", "es": "Confianza y gobierno"}),
            (T, "4", {"en": "Climate and Culture", "es": "Clima y cultura"}),
        ],
    )
    online = "https://meets.example.org/town-halls"
    caring = _session(
        db,
        forum,
        [themes["1"]],
        title={
            "en": "Caring Systems – Thinking Big",
            "es": "Sistemas de cuidado: pensar en grande",
            "pt": "Sistemas de cuidados: pensar grande",
        },
        type=SessionType.town_hall,
        format=SessionFormat.online,
        starts_at=datetime(2022, 2, 1, 15, 0, tzinfo=ZoneInfo(madrid)),
        duration_minutes=120,
        timezone=madrid,
        online_url=online,
        languages=["en", "es"],
        interpretation=True,
        background={
            "en": "After the pandemic, care work became visible, and so did its unequal weight "
            "on women and girls. This Town Hall looks at care and local public services, human "
            "mobility, and the future of work. (The time of day is illustrative.)",
            "es": "Tras la pandemia, el trabajo de cuidados se hizo visible, y también su peso "
            "desigual sobre mujeres y niñas. Este Town Hall aborda los cuidados y los servicios "
            "públicos locales, la movilidad humana y el futuro del trabajo. (La hora es "
            "ilustrativa.)",
        },
        objectives={
            "en": "- Describe what a caring system is and how it can be delivered\n- Identify "
            "the major trends\n- Gather concrete recommendations for the policy document",
            "es": "- Describir qué es un sistema de cuidados y cómo puede prestarse\n- "
            "Identificar las grandes tendencias\n- Reunir recomendaciones concretas para el "
            "documento de políticas",
        },
    )
    H, K, P, M = SpeakerRole.host, SpeakerRole.keynote, SpeakerRole.panelist, SpeakerRole.moderator
    _agenda(
        db,
        caring,
        [
            ({"en": "Welcome", "es": "Bienvenida"}, 10, [(sp["Emilia Saiz"], H)]),
            (
                {
                    "en": "The Town Hall process and timeline",
                    "es": "El proceso de los Town Halls y su calendario",
                },
                10,
                [(sp["Fátima Fernández"], P)],
            ),
            ({"en": "Setting the scene", "es": "Planteamiento"}, 10, [(sp["Greg Munro"], M)]),
            (
                {"en": "Inspiring talk", "es": "Charla inspiradora"},
                10,
                [(sp["Jorge Pérez Jaramillo"], K)],
            ),
            (
                {
                    "en": "Round of introductions: what are caring systems, and how can they be delivered?",
                    "es": "Ronda de presentaciones: ¿qué son los sistemas de cuidado y cómo se prestan?",
                },
                70,
                [
                    (sp[n], P)
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
                [(sp["Gissela Chalá"], P), (sp["Emilia Saiz"], H)],
            ),
        ],
    )
    for code, title_en, title_es, day in [
        ("2", "Global Commons Town Hall", "Town Hall de bienes comunes globales", 3),
        ("3", "Trust and Government Town Hall", "Town Hall de confianza y gobierno", 8),
        ("4", "Climate and Culture Town Hall", "Town Hall de clima y cultura", 10),
    ]:
        _session(
            db,
            forum,
            [themes[code]],
            title={"en": title_en, "es": title_es},
            type=SessionType.town_hall,
            format=SessionFormat.online,
            starts_at=datetime(2022, 2, day, 15, 0, tzinfo=ZoneInfo(madrid)),
            duration_minutes=120,
            timezone=madrid,
            online_url=online,
            languages=["en", "es"],
            background={
                "en": "One of the four Town Halls of the 2022 process. (Date and time "
                "are illustrative: the sources do not give them.)",
                "es": "Uno de los cuatro Town Halls del proceso 2022. (Fecha y hora "
                "ilustrativas: las fuentes no las indican.)",
            },
        )
    _session(
        db,
        forum,
        list(themes.values()),
        title={
            "en": "All Town Halls session at the UCLG Retreat",
            "es": "Sesión conjunta de los Town Halls en el Retiro de CGLU",
        },
        type=SessionType.retreat,
        format=SessionFormat.hybrid,
        starts_at=datetime(2022, 2, 23, 10, 0, tzinfo=ZoneInfo(madrid)),
        duration_minutes=180,
        timezone=madrid,
        venue="UCLG Retreat (in-person venue)",
        online_url=online,
        languages=["en", "es", "fr"],
        interpretation=True,
        background={
            "en": "Each Town Hall presents a 'headline from the future' for 2042, and "
            "the four look for what they have in common.",
            "es": "Cada Town Hall presenta un «titular del futuro» para 2042 y los "
            "cuatro buscan lo que tienen en común.",
        },
    )
