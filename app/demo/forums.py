"""The two demo forums, their themes and the 2022 process's timeline: the 5th World Forum of
Cities and Territories of Peace (Montevideo, May 2025) and the UCLG Town Halls 2022 on caring
systems. Facts (dates, places, themes) come from the seed documents; the wording is ours."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from app.models.forums import Forum, ForumCreate, ForumKind, MilestoneCreate, ThemeCreate, ThemeKind
from app.models.users import User
from app.services import forums as forum_service

MONTEVIDEO = "America/Montevideo"
MADRID = "Europe/Madrid"

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

WFCTP: dict[str, Any] = {
    "kind": ForumKind.event,
    "title": WFCTP_TITLE,
    "city": "Montevideo",
    "country": "UY",
    "starts_on": date(2025, 5, 2),
    "ends_on": date(2025, 5, 5),
    "timezone": MONTEVIDEO,
    "organisers": "Montevideo City Government with cities and networks for peace",
    "summary": {
        "en": "Participatory management for coexistence and peace: four days of dialogue "
        "between local governments, international organisations and civil society.",
        "es": "Gestión participativa para la convivencia y la paz: cuatro días de diálogo "
        "entre gobiernos locales, organismos internacionales y sociedad civil.",
    },
}
T, A = ThemeKind.theme, ThemeKind.axis
# kind, code, title
WFCTP_THEMES: list[tuple[ThemeKind, str, dict[str, str]]] = [
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
            "pt": "Violência de gênero",
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
]

UCLG: dict[str, Any] = {
    "kind": ForumKind.process,
    "title": UCLG_TITLE,
    "organisers": "UCLG with Cities Alliance and partners",
    "timezone": MADRID,
    "starts_on": date(2022, 2, 1),
    "ends_on": date(2022, 10, 14),
    "summary": {
        "en": "Four Town Halls, with youth, feminist and accessibility caucuses, feed a "
        "policy document that goes through UCLG's Policy Councils, committees and World "
        "Council on the way to the World Congress in Daejeon.",
        "es": "Cuatro Town Halls, con caucus de juventud, feminista y de accesibilidad, "
        "alimentan un documento de políticas que pasa por los Consejos de Política, las "
        "comisiones y el Consejo Mundial de CGLU rumbo al Congreso Mundial de Daejeon.",
    },
}
# title, first day, last day
UCLG_MILESTONES: list[tuple[dict[str, str], date, date | None]] = [
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
]
UCLG_THEMES: list[tuple[ThemeKind, str, dict[str, str]]] = [
    (
        T,
        "1",
        {"en": "Caring Systems", "es": "Sistemas de cuidado", "pt": "Sistemas de cuidados"},
    ),
    (T, "2", {"en": "Global Commons", "es": "Bienes comunes globales"}),
    (T, "3", {"en": "Trust and Government", "es": "Confianza y gobierno"}),
    (T, "4", {"en": "Climate and Culture", "es": "Clima y cultura"}),
]


@dataclass
class Forums:
    wfctp: Forum
    uclg: Forum


def find(db: Session, title_en: str) -> Forum | None:
    """The forum whose English title is ``title_en``, the demo's natural key for a forum."""
    for forum, _sessions in forum_service.all_forums_with_counts(db):
        if forum.title.get("en") == title_en:
            return forum
    return None


def _forum(
    db: Session,
    *,
    actor: User,
    values: dict[str, Any],
    themes: list[tuple[ThemeKind, str, dict[str, str]]],
    milestones: Sequence[tuple[dict[str, str], date, date | None]] = (),
) -> Forum:
    forum = find(db, values["title"]["en"])
    if forum is None:
        data = ForumCreate.model_validate(values)
        forum = forum_service.create_forum(db, actor=actor, data=data)
    assert forum.id is not None
    have = {m.title.get("en") for m in forum_service.milestones_of(db, forum.id)}
    for title, starts_on, ends_on in milestones:
        if title["en"] not in have:
            milestone = MilestoneCreate.model_validate(
                {"title": title, "starts_on": starts_on, "ends_on": ends_on}
            )
            forum_service.add_milestone(db, actor=actor, forum=forum, data=milestone)
    codes = {t.code for t in forum_service.themes_of(db, forum.id)}
    for kind, code, title in themes:
        if code not in codes:
            theme = ThemeCreate.model_validate({"kind": kind, "code": code, "title": title})
            forum_service.add_theme(db, actor=actor, forum=forum, data=theme)
    return forum


def load(db: Session, *, actor: User) -> Forums:
    """Both forums with their timeline and themes; what is missing is created, in this order
    (the Montevideo forum is forum 1)."""
    wfctp = _forum(db, actor=actor, values=WFCTP, themes=WFCTP_THEMES)
    uclg = _forum(db, actor=actor, values=UCLG, themes=UCLG_THEMES, milestones=UCLG_MILESTONES)
    return Forums(wfctp, uclg)


def theme_ids(db: Session, forum: Forum) -> dict[str, int]:
    """A forum's theme ids by code."""
    assert forum.id is not None
    return {t.code: t.id for t in forum_service.themes_of(db, forum.id) if t.id is not None}
