"""The map page: a territory's latest layers recomputed on demand with the reader's filters
(nothing is stored), shown like a panel."""

from dataclasses import dataclass

from sqlmodel import Session

from app.caremap import CareMapResult, Units
from app.models.caremap import (
    CareGroup,
    CareRunUnit,
    CareTerritory,
    MapResultPublic,
    RunParams,
    UnitResultPublic,
)
from app.services.caremap.panels import Totals, levels_of, totals_of, units_at
from app.services.caremap.runs import Inputs, compute_on, load_inputs, result_rows


@dataclass
class MapData:
    territory: CareTerritory
    inputs: Inputs
    care_group: CareGroup
    params: RunParams
    result: CareMapResult
    compute_ms: int
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
) -> MapData:
    inputs = load_inputs(db, territory)
    result, ms = compute_on(inputs, params, care_group=care_group)
    levels = levels_of(inputs.units)
    chosen = level if level in levels else levels[0]
    rows = [r for r in result_rows(result) if r.care_group == care_group and r.level == chosen]
    return MapData(
        territory=territory,
        inputs=inputs,
        care_group=care_group,
        params=params,
        result=result,
        compute_ms=ms,
        level=chosen,
        levels=levels,
        units=units_at(inputs.units, chosen),
        rows=rows,
        totals=totals_of(rows),
    )


def map_public(data: MapData) -> MapResultPublic:
    assert data.territory.id is not None
    return MapResultPublic(
        territory_id=data.territory.id,
        care_group=data.care_group,
        params=data.params.stored(),
        params_hash=data.result.params_hash,
        compute_ms=data.compute_ms,
        units=[UnitResultPublic.model_validate(r) for r in data.rows],
    )
