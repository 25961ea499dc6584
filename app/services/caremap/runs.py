"""Engine runs: the inputs of a territory (each layer's chosen or latest version, parsed), the
engine on them, and stored runs. A stored run keeps its parameters, the dataset versions it read,
the engine's hash of both, its date and its results (per unit and care group as rows; per point
and per facility as compressed CSV), so that a panel pinned to it shows the same dated result for
ever."""

import csv
import gzip
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlmodel import Session, col

from app.caremap import (
    CARE_GROUPS,
    SPHERES,
    CareDataError,
    CareMapResult,
    CareParamError,
    Demand,
    Supply,
    UnitResult,
    Units,
    compute,
)
from app.caremap.build import subset_demand, subset_supply
from app.caremap.writers import FACILITY_COLUMNS, POINT_COLUMNS, UNIT_COLUMNS, geojson_from_rows
from app.i18n import N_, Message, format_date, localized
from app.lib.csvout import csv_text
from app.models.caremap import (
    LAYER_NAMES,
    CareDataset,
    CareGroup,
    CareRun,
    CareRunFile,
    CareRunUnit,
    CareTerritory,
    DatasetKind,
    RunCreate,
    RunParams,
)
from app.models.users import User
from app.services import audit
from app.services.caremap.datasets import (
    get_dataset,
    latest_datasets,
    parsed_layer,
    parsed_units,
)
from app.services.caremap.messages import data_error_messages
from app.services.errors import InvalidInput, NotFound
from app.services.pagination import MAX_LIMIT, decode_cursor, page_by_id

# -- inputs and the engine ----------------------------------------------------------------------


@dataclass
class Inputs:
    units_dataset: CareDataset
    demand_dataset: CareDataset
    supply_dataset: CareDataset
    units: Units
    demand: Demand
    supply: Supply


def _pick(
    db: Session,
    territory_id: int,
    kind: DatasetKind,
    wanted: int | None,
    latest: dict[DatasetKind, CareDataset],
) -> CareDataset:
    field = f"{kind.value}_dataset_id"
    layer = Message(LAYER_NAMES[kind])
    if wanted is None:
        if kind not in latest:
            missing = Message(N_("This territory has no %(layer)s file yet."), layer=layer)
            raise InvalidInput({field: [missing]})
        return latest[kind]
    found = db.get(CareDataset, wanted)
    if found is None or found.territory_id != territory_id or found.kind != kind:
        other = Message(N_("Choose a %(layer)s file of this territory."), layer=layer)
        raise InvalidInput({field: [other]})
    return found


def load_inputs(
    db: Session,
    territory: CareTerritory,
    *,
    units_id: int | None = None,
    demand_id: int | None = None,
    supply_id: int | None = None,
) -> Inputs:
    assert territory.id is not None
    latest = latest_datasets(db, territory.id)
    u = _pick(db, territory.id, DatasetKind.units, units_id, latest)
    d = _pick(db, territory.id, DatasetKind.demand, demand_id, latest)
    s = _pick(db, territory.id, DatasetKind.supply, supply_id, latest)
    try:
        units = parsed_units(db, u)
        demand = parsed_layer(db, d, u)
        supply = parsed_layer(db, s, None)
    except CareDataError as exc:
        # Counts per unit read against another units version may name units it lacks.
        raise InvalidInput({"demand_dataset_id": data_error_messages(exc)}) from None
    assert isinstance(demand, Demand)
    assert isinstance(supply, Supply)
    return Inputs(u, d, s, units, demand, supply)


def compute_on(
    inputs: Inputs, params: RunParams, *, care_group: CareGroup | None = None
) -> tuple[CareMapResult, int]:
    """The engine on the inputs, keeping only the chosen spheres (and care group); ms taken."""
    started = time.perf_counter()
    demand, supply = inputs.demand, inputs.supply
    spheres = np.array([SPHERES.index(s.value) for s in set(params.spheres)], dtype=np.int8)
    keep_supply = np.isin(supply.sphere, spheres)
    if care_group is not None:
        g = CARE_GROUPS.index(care_group.value)
        keep_supply &= supply.group == g
        demand = subset_demand(demand, demand.group == g)
    if not keep_supply.all():
        supply = subset_supply(supply, keep_supply)
    try:
        result = compute(demand, supply, params.engine_params(), units=inputs.units, workers=1)
    except CareParamError as exc:  # pragma: no cover - RunParams validated them already
        raise InvalidInput({"__all__": [Message(exc.msgid, **exc.params)]}) from None
    return result, round((time.perf_counter() - started) * 1000)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


# The result files a run hands out are written by the one CSV writer (app/lib/csvout.py), so
# that an id from an uploaded file cannot be a formula; the engine's own byte-exact writers are
# for its command line.


def _cells(values: Any) -> list[object]:
    """A column as cells: finite floats as numbers, NaN and infinity blank."""
    array = np.asarray(values, dtype=np.float64)
    cells: list[object] = array.tolist()
    for k in np.flatnonzero(~np.isfinite(array)):
        cells[k] = None
    return cells


def _gz(columns: Sequence[str], table: Sequence[Sequence[object]]) -> bytes:
    rows = (dict(zip(columns, values, strict=True)) for values in zip(*table, strict=True))
    text = csv_text(columns, rows, bom=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def _flags(values: Any) -> list[str]:
    return ["true" if v else "false" for v in np.asarray(values).tolist()]


def points_csv_gz(result: CareMapResult) -> bytes:
    p = result.points
    groups = [CARE_GROUPS[g] for g in np.asarray(p.group).tolist()]
    reach = np.asarray(p.n_in_reach).tolist()
    table = [p.ids.tolist(), groups, _cells(p.access), _cells(p.nearest_m), reach]
    return _gz(POINT_COLUMNS, [*table, _flags(p.no_supply)])


def facilities_csv_gz(result: CareMapResult) -> bytes:
    f = result.facilities
    groups = [CARE_GROUPS[g] for g in np.asarray(f.group).tolist()]
    table = [f.ids.tolist(), groups, _cells(f.capacity), _cells(f.ratio)]
    return _gz(FACILITY_COLUMNS, [*table, _cells(f.catchment_demand), _flags(f.unreached)])


# -- stored runs -----------------------------------------------------------------------------------


def create_run(
    db: Session, *, actor: User | None, territory: CareTerritory, data: RunCreate
) -> CareRun:
    inputs = load_inputs(
        db,
        territory,
        units_id=data.units_dataset_id,
        demand_id=data.demand_dataset_id,
        supply_id=data.supply_dataset_id,
    )
    result, ms = compute_on(inputs, data)
    assert territory.id is not None
    assert inputs.units_dataset.id is not None
    assert inputs.demand_dataset.id is not None
    assert inputs.supply_dataset.id is not None
    run = CareRun(
        territory_id=territory.id,
        units_dataset_id=inputs.units_dataset.id,
        demand_dataset_id=inputs.demand_dataset.id,
        supply_dataset_id=inputs.supply_dataset.id,
        params=data.stored(),
        params_hash=result.params_hash,
        n_demand=len(inputs.demand),
        n_supply=int(result.facilities.ids.size),
        n_pairs=result.n_pairs,
        outside_demand=len(result.outside_demand_ids),
        outside_persons=result.outside_persons,
        compute_ms=ms,
        created_by_id=actor.id if actor is not None else None,
    )
    db.add(run)
    db.flush()
    assert run.id is not None
    db.add_all(_unit_rows(run.id, result.units))
    db.add(
        CareRunFile(
            run_id=run.id,
            points_csv_gz=points_csv_gz(result),
            facilities_csv_gz=facilities_csv_gz(result),
        )
    )
    place = audit.first_text(territory.name)
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="care_run",
        object_id=run.id,
        summary=f"{place}: {data.method.value} {result.params_hash[:12]}",
    )
    db.commit()
    return run


def _unit_rows(run_id: int, units: Sequence[UnitResult]) -> list[CareRunUnit]:
    return [
        CareRunUnit(
            run_id=run_id,
            unit_id=r.unit_id[:200],
            name=r.name[:300],
            level=r.level[:100],
            care_group=CareGroup(r.care_group),
            persons=r.persons,
            capacity_located=r.capacity_located,
            accessible_places=r.accessible_places,
            coverage=_finite(r.coverage),
            access_per_1000=_finite(r.access_per_1000),
            target_per_1000=r.target_per_1000,
            gap_places=r.gap_places,
            share_no_access=_finite(r.share_no_access),
            nearest_median_m=_finite(r.nearest_median_m),
            nearest_p90_m=_finite(r.nearest_p90_m),
            imputed_share=r.imputed_share,
            capacity_by_sphere=dict(r.capacity_by_sphere),
            n_points=r.n_points,
            n_facilities=r.n_facilities,
            rank=r.rank,
        )
        for r in units
    ]


def result_rows(result: CareMapResult) -> list[CareRunUnit]:
    """A recomputed (unstored) result as the same rows a stored run has."""
    return _unit_rows(0, result.units)


def get_run(db: Session, run_id: int) -> CareRun:
    found = db.get(CareRun, run_id)
    if found is None:
        raise NotFound()
    return found


def list_runs(
    db: Session, *, territory_id: int, limit: int, cursor: str | None
) -> tuple[Sequence[CareRun], str | None]:
    stmt = select(CareRun).where(col(CareRun.territory_id) == territory_id)
    return page_by_id(db, stmt, col(CareRun.id), limit=limit, cursor=cursor, descending=True)


def runs_of(db: Session, territory_id: int, *, limit: int = 50) -> Sequence[CareRun]:
    return (
        db.execute(
            select(CareRun)
            .where(col(CareRun.territory_id) == territory_id)
            .order_by(col(CareRun.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def run_units(
    db: Session, run: CareRun, *, care_group: CareGroup | None = None, level: str | None = None
) -> list[CareRunUnit]:
    """The run's rows, largest gap first (the engine's order)."""
    stmt = select(CareRunUnit).where(col(CareRunUnit.run_id) == run.id)
    if care_group is not None:
        stmt = stmt.where(col(CareRunUnit.care_group) == care_group)
    if level is not None:
        stmt = stmt.where(col(CareRunUnit.level) == level)
    stmt = stmt.order_by(
        col(CareRunUnit.gap_places).desc(),
        col(CareRunUnit.level),
        col(CareRunUnit.care_group),
        col(CareRunUnit.unit_id),
    )
    return list(db.execute(stmt).scalars().all())


def _as_result(row: CareRunUnit, params_hash: str) -> UnitResult:
    def num(value: float | None) -> float:
        return float("nan") if value is None else float(value)

    return UnitResult(
        unit_id=row.unit_id,
        name=row.name,
        level=row.level,
        care_group=str(row.care_group),
        persons=row.persons,
        capacity_located=row.capacity_located,
        accessible_places=row.accessible_places,
        coverage=num(row.coverage),
        access_per_1000=num(row.access_per_1000),
        target_per_1000=row.target_per_1000,
        gap_places=row.gap_places,
        share_no_access=num(row.share_no_access),
        nearest_median_m=num(row.nearest_median_m),
        nearest_p90_m=num(row.nearest_p90_m),
        imputed_share=row.imputed_share,
        capacity_by_sphere=dict(row.capacity_by_sphere),
        n_points=row.n_points,
        n_facilities=row.n_facilities,
        rank=row.rank,
        params_hash=params_hash,
    )


def run_units_csv(db: Session, run: CareRun, *, care_group: CareGroup | None = None) -> str:
    rows = run_units(db, run, care_group=care_group)
    numbers = UNIT_COLUMNS[2:-1]

    def row(r: CareRunUnit) -> dict[str, object]:
        values = _cells([np.nan if getattr(r, n) is None else getattr(r, n) for n in numbers])
        ids = {"unit_id": r.unit_id, "care_group": str(r.care_group)}
        return {**ids, **dict(zip(numbers, values, strict=True)), "params_hash": run.params_hash}

    return csv_text(UNIT_COLUMNS, (row(r) for r in rows), bom=False)


def run_geojson(
    db: Session, run: CareRun, *, care_group: CareGroup | None = None
) -> dict[str, object]:
    units = parsed_units(db, get_dataset(db, run.units_dataset_id))
    rows = [_as_result(r, run.params_hash) for r in run_units(db, run, care_group=care_group)]
    return geojson_from_rows(rows, units, run.params_hash, dict(run.params))


def _run_file(db: Session, run: CareRun) -> CareRunFile:
    found = db.get(CareRunFile, run.id)
    if found is None:  # pragma: no cover - written with the run
        raise NotFound()
    return found


def run_points_csv(db: Session, run: CareRun) -> bytes:
    return gzip.decompress(_run_file(db, run).points_csv_gz)


def run_facilities_csv(db: Session, run: CareRun) -> bytes:
    return gzip.decompress(_run_file(db, run).facilities_csv_gz)


def run_points(
    db: Session, run: CareRun, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, object]], str | None]:
    """A page of the per-point table; the cursor is the offset of the next row."""
    offset = decode_cursor(cursor) or 0
    limit = max(1, min(limit, MAX_LIMIT))
    lines = run_points_csv(db, run).decode("utf-8").splitlines()[1:]
    page = lines[offset : offset + limit]
    items: list[dict[str, object]] = []
    for line in page:
        ident, group, access, nearest, reach, flag = _split_point_line(line)
        items.append(
            {
                "id": ident,
                "care_group": group,
                "access": float(access) if access else 0.0,
                "nearest_m": float(nearest) if nearest else None,
                "n_in_reach": int(reach),
                "no_supply": flag == "true",
            }
        )
    more = offset + limit < len(lines)
    return items, (str(offset + limit) if more else None)


def _split_point_line(line: str) -> list[str]:
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]))


def run_datasets(db: Session, run: CareRun) -> list[CareDataset]:
    """The versions a run read: units, demand, supply."""
    ids = (run.units_dataset_id, run.demand_dataset_id, run.supply_dataset_id)
    return [get_dataset(db, i) for i in ids]


def run_choices(db: Session, *, limit: int = 200) -> list[tuple[str, str]]:
    """Stored runs, newest first, as options of the pin form (labels are message ids)."""
    rows = db.execute(
        select(CareRun, CareTerritory)
        .join(CareTerritory, col(CareTerritory.id) == col(CareRun.territory_id))
        .order_by(col(CareRun.id).desc())
        .limit(limit)
    ).all()
    return [
        (
            str(run.id),
            Message(
                N_("Run %(id)s — %(territory)s — %(date)s"),
                id=run.id,
                territory=localized(territory.name)[0],
                date=format_date(run.created_at, "medium"),
            ),
        )
        for run, territory in rows
    ]
