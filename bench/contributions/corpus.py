"""Word lists for synthetic contributions in Spanish, Portuguese and English.

Sentences are assembled as subject + verb + object + complement, so every text is grammatical
enough to read and full-text search finds real words in it. About a third of the objects mention
care ("cuidados" in Spanish and Portuguese, "care" in English), the platform's main theme: the
search route of the benchmark looks for a word that common.
"""

from __future__ import annotations

import random

LANGUAGES = ("es", "pt", "en")
# Share of contributions per language (the Caring Cities dialogue was mostly Spanish-speaking).
LANGUAGE_WEIGHTS = (0.45, 0.30, 0.25)

# The word the benchmark's search route looks for, and how it matches (FTS5 prefix match).
COMMON_WORD = "cuidados"
RARE_WORD = "bibliotecas"

_ES = {
    "subjects": [
        "Los gobiernos locales",
        "Nuestra ciudad",
        "El municipio",
        "Las organizaciones de mujeres",
        "Los colectivos juveniles",
        "La red de barrios",
        "Las personas cuidadoras",
        "El consejo vecinal",
        "Las cooperativas",
        "La alcaldía",
        "Las asociaciones de personas con discapacidad",
        "Los movimientos sociales",
        "El área metropolitana",
        "Las universidades públicas",
        "La sociedad civil organizada",
    ],
    "verbs": [
        "debería garantizar",
        "propone ampliar",
        "necesita financiar",
        "pide reconocer",
        "quiere coordinar",
        "tendría que evaluar",
        "se compromete a mejorar",
        "reclama proteger",
        "sugiere descentralizar",
        "busca fortalecer",
        "exige transparentar",
        "plantea rediseñar",
    ],
    "objects": [
        "los servicios públicos de cuidados",
        "el sistema integral de cuidados",
        "los cuidados comunitarios",
        "la corresponsabilidad en los cuidados",
        "los centros de cuidados infantiles",
        "los cuidados de larga duración",
        "la formación de quienes prestan cuidados",
        "las redes de cuidados en los barrios",
        "el transporte público nocturno",
        "la vivienda asequible",
        "los espacios verdes accesibles",
        "las bibliotecas de barrio",
        "la participación de la juventud",
        "el presupuesto participativo",
        "la atención primaria de salud",
        "los comedores populares",
        "la seguridad alimentaria",
        "la accesibilidad de las calles",
        "la igualdad salarial",
        "los datos abiertos municipales",
        "la convivencia y la paz territorial",
        "la mediación comunitaria",
    ],
    "complements": [
        "en todos los barrios de la ciudad",
        "con financiación estable y suficiente",
        "antes del próximo ciclo presupuestario",
        "junto con las organizaciones de base",
        "con perspectiva de género",
        "sin dejar a nadie atrás",
        "en diálogo con la sociedad civil",
        "con indicadores públicos de seguimiento",
        "en las zonas rurales y periurbanas",
        "para las personas mayores que viven solas",
        "con la participación de la juventud",
        "a escala metropolitana",
        "según las recomendaciones del foro",
        "durante los próximos cuatro años",
    ],
    "title_heads": [
        "Propuesta para",
        "Cómo",
        "Una agenda para",
        "Hacia",
        "Reforzar",
        "Medidas para",
        "Prioridad:",
    ],
}

_PT = {
    "subjects": [
        "Os governos locais",
        "A nossa cidade",
        "O município",
        "As organizações de mulheres",
        "Os coletivos de juventude",
        "A rede de bairros",
        "As pessoas cuidadoras",
        "O conselho de moradores",
        "As cooperativas",
        "A prefeitura",
        "As associações de pessoas com deficiência",
        "Os movimentos sociais",
        "A região metropolitana",
        "As universidades públicas",
        "A sociedade civil organizada",
    ],
    "verbs": [
        "deveria garantir",
        "propõe ampliar",
        "precisa financiar",
        "pede para reconhecer",
        "quer coordenar",
        "teria de avaliar",
        "se compromete a melhorar",
        "reivindica proteger",
        "sugere descentralizar",
        "procura fortalecer",
        "exige dar transparência a",
        "propõe redesenhar",
    ],
    "objects": [
        "os serviços públicos de cuidados",
        "o sistema integrado de cuidados",
        "os cuidados comunitários",
        "a corresponsabilidade nos cuidados",
        "as creches e os cuidados infantis",
        "os cuidados de longa duração",
        "a formação de quem presta cuidados",
        "as redes de cuidados nos bairros",
        "o transporte público noturno",
        "a habitação acessível",
        "os espaços verdes acessíveis",
        "as bibliotecas de bairro",
        "a participação da juventude",
        "o orçamento participativo",
        "a atenção primária à saúde",
        "as cozinhas comunitárias",
        "a segurança alimentar",
        "a acessibilidade das calçadas",
        "a igualdade salarial",
        "os dados abertos municipais",
        "a convivência e a paz territorial",
        "a mediação comunitária",
    ],
    "complements": [
        "em todos os bairros da cidade",
        "com financiamento estável e suficiente",
        "antes do próximo ciclo orçamentário",
        "junto com as organizações de base",
        "com perspectiva de gênero",
        "sem deixar ninguém para trás",
        "em diálogo com a sociedade civil",
        "com indicadores públicos de acompanhamento",
        "nas zonas rurais e periurbanas",
        "para as pessoas idosas que vivem sozinhas",
        "com a participação da juventude",
        "em escala metropolitana",
        "segundo as recomendações do fórum",
        "durante os próximos quatro anos",
    ],
    "title_heads": [
        "Proposta para",
        "Como",
        "Uma agenda para",
        "Rumo a",
        "Reforçar",
        "Medidas para",
        "Prioridade:",
    ],
}

_EN = {
    "subjects": [
        "Local governments",
        "Our city",
        "The municipality",
        "Women's organisations",
        "Youth collectives",
        "The neighbourhood network",
        "Unpaid carers",
        "The residents' council",
        "Cooperatives",
        "The mayor's office",
        "Disability rights groups",
        "Social movements",
        "The metropolitan area",
        "Public universities",
        "Organised civil society",
    ],
    "verbs": [
        "should guarantee",
        "proposes to expand",
        "needs to fund",
        "asks to recognise",
        "wants to coordinate",
        "ought to evaluate",
        "commits to improving",
        "calls for protecting",
        "suggests decentralising",
        "seeks to strengthen",
        "demands transparency on",
        "plans to redesign",
    ],
    "objects": [
        "public care services",
        "an integrated care system",
        "community-based care",
        "shared responsibility for care",
        "childcare centres",
        "long-term care",
        "training for care workers",
        "neighbourhood care networks",
        "night-time public transport",
        "affordable housing",
        "accessible green spaces",
        "neighbourhood libraries",
        "youth participation",
        "participatory budgeting",
        "primary health care",
        "community kitchens",
        "food security",
        "accessible streets",
        "equal pay",
        "open municipal data",
        "peaceful coexistence",
        "community mediation",
    ],
    "complements": [
        "in every neighbourhood of the city",
        "with stable and sufficient funding",
        "before the next budget cycle",
        "together with grassroots organisations",
        "with a gender perspective",
        "leaving no one behind",
        "in dialogue with civil society",
        "with public monitoring indicators",
        "in rural and peri-urban areas",
        "for older people who live alone",
        "with young people on board",
        "at the metropolitan scale",
        "following the forum's recommendations",
        "over the next four years",
    ],
    "title_heads": [
        "A proposal for",
        "How to improve",
        "An agenda for",
        "Towards",
        "Strengthening",
        "Measures for",
        "Priority:",
    ],
}

WORDS = {"es": _ES, "pt": _PT, "en": _EN}

FIRST_NAMES = [
    "Ana",
    "Lucía",
    "Mariana",
    "João",
    "Carlos",
    "Fatou",
    "Amina",
    "Sofía",
    "Pedro",
    "Beatriz",
    "Diego",
    "Grace",
    "Samuel",
    "Valentina",
    "Thiago",
    "Nadia",
    "Omar",
    "Camila",
    "Rafael",
    "Elena",
]
LAST_NAMES = [
    "García",
    "Silva",
    "Pereira",
    "Rodríguez",
    "Santos",
    "Okafor",
    "Diallo",
    "López",
    "Costa",
    "Martínez",
    "Ferreira",
    "Mensah",
    "Gómez",
    "Oliveira",
    "Fernández",
    "Nkosi",
]
ORGANISATIONS = [
    "Red de Mujeres Municipalistas",
    "Coletivo Jovem Periferia",
    "Habitat Cooperative Network",
    "Asociación Vecinal Centro",
    "Fórum Popular de Saúde",
    "Disability Rights Alliance",
    "Cooperativa de Cuidados La Colmena",
    "Observatório das Metrópoles",
]


def sentence(rng: random.Random, language: str) -> str:
    w = WORDS[language]
    return (
        f"{rng.choice(w['subjects'])} {rng.choice(w['verbs'])} {rng.choice(w['objects'])} "
        f"{rng.choice(w['complements'])}."
    )


def title(rng: random.Random, language: str) -> str:
    w = WORDS[language]
    return f"{rng.choice(w['title_heads'])} {rng.choice(w['objects'])}"


def body(rng: random.Random, language: str) -> str:
    """Two to seven sentences, sometimes in two paragraphs."""
    sentences = [sentence(rng, language) for _ in range(rng.randint(2, 7))]
    if len(sentences) > 3 and rng.random() < 0.5:
        cut = len(sentences) // 2
        return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])
    return " ".join(sentences)


def excerpt(text: str, limit: int = 280) -> str:
    """What app.lib.markup.plain_text(limit=280) makes of plain text: one line, cut at a word."""
    one_line = " ".join(text.split())
    if len(one_line) <= limit:
        return one_line
    return one_line[: limit - 1].rsplit(" ", 1)[0] + "…"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
