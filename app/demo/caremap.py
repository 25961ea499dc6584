"""The care-map demo: a SYNTHETIC territory near Montevideo, its three layers and a stored run
pinned to the Caring Cities session, loaded through the care-map services."""

from sqlmodel import Session

from app.caremap.demo import DEMO_NOTICE, demo_files
from app.models.caremap import (
    CareGroup,
    CareTerritory,
    DatasetKind,
    DatasetMeta,
    DatasetOrigin,
    PinCreate,
    PinMetric,
    RunCreate,
    TerritoryCreate,
)
from app.models.users import User
from app.services.caremap import (
    IncomingFile,
    all_territories,
    create_pin,
    create_run,
    create_territory,
    import_files,
    session_choices,
)

DEMO_TERRITORY_NAME = {
    "en": "Montevideo — municipios (synthetic demo)",
    "es": "Montevideo — municipios (demo sintética)",
    "pt": "Montevidéu — municípios (demonstração sintética)",
}
DEMO_DESCRIPTION = {
    "en": DEMO_NOTICE,
    "es": "Datos de demostración: este territorio, su población y sus servicios de cuidado son "
    "SINTÉTICOS, generados al azar cerca de las coordenadas de Montevideo. No son estadísticas "
    "reales.",
    "pt": "Dados de demonstração: este território, sua população e seus serviços de cuidado "
    "são SINTÉTICOS, gerados aleatoriamente perto das coordenadas de Montevidéu. Não são "
    "estatísticas reais.",
}
DEMO_SOURCE = "Town Hall synthetic demo generator (app/caremap/demo.py), seed 7"
DEMO_LICENCE = "CC0-1.0 (synthetic data)"


def load(
    db: Session, *, actor: User | None, session_title_prefix: str = "Caring Cities"
) -> CareTerritory:
    """The synthetic demo territory, its three layers, a stored run pinned to the session whose
    English title starts with ``session_title_prefix``. Idempotent."""
    for territory in all_territories(db):
        if territory.name.get("en") == DEMO_TERRITORY_NAME["en"]:
            return territory
    territory = create_territory(
        db,
        actor=actor,
        data=TerritoryCreate.model_validate(
            {"name": DEMO_TERRITORY_NAME, "description": DEMO_DESCRIPTION}
        ),
    )
    files = demo_files()
    names = {
        DatasetKind.units: "units.geojson",
        DatasetKind.demand: "demand.csv",
        DatasetKind.supply: "supply.csv",
    }
    import_files(
        db,
        actor=actor,
        territory=territory,
        files=[
            IncomingFile(
                DatasetMeta(kind=kind, source=DEMO_SOURCE, licence=DEMO_LICENCE, year=2025),
                name,
                files[name],
            )
            for kind, name in names.items()
        ],
        origin=DatasetOrigin.demo,
    )
    run = create_run(db, actor=actor, territory=territory, data=RunCreate())
    session = next(
        (
            s
            for s in session_choices(db)
            if (s.title.get("en") or "").startswith(session_title_prefix)
        ),
        None,
    )
    if session is not None and actor is not None and run.id is not None and session.id:
        for group, metric in (
            (CareGroup.children_0_5, PinMetric.gap),
            (CareGroup.older_persons, PinMetric.coverage),
        ):
            create_pin(
                db,
                actor=actor,
                data=PinCreate(
                    run_id=run.id,
                    care_group=group,
                    metric=metric,
                    target_kind="session",
                    target_id=session.id,
                ),
            )
    return territory
