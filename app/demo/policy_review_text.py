"""The demo's caucus review of "Caring Systems": proposals sent to the 2022 Town Hall process,
the paragraphs they fed with an outcome for each, and the three caucuses' first verdicts. All
invented for the demo, in our own words, and each proposal says so (contributions.DEMO_NOTE)."""

from typing import Any

# Proposals to the 2022 process, from the demo participants (index into users.participants).
# "organisation_type" is an OrganisationType value; "themes" are the 2022 forum's theme codes
# (1 Caring Systems, 3 Trust and Government).
PROPOSALS: list[dict[str, Any]] = [
    {
        "author": 0,
        "language": "en",
        "title": "Count unpaid care in the city budget",
        "body": "Every municipal budget should show how much unpaid care work its services "
        "take over, and fund respite for caregivers from that line.",
        "organisation_name": "Neighbourhood caregivers' network (example)",
        "organisation_type": "grassroots",
        "caucus": "feminism",
        "themes": ["1"],
    },
    {
        "author": 1,
        "language": "es",
        "title": "Ley marco local de cuidados",
        "body": "Pedimos una ordenanza municipal que diga quién responde por cada servicio de "
        "cuidado y cómo se coordina con el gobierno nacional.",
        "organisation_name": "Observatorio de políticas locales (ejemplo)",
        "organisation_type": "academia",
        "caucus": None,
        "themes": ["1", "3"],
    },
    {
        "author": 2,
        "language": "pt",
        "title": "Transporte acessível até os serviços de cuidado",
        "body": "Os serviços de cuidado só servem se as pessoas chegam até eles: pedimos "
        "rotas acessíveis e transporte adaptado até cada centro.",
        "organisation_name": None,
        "organisation_type": "individual",
        "caucus": "accessibility",
        "themes": ["1"],
    },
    {
        "author": 3,
        "language": "en",
        "title": "Young carers need time to study",
        "body": "Respite programmes should include young people who care for relatives, with "
        "study time and flexible school hours.",
        "organisation_name": "Youth council (example)",
        "organisation_type": "civil_society",
        "caucus": "youth",
        "themes": ["1"],
    },
    {
        "author": 4,
        "language": "es",
        "title": "Indicadores de impacto con las personas cuidadoras",
        "body": "Los indicadores de impacto deberían definirse con las personas cuidadoras, "
        "no solo con datos administrativos.",
        "organisation_name": "Ayuntamiento (ejemplo)",
        "organisation_type": "local_government",
        "caucus": "feminism",
        "themes": ["1", "3"],
    },
    {
        "author": 0,
        "language": "en",
        "title": "A care card for every resident",
        "body": "Issue a single care card that gives access to every municipal care service.",
        "organisation_name": None,
        "organisation_type": None,
        "caucus": None,
        "themes": [],
    },
]

# Which paragraph each source fed: (section title, paragraph index in that section, source,
# outcome, reason). A source is ("proposal", index above), ("chat", index into
# contributions.CHAT) or ("point", key point text of the 2022 minutes).
LINKS: list[tuple[str, int, tuple[str, Any], str, str]] = [
    ("Financing", 0, ("proposal", 0), "incorporated", ""),
    ("A legal framework", 0, ("proposal", 1), "partly_incorporated", ""),
    ("Infrastructure", 0, ("proposal", 2), "merged", ""),
    ("Infrastructure", 0, ("chat", 2), "merged", ""),
    ("Caregivers first", 0, ("proposal", 3), "incorporated", ""),
    ("Measuring impact", 0, ("proposal", 4), "partly_incorporated", ""),
    (
        "Local capacities",
        0,
        ("proposal", 5),
        "not_taken_up",
        "A single card is a delivery choice each city makes; the paper keeps to what every "
        "city's care system needs.",
    ),
    ("Infrastructure", 0, ("chat", 3), "incorporated", ""),
    (
        "Planning around care",
        0,
        ("point", "Safety is a key part of a caring system"),
        "incorporated",
        "",
    ),
]

SNAPSHOT_REASON = "Drafting closed: the text goes to the caucuses for sign-off."

# The caucuses' verdicts so far: (section title, caucus code, verdict, note).
REVIEWS: list[tuple[str, str, str, str]] = [
    (
        "Infrastructure",
        "accessibility",
        "object",
        "The section speaks of facilities but not of how people reach them: without "
        "accessible routes and transport, a care infrastructure leaves disabled people out. "
        "Add it and we will sign off.",
    ),
    (
        "Caregivers first",
        "feminism",
        "concerns",
        "We endorse it, but respite must not fall back on other women in the family: say that "
        "public services provide it.",
    ),
    ("Financing", "feminism", "endorse", ""),
    ("Financing", "accessibility", "endorse", ""),
    ("Caregivers first", "youth", "endorse", ""),
]

# The demo youth caucus representative, on the drafting team to review (random password).
YOUTH_REVIEWER = ("reviewer.youth@demo.example.org", "Demo reviewer (youth caucus)", "youth")
