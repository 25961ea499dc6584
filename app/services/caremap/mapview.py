"""The map page: a territory's latest layers with the reader's filters, shown like a panel; the
result is cached by its parameters and recomputed within bounds (see mapcache.py)."""

from dataclasses import dataclass

from sqlmodel import Session

from app.caremap import Units
from app.models.caremap import (
    CareGroup,
    CareRunUnit,
    CareTerritory,
    DatasetKind,
    MapResultPublic,
    RunParams,
    UnitResultPublic,
)
from app.models.users import User
from app.services.caremap.datasets import latest_datasets, parsed_units
from app.services.caremap.mapcache import map_result
from app.services.caremap.panels import Totals, levels_of, totals_of, units_at
from app.services.caremap.runs import Inputs, load_inputs


@dataclass
class MapData:
    territory: CareTerritory
    inputs: Inputs
    care_group: CareGroup
    params: RunParams
    params_hash: str
    compute_ms: int
    n_facilities: int
    cached: bool
    level: str
    levels: list[str]
    units: Units
    rows: list[CareRunUnit]
    totals: Totals


def map_data(
    db: Session,
    territory: CareTerritory,
    *,
    care_group: CareGroup,
    params: RunParams,
    level: str | None = None,
    viewer: User | None,
    ip: str,
) -> MapData:
    inputs = load_inputs(db, territory)
    result = map_result(
        db, territory, inputs, params=params, care_group=care_group, viewer=viewer, ip=ip
    )
    levels = levels_of(inputs.units)
    chosen = level if level in levels else levels[0]
    rows = [r for r in result.rows if r.level == chosen]
    return MapData(
        territory=territory,
        inputs=inputs,
        care_group=care_group,
        params=params,
        params_hash=result.params_hash,
        compute_ms=result.compute_ms,
        n_facilities=result.n_facilities,
        cached=result.cached,
        level=chosen,
        levels=levels,
        units=units_at(inputs.units, chosen),
        rows=rows,
        totals=totals_of(rows),
    )


def territory_units(db: Session, territory_id: int) -> Units | None:
    """The territory's latest units at their finest level (the report form's map), if any."""
    dataset = latest_datasets(db, territory_id).get(DatasetKind.units)
    if dataset is None:
        return None
    units = parsed_units(db, dataset)
    return units_at(units, levels_of(units)[0]) if units.items else None


def map_public(data: MapData) -> MapResultPublic:
    assert data.territory.id is not None
    return MapResultPublic(
        territory_id=data.territory.id,
        care_group=data.care_group,
        params=data.params.stored(),
        params_hash=data.params_hash,
        compute_ms=data.compute_ms,
        units=[UnitResultPublic.model_validate(r) for r in data.rows],
    )
