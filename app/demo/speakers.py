"""Demo organisations and speakers, as the seed documents name them (names, roles, organisations,
countries); the biographies are in our own words."""

from sqlmodel import Session

from app.models.speakers import (
    Organisation,
    OrganisationCreate,
    OrganisationType,
    Speaker,
    SpeakerCreate,
)
from app.models.users import User
from app.services import speakers as speaker_service

# The secretariat's address stands in for the speakers' own, which the sources do not give.
CONTACT = "secretariat@example.org"

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


def organisations(db: Session, *, actor: User) -> dict[str, Organisation]:
    """Every demo organisation, by name and by acronym; those missing are created."""
    existing = {org.name: org for org in speaker_service.all_organisations(db)}
    out: dict[str, Organisation] = {}
    for name, acronym, kind, country in ORGANISATIONS:
        org = existing.get(name)
        if org is None:
            data = OrganisationCreate(name=name, acronym=acronym, type=kind, country=country)
            org = speaker_service.create_organisation(db, actor=actor, data=data)
        out[name] = org
        if acronym:
            out[acronym] = org
    return out


def load(db: Session, *, actor: User) -> dict[str, Speaker]:
    """Every demo speaker by name (and their organisations); those missing are created."""
    orgs = organisations(db, actor=actor)
    existing = {speaker.name: speaker for speaker in speaker_service.all_speakers(db)}
    out: dict[str, Speaker] = {}
    for name, title, org_key, country, (bio_en, bio_es) in SPEAKERS:
        speaker = existing.get(name)
        if speaker is None:
            org = orgs.get(org_key) if org_key else None
            data = SpeakerCreate(
                name=name,
                title=title,
                organisation_id=org.id if org else None,
                country=country,
                bio={"en": bio_en, "es": bio_es},
                email=CONTACT,
            )
            speaker = speaker_service.create_speaker(db, actor=actor, data=data)
        out[name] = speaker
    return out
