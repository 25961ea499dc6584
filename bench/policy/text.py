"""Policy prose for the benchmark document: English sentences assembled from word lists on the
seeds' subject (care systems, local governments, caucuses), so paragraphs read like a draft and
word-level diffs between revisions have real words to compare. Edits are what co-drafters do:
a word changed, a sentence rewritten, added or dropped, now and then a paragraph added or
removed."""

from __future__ import annotations

import random

SUBJECTS = [
    "Local and regional governments",
    "The care system",
    "Every city council",
    "The national care policy",
    "Community care networks",
    "Public care services",
    "The metropolitan authority",
    "Organisations of persons with disabilities",
    "Feminist movements",
    "Youth councils",
    "Informal care workers",
    "The drafting team",
    "Intermediary cities",
    "Neighbourhood associations",
    "The Town Hall process",
]
VERBS = [
    "should recognise",
    "must fund",
    "can redistribute",
    "will measure",
    "need to share",
    "are asked to value",
    "commit to reduce",
    "should plan",
    "must guarantee",
    "can co-produce",
    "ought to monitor",
    "agree to protect",
]
OBJECTS = [
    "unpaid care and domestic work",
    "the time women give to care",
    "accessible public transport",
    "childcare close to home",
    "long-term care for older people",
    "decent pay for care workers",
    "social protection for informal carers",
    "community kitchens and laundries",
    "respite services for families",
    "the data on who cares for whom",
    "universal design of public space",
    "the budget lines for care infrastructure",
    "the rights of people who receive care",
]
COMPLEMENTS = [
    "in every neighbourhood",
    "before the next budget cycle",
    "with the caucuses at the table",
    "through participatory budgeting",
    "as SDG target 5.4 asks",
    "in partnership with civil society",
    "without leaving the informal economy behind",
    "with gender-disaggregated indicators",
    "across the metropolitan area",
    "by 2030 at the latest",
    "in plain and accessible language",
    "so that nobody carries it alone",
]
OPENERS = [
    "",
    "",
    "",
    "In practice, ",
    "Above all, ",
    "As the Town Hall heard, ",
    "For this reason, ",
    "At the same time, ",
    "Where resources are scarce, ",
    "Building on local experience, ",
]
TITLES = [
    "Recognising care work",
    "Reducing the burden of care",
    "Redistributing care",
    "Representation of carers",
    "Rewarding care workers",
    "A legal framework",
    "Financing care",
    "Care infrastructure",
    "Data and indicators",
    "Accessibility of services",
    "Time policies",
    "Care in the informal economy",
    "Governance and coordination",
    "Participation of caucuses",
    "Monitoring and evaluation",
    "Climate and care",
    "Housing and care",
    "Health and long-term care",
    "Education and early childhood",
    "Mobility and public space",
]
WORD_SWAPS = {
    "should": "must",
    "must": "should",
    "every": "each",
    "recognise": "acknowledge",
    "fund": "finance",
    "plan": "design",
    "measure": "count",
    "older": "elderly",
    "public": "common",
    "decent": "fair",
    "families": "households",
    "local": "municipal",
}


def sentence(rng: random.Random) -> str:
    opener = rng.choice(OPENERS)
    subject = rng.choice(SUBJECTS)
    if opener:
        subject = subject[0].lower() + subject[1:]
    return f"{opener}{subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(COMPLEMENTS)}."


def paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 6)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def body(rng: random.Random, paragraphs: tuple[int, int] = (4, 7)) -> list[str]:
    return [paragraph(rng) for _ in range(rng.randint(*paragraphs))]


def _sentences(text: str) -> list[str]:
    parts = [s.strip() for s in text.split(". ")]
    return [s if s.endswith(".") else s + "." for s in parts if s]


def edit_paragraph(rng: random.Random, text: str) -> str:
    """One co-drafter's change to a paragraph: a word, or a sentence rewritten, added or cut."""
    sentences = _sentences(text)
    kind = rng.random()
    if kind < 0.35:
        words = text.split(" ")
        swappable = [i for i, w in enumerate(words) if w in WORD_SWAPS]
        if swappable:
            i = rng.choice(swappable)
            words[i] = WORD_SWAPS[words[i]]
            return " ".join(words)
    if kind < 0.65 or len(sentences) >= 8:
        i = rng.randrange(len(sentences))
        if kind < 0.5 and len(sentences) > 2:
            del sentences[i]
        else:
            sentences[i] = sentence(rng)
    else:
        sentences.insert(rng.randint(0, len(sentences)), sentence(rng))
    return " ".join(sentences)


def edit_body(rng: random.Random, paragraphs: list[str]) -> list[str]:
    """A revision: one or two paragraphs edited, sometimes one added or removed."""
    out = list(paragraphs)
    roll = rng.random()
    if roll < 0.08 and len(out) < 10:
        out.insert(rng.randint(0, len(out)), paragraph(rng))
    elif roll < 0.13 and len(out) > 3:
        del out[rng.randrange(len(out))]
    else:
        for i in rng.sample(range(len(out)), min(len(out), rng.choice((1, 1, 1, 2)))):
            out[i] = edit_paragraph(rng, out[i])
    return out


def comment(rng: random.Random) -> str:
    starts = [
        "I would keep this, but",
        "Our caucus asks that",
        "Could we say more clearly that",
        "The youth caucus suggests that",
        "Agreed, and",
        "I am not sure that",
        "The accessibility caucus notes that",
        "From our city's experience,",
    ]
    said = sentence(rng)
    return f"{rng.choice(starts)} {said[0].lower()}{said[1:]}"


def rationale(rng: random.Random) -> str:
    return f"This wording is clearer for our members. {sentence(rng)}"
