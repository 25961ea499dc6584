"""The wording of the demo policy paper: our own words on the facts of the seeds (the UNDP
"Caring Cities" brief's eight key points, the Caring Systems Town Hall's headline from the
future), marked as a demo draft. Each section: its title, its first text, and the later
revisions (by which demo editor, the new text, the note)."""

DRAFT_NOTE = (
    "*Demo draft: an illustrative text written for the Town Hall demo from the seed documents. "
    "It is not a UCLG or UNDP position.*"
)

# A heading in a section's text is shown one level below the section's own (`#` under a
# top-level section's h2 is an h3): "##" would skip a level.
VISION = (
    "# A headline from 2042\n\n"
    "Twenty years after the Town Halls, local governments meet again to renew their commitment "
    "to a caring society. The caring system model has shown that governance centred on people "
    "and the environment pays off.\n\n"
    "Inclusive decisions delivered services and infrastructure more fairly, first to the "
    "informal and the most marginalised. Women and youth shaped the new methods of taking part."
)

CONTEXT = (
    "Care has always sustained people and communities. Since COVID-19 the work of care has "
    "become visible, and so has the unequal share of it carried by women, most of it unpaid.\n\n"
    "More than two billion people work eight hours a day at unpaid care and domestic work; "
    "women give two to ten times more of their time to it than men. The value of that work is "
    "estimated at 10 to 39% of GDP.\n\n"
    "SDG target 5.4 asks that unpaid care be recognised and valued through public services, "
    "infrastructure and social protection, and shared within households. Local governments "
    "are responsible for most of the targets linked to basic services."
)

KEY_POINTS = (
    "Comprehensive care systems need many actors working together under serious institutional "
    "arrangements. The eight points below organise what the Town Hall heard."
)

# Each of the eight points: title, first text.
POINTS: list[tuple[str, str]] = [
    (
        "A legal framework",
        "National and local laws name who is responsible for care, which policies apply and "
        "how the levels of government work together.",
    ),
    (
        "Local capacities",
        "Care systems take shape in the municipality, so municipalities need the governance, "
        "staff and skills to run them.",
    ),
    (
        "Planning around care",
        "Plans start from people's needs, and above all from the voices of women in their "
        "diversity.",
    ),
    (
        "Financing",
        "Budgets fund public services and also the well-being of caregivers and of those who "
        "need care: from the logic of services to the logic of people.",
    ),
    (
        "Infrastructure",
        "Existing and new facilities form one care infrastructure that answers the needs of "
        "caregivers and of the people they care for.",
    ),
    (
        "Measuring impact",
        "Cities collect evidence of how their care policies change the lives of the most "
        "vulnerable, and tell that story.",
    ),
    (
        "Caregivers first",
        "Respite programmes give caregivers time for themselves, to study, to work and to rest.",
    ),
    (
        "Partnerships",
        "Governments, employers and civil society work together; employers' leave, "
        "breastfeeding and flexible work policies are part of any care system.",
    ),
]

# Later revisions: (section title, editor index 0 or 1, new body, note).
REVISIONS: list[tuple[str, int, str, str]] = [
    (
        "Planning around care",
        1,
        "Plans start from people's needs, and above all from the voices of women in their "
        "diversity.\n\n"
        "Care maps show where care is offered and where the people who need it live; the gaps "
        "between the two guide where to act first.",
        "Adds the care maps the UNDP brief describes",
    ),
    (
        "Caregivers first",
        0,
        "Respite programmes give caregivers time for themselves, to study, to work and to rest. "
        "Caregivers with disabilities and older caregivers are reached first.",
        "Accessibility caucus: name who is often left out",
    ),
    (
        "Financing",
        1,
        "Budgets fund public services and also the well-being of caregivers and of those who "
        "need care: from the logic of services to the logic of people. Gender-responsive "
        "budgeting shows who benefits from each line.",
        "Feminism caucus: gender-responsive budgeting, from the headline from the future",
    ),
]

# Amendments: (section title, which editor, replacement, rationale). The first is proposed
# before the revisions above and so is outdated by the Financing revision; the second stays
# pending on the current text.
AMENDMENTS: list[tuple[str, int, str, str]] = [
    (
        "Financing",
        0,
        "Budgets fund public services and also the well-being of caregivers and of those who "
        "need care, with a share set aside for care led by communities.",
        "Community care (the fourth sphere of the care map) needs its own line",
    ),
    (
        "Local capacities",
        1,
        "Care systems take shape in the municipality, so municipalities need the governance, "
        "staff, skills and data to run them, shared with neighbouring municipalities where they "
        "are small.",
        "Small municipalities cannot do this alone",
    ),
]

# A comment thread: (section title, who, text) — the first opens it, the others reply.
THREAD: list[tuple[str, int, str]] = [
    (
        "Caregivers first",
        1,
        "Should we name the young carers too? The youth caucus raised them in the Town Hall.",
    ),
    (
        "Caregivers first",
        0,
        "Agreed: I will ask the youth caucus for a sentence before the caucus review.",
    ),
]
