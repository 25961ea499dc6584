"""Care maps in the platform: territories, versioned care datasets, stored runs, crowd-mapping
and evidence pins. The engine (`app.caremap`) does the arithmetic; this module keeps its inputs
and results as records.

* A dataset is one version of one layer (units, demand, supply) of a territory. Uploading a
  file makes a new version; old versions stay readable. A file is parsed by the engine's loader
  before anything is stored: a bad file is refused whole, with every problem named by file, row
  and field, in the reader's language.
* A run stores its parameters, the dataset versions it read, the engine's hash of both, its date
  and its results (per unit and care group as rows; per point and per facility as compressed
  CSV), so a panel pinned to it shows the same dated result for ever.
* A crowd report (a facility or an unmet need) is verified into a new version of the supply or
  demand layer, its row marked with source ``crowd``; or rejected with a reason.
* Evidence pins embed a run's panel in a session, a contribution or a policy section.
"""

import csv
import gzip
import hashlib
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import numpy as np
from sqlalchemy import delete, event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper
from sqlmodel import Session, col

from app.caremap import (
    CARE_GROUPS,
    SPHERES,
    CareDataError,
    CareIssue,
    CareMapResult,
    CareParamError,
    Demand,
    Supply,
    UnitResult,
    Units,
    compute,
    load_demand,
    load_supply,
    load_units,
    write_facilities_csv,
    write_points_csv,
)
from app.caremap.build import (
    DEMAND_CSV_COLUMNS,
    SUPPLY_CSV_COLUMNS,
    demand_rows,
    subset_demand,
    subset_supply,
    supply_rows,
)
from app.caremap.geometry import assign_points, outside_all
from app.caremap.writers import geojson_from_rows, rows_to_csv, units_csv_text
from app.i18n import N_, format_date, gettext, localized
from app.models.caremap import (
    GROUP_LABELS,
    MAX_FILE_BYTES,
    METRIC_LABELS,
    CareDataset,
    CareDatasetFile,
    CareGroup,
    CareRun,
    CareRunFile,
    CareRunUnit,
    CareTerritory,
    CrowdKind,
    CrowdReject,
    CrowdReport,
    CrowdReportCreate,
    CrowdStatus,
    DatasetKind,
    DatasetMeta,
    DatasetOrigin,
    EvidencePin,
    PinCreate,
    PinMetric,
    PinTargetKind,
    RunCreate,
    RunParams,
    Sphere,
    TerritoryCreate,
)
from app.models.forums import ForumSession
from app.models.types import utcnow
from app.models.users import User
from app.services import audit
from app.services.errors import Conflict, InvalidInput, NotFound
from app.services.pagination import MAX_LIMIT, decode_cursor, page_by_id

# The engine's messages are plain msgids (it imports nothing from the web stack); listing them
# here puts them in the catalogues so that a bad file is explained in the reader's language.
ENGINE_MESSAGES = (
    N_("Missing column %(field)s"),
    N_("Row %(row)s, field %(field)s: a value is required"),
    N_("Row %(row)s, field %(field)s: %(value)s is not a number"),
    N_("Row %(row)s, field %(field)s: %(value)s is outside %(min)s to %(max)s"),
    N_("Row %(row)s, field %(field)s: %(value)s must not be negative"),
    N_("Row %(row)s, field %(field)s: unknown value %(value)s (expected one of %(allowed)s)"),
    N_("Row %(row)s, field %(field)s: duplicate id %(value)s (first on row %(first)s)"),
    N_("Row %(row)s has %(count)s fields but the header has %(expected)s"),
    N_("The file has no header row"),
    N_("The file has no data rows"),
    N_("Column %(field)s appears twice"),
    N_("Not valid JSON: %(error)s"),
    N_("The file is not a GeoJSON FeatureCollection"),
    N_("Row %(row)s, field %(field)s: expected a Point"),
    N_("Row %(row)s, field %(field)s: expected a Polygon or MultiPolygon"),
    N_("Row %(row)s, field %(field)s: a ring needs at least 3 distinct positions"),
    N_("Row %(row)s, field %(field)s: coordinates must be [lon, lat] numbers"),
    N_("Row %(row)s, field %(field)s: no unit has the id %(value)s"),
    N_("Row %(row)s, field %(field)s: no %(kind)s has the id %(value)s"),
    N_("Counts per unit need the territorial units file"),
    N_("Unknown method %(value)s; expected one of %(allowed)s"),
    N_("Unknown cost unit %(value)s"),
    N_("The catchment for %(group)s must be a positive number"),
    N_("The target for %(group)s must be zero or a positive number"),
    N_("Unknown decay %(value)s"),
    N_("Sigma must be a positive number"),
    N_("Gravity beta, scale and minimum distance must be positive"),
    N_("Step decay needs at least one threshold:weight pair"),
    N_("Step thresholds must be strictly increasing"),
    N_("Step weights must be positive"),
    N_("The last step threshold %(value)s is below the catchment of %(group)s"),
    N_("Costs in minutes need a cost table"),
)
_KIND_WORDS = {"unit": N_("unit"), "demand point": N_("demand point"), "facility": N_("facility")}
MAX_SHOWN_ISSUES = 20


def issue_message(issue: CareIssue) -> str:
    """One problem of a file, in the reader's language, starting with the file's name."""
    params: dict[str, object] = dict(issue.all_params())
    kind = params.get("kind")
    if isinstance(kind, str) and kind in _KIND_WORDS:
        params["kind"] = gettext(_KIND_WORDS[kind])
    problem = gettext(issue.msgid, **params)
    return gettext(N_("%(file)s: %(problem)s"), file=issue.file, problem=problem)


def data_error_messages(exc: CareDataError) -> list[str]:
    shown = [issue_message(i) for i in exc.issues[:MAX_SHOWN_ISSUES]]
    hidden = len(exc.issues) - len(shown)
    if hidden > 0 or exc.truncated:
        shown.append(gettext(N_("…and more problems in the same file, not listed here.")))
    return shown


def _title(value: dict[str, str]) -> str:
    return next(iter(value.values()), "")[:200]


# -- territories ------------------------------------------------------------------------------


def all_territories(db: Session) -> Sequence[CareTerritory]:
    return db.execute(select(CareTerritory).order_by(col(CareTerritory.id))).scalars().all()


def list_territories(
    db: Session, *, limit: int, cursor: str | None
) -> tuple[Sequence[CareTerritory], str | None]:
    return page_by_id(db, select(CareTerritory), col(CareTerritory.id), limit=limit, cursor=cursor)


def get_territory(db: Session, territory_id: int) -> CareTerritory:
    found = db.get(CareTerritory, territory_id)
    if found is None:
        raise NotFound()
    return found


def create_territory(db: Session, *, actor: User | None, data: TerritoryCreate) -> CareTerritory:
    territory = CareTerritory(
        **data.model_dump(), created_by_id=actor.id if actor is not None else None
    )
    db.add(territory)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="care_territory",
        object_id=territory.id,
        summary=_title(territory.name),
    )
    db.commit()
    return territory


def find_or_create_territory(
    db: Session, *, territory_id: int | None, name: str | None, actor: User | None = None
) -> CareTerritory:
    """For imports: the territory with this id, or the one with this name in any language,
    else a new one with the name in every language."""
    if territory_id is not None:
        return get_territory(db, territory_id)
    wanted = (name or "").strip()
    for territory in all_territories(db):
        if wanted in territory.name.values():
            return territory
    data = TerritoryCreate.model_validate({"name": dict.fromkeys(("en", "es", "pt"), wanted)})
    return create_territory(db, actor=actor, data=data)


def update_territory(
    db: Session, *, actor: User, territory: CareTerritory, data: TerritoryCreate
) -> CareTerritory:
    territory.name = {str(k): v for k, v in data.name.items()}
    territory.description = {str(k): v for k, v in data.description.items()}
    audit.record(
        db,
        actor=actor,
        action="update",
        object_type="care_territory",
        object_id=territory.id,
        summary=_title(territory.name),
    )
    db.commit()
    return territory


# -- datasets: parsing, with a cache of parsed versions -----------------------------------------

Parsed = Units | Demand | Supply
_CACHE_SIZE = 24
_cache: OrderedDict[tuple[object, ...], Parsed] = OrderedDict()
_cache_lock = threading.Lock()


def _parse(kind: DatasetKind, content: bytes, filename: str, units: Units | None) -> Parsed:
    """The engine's loader for the layer; any unreadable file becomes a CareDataError."""
    try:
        if kind == DatasetKind.units:
            return load_units(content, filename=filename)
        if kind == DatasetKind.demand:
            return load_demand(content, filename=filename, units=units)
        return load_supply(content, filename=filename)
    except UnicodeDecodeError:
        msg = N_("The file is not UTF-8 text (save it as CSV UTF-8 or GeoJSON)")
    except RecursionError:
        msg = N_("The file nests its data too deeply to be read")
    raise CareDataError([CareIssue(filename, None, None, msg, {})])


def _cached(key: tuple[object, ...], load: Any) -> Any:
    """Parsed datasets by (id, sha256, ...): versions never change, so instances may each keep
    their own copy without ever disagreeing."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = load()
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def dataset_content(db: Session, dataset: CareDataset) -> bytes:
    row = db.get(CareDatasetFile, dataset.id)
    if row is None:  # pragma: no cover - the file is written with its dataset
        raise NotFound()
    return bytes(row.content)


def parsed_units(db: Session, dataset: CareDataset) -> Units:
    key = ("units", dataset.id, dataset.sha256)
    result = _cached(
        key,
        lambda: _parse(DatasetKind.units, dataset_content(db, dataset), dataset.filename, None),
    )
    assert isinstance(result, Units)
    return result


def parsed_layer(
    db: Session, dataset: CareDataset, units_dataset: CareDataset | None
) -> Demand | Supply:
    units = parsed_units(db, units_dataset) if units_dataset is not None else None
    key = (
        str(dataset.kind),
        dataset.id,
        dataset.sha256,
        units_dataset.id if units_dataset else 0,
        units_dataset.sha256 if units_dataset else "",
    )
    result = _cached(
        key, lambda: _parse(dataset.kind, dataset_content(db, dataset), dataset.filename, units)
    )
    assert isinstance(result, Demand | Supply)
    return result


# -- datasets: records --------------------------------------------------------------------------


def get_dataset(db: Session, dataset_id: int) -> CareDataset:
    found = db.get(CareDataset, dataset_id)
    if found is None:
        raise NotFound()
    return found


def datasets_of(
    db: Session, territory_id: int, kind: DatasetKind | None = None
) -> Sequence[CareDataset]:
    """Every version, newest first within each layer."""
    stmt = select(CareDataset).where(col(CareDataset.territory_id) == territory_id)
    if kind is not None:
        stmt = stmt.where(col(CareDataset.kind) == kind)
    stmt = stmt.order_by(col(CareDataset.kind), col(CareDataset.version).desc())
    return db.execute(stmt).scalars().all()


def latest_datasets(db: Session, territory_id: int) -> dict[DatasetKind, CareDataset]:
    latest: dict[DatasetKind, CareDataset] = {}
    for ds in datasets_of(db, territory_id):
        latest.setdefault(ds.kind, ds)
    return latest


def _clean_filename(filename: str | None, kind: DatasetKind, content: bytes) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:200]
    if not name:
        is_json = kind == DatasetKind.units or content.lstrip()[:1] == b"{"
        name = f"{kind.value}.geojson" if is_json else f"{kind.value}.csv"
    return name


@dataclass
class IncomingFile:
    meta: DatasetMeta
    filename: str | None
    content: bytes


def _check_size(content: bytes, error_field: str) -> None:
    if not content.strip():
        raise InvalidInput({error_field: [gettext(N_("The file is empty."))]})
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput(
            {
                error_field: [
                    gettext(
                        N_("The file is larger than %(megabytes)s MB."),
                        megabytes=MAX_FILE_BYTES // (1024 * 1024),
                    )
                ]
            }
        )


def _next_version(db: Session, territory_id: int, kind: DatasetKind) -> int:
    last = db.execute(
        select(func.max(col(CareDataset.version))).where(
            col(CareDataset.territory_id) == territory_id, col(CareDataset.kind) == kind
        )
    ).scalar()
    return int(last or 0) + 1


def _store_dataset(
    db: Session,
    *,
    actor: User | None,
    territory: CareTerritory,
    meta: DatasetMeta,
    filename: str,
    content: bytes,
    rows: int,
    origin: DatasetOrigin,
) -> CareDataset:
    assert territory.id is not None
    dataset = CareDataset(
        territory_id=territory.id,
        kind=meta.kind,
        version=_next_version(db, territory.id, meta.kind),
        filename=filename,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=rows,
        source=meta.source.strip(),
        year=meta.year,
        licence=meta.licence.strip(),
        note=(meta.note or "").strip() or None,
        origin=origin,
        created_by_id=actor.id if actor is not None else None,
    )
    db.add(dataset)
    db.flush()
    assert dataset.id is not None
    db.add(CareDatasetFile(dataset_id=dataset.id, content=content))
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="care_dataset",
        object_id=dataset.id,
        summary=f"{_title(territory.name)}: {dataset.kind!s} v{dataset.version} {filename}",
    )
    return dataset


def import_files(
    db: Session,
    *,
    actor: User | None,
    territory: CareTerritory,
    files: Sequence[IncomingFile],
    origin: DatasetOrigin = DatasetOrigin.upload,
    error_field: str = "file",
) -> list[CareDataset]:
    """Checks every file, then stores them all as new versions in one transaction, or none.

    Demand given as counts per unit is placed with the units file among ``files``, else the
    territory's latest units. Problems go in an InvalidInput under ``error_field``.
    """
    assert territory.id is not None
    latest = latest_datasets(db, territory.id)
    ordered = sorted(files, key=lambda f: list(DatasetKind).index(f.meta.kind))
    units: Units | None = None
    if DatasetKind.units in latest:
        units = parsed_units(db, latest[DatasetKind.units])
    checked: list[tuple[IncomingFile, str, int]] = []
    messages: list[str] = []
    for incoming in ordered:
        _check_size(incoming.content, error_field)
        name = _clean_filename(incoming.filename, incoming.meta.kind, incoming.content)
        try:
            parsed = _parse(incoming.meta.kind, incoming.content, name, units)
        except CareDataError as exc:
            messages.extend(data_error_messages(exc))
            continue
        if isinstance(parsed, Units):
            units = parsed
        checked.append((incoming, name, len(parsed)))
    if messages:
        raise InvalidInput({error_field: messages})
    stored = [
        _store_dataset(
            db,
            actor=actor,
            territory=territory,
            meta=incoming.meta,
            filename=name,
            content=incoming.content,
            rows=rows,
            origin=origin,
        )
        for incoming, name, rows in checked
    ]
    db.commit()
    return stored


def add_dataset(
    db: Session,
    *,
    actor: User | None,
    territory: CareTerritory,
    meta: DatasetMeta,
    filename: str | None,
    content: bytes,
    origin: DatasetOrigin = DatasetOrigin.upload,
    error_field: str = "file",
) -> CareDataset:
    """One uploaded file as the layer's next version (see :func:`import_files`)."""
    return import_files(
        db,
        actor=actor,
        territory=territory,
        files=[IncomingFile(meta, filename, content)],
        origin=origin,
        error_field=error_field,
    )[0]


# -- computing --------------------------------------------------------------------------------


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
    if wanted is None:
        if kind not in latest:
            raise InvalidInput(
                {
                    field: [
                        gettext(
                            N_("This territory has no %(layer)s file yet."),
                            layer=gettext(LAYER_NAMES[kind]),
                        )
                    ]
                }
            )
        return latest[kind]
    found = db.get(CareDataset, wanted)
    if found is None or found.territory_id != territory_id or found.kind != kind:
        raise InvalidInput(
            {
                field: [
                    gettext(
                        N_("Choose a %(layer)s file of this territory."),
                        layer=gettext(LAYER_NAMES[kind]),
                    )
                ]
            }
        )
    return found


LAYER_NAMES = {
    DatasetKind.units: N_("territorial units"),
    DatasetKind.demand: N_("demand"),
    DatasetKind.supply: N_("supply"),
}


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
        raise InvalidInput({"__all__": [exc.message(gettext)]}) from None
    return result, round((time.perf_counter() - started) * 1000)


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _gz_csv(write: Any, result: CareMapResult) -> bytes:
    buf = io.StringIO()
    write(result, buf)
    return gzip.compress(buf.getvalue().encode("utf-8"), compresslevel=6, mtime=0)


# -- runs -------------------------------------------------------------------------------------


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
            points_csv_gz=_gz_csv(write_points_csv, result),
            facilities_csv_gz=_gz_csv(write_facilities_csv, result),
        )
    )
    audit.record(
        db,
        actor=actor,
        action="create",
        object_type="care_run",
        object_id=run.id,
        summary=f"{_title(territory.name)}: {data.method.value} {result.params_hash[:12]}",
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
    return units_csv_text(_as_result(r, run.params_hash) for r in rows)


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


# -- panels -----------------------------------------------------------------------------------


@dataclass
class Totals:
    persons: float
    capacity_located: float
    accessible_places: float
    gap_places: float
    access_per_1000: float | None
    target_per_1000: float | None
    share_no_access: float | None


def totals_of(rows: Sequence[CareRunUnit]) -> Totals:
    persons = sum(r.persons for r in rows)
    places = sum(r.accessible_places for r in rows)
    no_access = sum((r.share_no_access or 0.0) * r.persons for r in rows)
    return Totals(
        persons=persons,
        capacity_located=sum(r.capacity_located for r in rows),
        accessible_places=places,
        gap_places=sum(r.gap_places for r in rows),
        access_per_1000=1000.0 * places / persons if persons > 0 else None,
        target_per_1000=rows[0].target_per_1000 if rows else None,
        share_no_access=no_access / persons if persons > 0 else None,
    )


def levels_of(units: Units) -> list[str]:
    """Unit levels, finest first (the level of the units that have no sub-units)."""
    parents = {u.parent_id for u in units.items if u.parent_id}
    counts: dict[str, int] = {}
    leaf: dict[str, int] = {}
    for u in units.items:
        counts[u.level] = counts.get(u.level, 0) + 1
        if u.unit_id not in parents:
            leaf[u.level] = leaf.get(u.level, 0) + 1
    return sorted(counts, key=lambda lvl: (-leaf.get(lvl, 0), -counts[lvl], lvl))


def units_at(units: Units, level: str) -> Units:
    return Units(tuple(u for u in units.items if u.level == level), units.source)


@dataclass
class PanelData:
    run: CareRun
    territory: CareTerritory
    care_group: CareGroup
    metric: PinMetric
    level: str
    levels: list[str]
    units: Units  # the units of the level, for the map
    rows: list[CareRunUnit]  # of the level and group, largest gap first
    totals: Totals
    datasets: list[CareDataset]  # units, demand, supply


def panel_data(
    db: Session,
    run_id: int,
    *,
    care_group: CareGroup,
    metric: PinMetric,
    level: str | None = None,
) -> PanelData:
    run = get_run(db, run_id)
    territory = get_territory(db, run.territory_id)
    datasets = [
        get_dataset(db, i)
        for i in (run.units_dataset_id, run.demand_dataset_id, run.supply_dataset_id)
    ]
    all_units = parsed_units(db, datasets[0])
    levels = levels_of(all_units)
    chosen = level if level in levels else levels[0]
    rows = run_units(db, run, care_group=care_group, level=chosen)
    return PanelData(
        run=run,
        territory=territory,
        care_group=care_group,
        metric=metric,
        level=chosen,
        levels=levels,
        units=units_at(all_units, chosen),
        rows=rows,
        totals=totals_of(rows),
        datasets=datasets,
    )


# -- the map page: recomputed on demand -------------------------------------------------------


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


# -- crowd-mapping ----------------------------------------------------------------------------


def propose(
    db: Session, *, actor: User, territory: CareTerritory, data: CrowdReportCreate
) -> CrowdReport:
    """A participant's report of a facility or an unmet need, pending verification."""
    assert territory.id is not None
    latest = latest_datasets(db, territory.id)
    if DatasetKind.units in latest:
        units = parsed_units(db, latest[DatasetKind.units])
        members = assign_points(
            units.items, np.array([data.lon], dtype=np.float64), np.array([data.lat])
        )
        if outside_all(members, 1)[0]:
            raise InvalidInput(
                {"__all__": [gettext(N_("This location is outside the territory's units."))]}
            )
    values = data.model_dump()
    if data.kind == CrowdKind.need:
        values.update(sphere=None, capacity=None)
    else:
        values.update(persons=None)
    for key in ("name", "note"):
        values[key] = (values.get(key) or "").strip() or None
    report = CrowdReport(territory_id=territory.id, created_by_id=actor.id, **values)
    db.add(report)
    db.commit()
    return report


def get_report(db: Session, report_id: int) -> CrowdReport:
    found = db.get(CrowdReport, report_id)
    if found is None:
        raise NotFound()
    return found


def reports_of(
    db: Session,
    territory_id: int,
    *,
    viewer: User,
    staff: bool,
    status: CrowdStatus | None = None,
    limit: int = 100,
) -> Sequence[CrowdReport]:
    """Staff see every report; a participant sees their own."""
    stmt = select(CrowdReport).where(col(CrowdReport.territory_id) == territory_id)
    if not staff:
        stmt = stmt.where(col(CrowdReport.created_by_id) == viewer.id)
    if status is not None:
        stmt = stmt.where(col(CrowdReport.status) == status)
    stmt = stmt.order_by(col(CrowdReport.id).desc()).limit(limit)
    return db.execute(stmt).scalars().all()


def _unique_id(existing: set[str], wanted: str) -> str:
    candidate, n = wanted, 1
    while candidate in existing:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _not_pending(report: CrowdReport) -> None:
    if report.status != CrowdStatus.pending:
        raise Conflict(N_("This report has already been reviewed."))


def verify(db: Session, *, actor: User, report: CrowdReport) -> CareDataset:
    """Adds the report to a new version of the supply (facility) or demand (need) layer."""
    _not_pending(report)
    territory = get_territory(db, report.territory_id)
    assert territory.id is not None
    assert report.id is not None
    latest = latest_datasets(db, territory.id)
    kind = DatasetKind.supply if report.kind == CrowdKind.facility else DatasetKind.demand
    previous = latest.get(kind)
    rows: list[dict[str, object]] = []
    if previous is not None:
        layer = parsed_layer(
            db, previous, latest.get(DatasetKind.units) if kind == DatasetKind.demand else None
        )
        rows = supply_rows(layer) if isinstance(layer, Supply) else demand_rows(layer)
    new_id = _unique_id({str(r["id"]) for r in rows}, f"crowd-{report.id}")
    if kind == DatasetKind.supply:
        rows.append(
            {
                "id": new_id,
                "lon": repr(report.lon),
                "lat": repr(report.lat),
                "care_group": str(report.care_group),
                "sphere": str(report.sphere or Sphere.community),
                "capacity": None if report.capacity is None else repr(report.capacity),
                "name": report.name or "",
                "services": "",
                "opening_hours": "",
                "source": "crowd",
            }
        )
        text = rows_to_csv(rows, SUPPLY_CSV_COLUMNS)
    else:
        rows.append(
            {
                "id": new_id,
                "lon": repr(report.lon),
                "lat": repr(report.lat),
                "care_group": str(report.care_group),
                "persons": repr(report.persons or 1.0),
            }
        )
        text = rows_to_csv(rows, DEMAND_CSV_COLUMNS)
    meta = DatasetMeta(
        kind=kind,
        source=previous.source if previous else "crowd",
        year=previous.year if previous else None,
        licence=previous.licence if previous else "crowd",
        note=None,
    )
    content = text.encode("utf-8")
    name = f"{kind.value}-crowd-{report.id}.csv"
    try:
        parsed = _parse(kind, content, name, None)
    except CareDataError as exc:  # pragma: no cover - rows come from a loaded layer
        raise InvalidInput({"__all__": data_error_messages(exc)}) from None
    dataset = _store_dataset(
        db,
        actor=actor,
        territory=territory,
        meta=meta,
        filename=name,
        content=content,
        rows=len(parsed),
        origin=DatasetOrigin.crowd,
    )
    report.status = CrowdStatus.verified
    report.reviewed_by_id = actor.id
    report.reviewed_at = utcnow()
    report.dataset_id = dataset.id
    audit.record(
        db,
        actor=actor,
        action="verify",
        object_type="care_crowd_report",
        object_id=report.id,
        summary=f"{kind.value} v{dataset.version}",
    )
    db.commit()
    return dataset


def reject(db: Session, *, actor: User, report: CrowdReport, data: CrowdReject) -> CrowdReport:
    _not_pending(report)
    report.status = CrowdStatus.rejected
    report.reason = data.reason.strip()
    report.reviewed_by_id = actor.id
    report.reviewed_at = utcnow()
    audit.record(
        db,
        actor=actor,
        action="reject",
        object_type="care_crowd_report",
        object_id=report.id,
        summary=report.reason,
    )
    db.commit()
    return report


# -- evidence pins ----------------------------------------------------------------------------


def panel_url(run_id: int, care_group: str, metric: str) -> str:
    return f"/caremap/runs/{run_id}/panel?care_group={care_group}&metric={metric}"


@dataclass
class PinView:
    pin: EvidencePin
    run: CareRun
    territory: CareTerritory

    @property
    def panel_url(self) -> str:
        return panel_url(self.run.id or 0, str(self.pin.care_group), str(self.pin.metric))

    def title(self) -> str:
        """What the plain link says, in the reader's language."""
        return gettext(
            N_("%(metric)s — %(group)s, %(territory)s (run %(run)s of %(date)s)"),
            metric=gettext(METRIC_LABELS[self.pin.metric]),
            group=gettext(GROUP_LABELS[self.pin.care_group]),
            territory=localized(self.territory.name)[0],
            run=self.run.id,
            date=format_date(self.run.created_at, "medium"),
        )


class PinList(list[PinView]):
    """The pins of one page object; it knows its target, so the partial can offer to add one."""

    def __init__(self, kind: PinTargetKind, target_id: int, items: Sequence[PinView]) -> None:
        super().__init__(items)
        self.kind = kind
        self.target_id = target_id


def pins_for(db: Session, *, kind: PinTargetKind | str, target_id: int) -> PinList:
    """The evidence pinned to a session, contribution or section, oldest first."""
    target = PinTargetKind(kind)
    rows = db.execute(
        select(EvidencePin, CareRun, CareTerritory)
        .join(CareRun, col(CareRun.id) == col(EvidencePin.run_id))
        .join(CareTerritory, col(CareTerritory.id) == col(CareRun.territory_id))
        .where(col(EvidencePin.target_kind) == target, col(EvidencePin.target_id) == target_id)
        .order_by(col(EvidencePin.id))
    ).all()
    return PinList(target, target_id, [PinView(p, r, t) for p, r, t in rows])


def pins_of_run(db: Session, run_id: int) -> Sequence[EvidencePin]:
    return (
        db.execute(
            select(EvidencePin)
            .where(col(EvidencePin.run_id) == run_id)
            .order_by(col(EvidencePin.id))
        )
        .scalars()
        .all()
    )


def list_pins(
    db: Session,
    *,
    target_kind: PinTargetKind | None,
    target_id: int | None,
    run_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[Sequence[EvidencePin], str | None]:
    stmt = select(EvidencePin)
    if target_kind is not None:
        stmt = stmt.where(col(EvidencePin.target_kind) == target_kind)
    if target_id is not None:
        stmt = stmt.where(col(EvidencePin.target_id) == target_id)
    if run_id is not None:
        stmt = stmt.where(col(EvidencePin.run_id) == run_id)
    return page_by_id(db, stmt, col(EvidencePin.id), limit=limit, cursor=cursor)


def get_pin(db: Session, pin_id: int) -> EvidencePin:
    found = db.get(EvidencePin, pin_id)
    if found is None:
        raise NotFound()
    return found


def create_pin(db: Session, *, actor: User, data: PinCreate) -> EvidencePin:
    """Sessions must exist. Contributions and policy sections are other domains still being
    built: any positive id is accepted for them until they can be checked here."""
    if db.get(CareRun, data.run_id) is None:
        raise InvalidInput({"run_id": [gettext(N_("Choose a stored run."))]})
    if data.target_kind == PinTargetKind.session and db.get(ForumSession, data.target_id) is None:
        raise InvalidInput({"target_id": [gettext(N_("Choose an existing session."))]})
    taken = db.execute(
        select(col(EvidencePin.id)).where(
            col(EvidencePin.run_id) == data.run_id,
            col(EvidencePin.care_group) == data.care_group,
            col(EvidencePin.metric) == data.metric,
            col(EvidencePin.target_kind) == data.target_kind,
            col(EvidencePin.target_id) == data.target_id,
        )
    ).first()
    if taken:
        raise Conflict(N_("This panel is already pinned there."))
    pin = EvidencePin(**data.model_dump(), created_by_id=actor.id)
    db.add(pin)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="pin",
        object_type="evidence_pin",
        object_id=pin.id,
        summary=f"run {data.run_id} → {data.target_kind.value} {data.target_id}",
    )
    db.commit()
    return pin


def delete_pin(db: Session, *, actor: User, pin: EvidencePin) -> None:
    audit.delete(
        db,
        actor=actor,
        obj=pin,
        object_type="evidence_pin",
        summary=f"run {pin.run_id} → {pin.target_kind!s} {pin.target_id}",
    )


def delete_pins_for(db: Session, *, kind: PinTargetKind | str, target_id: int) -> int:
    """Removes the pins of a target that is being deleted (in the caller's transaction)."""
    result = db.execute(
        delete(EvidencePin).where(
            col(EvidencePin.target_kind) == PinTargetKind(kind),
            col(EvidencePin.target_id) == target_id,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def pin_choices(db: Session, *, limit: int = 200) -> list[tuple[CareRun, CareTerritory]]:
    """Stored runs, newest first, for the pin form."""
    rows = db.execute(
        select(CareRun, CareTerritory)
        .join(CareTerritory, col(CareTerritory.id) == col(CareRun.territory_id))
        .order_by(col(CareRun.id).desc())
        .limit(limit)
    ).all()
    return [(r, t) for r, t in rows]


def session_choices(db: Session, *, limit: int = 500) -> Sequence[ForumSession]:
    return (
        db.execute(
            select(ForumSession)
            .order_by(col(ForumSession.starts_at).desc(), col(ForumSession.id))
            .limit(limit)
        )
        .scalars()
        .all()
    )


@event.listens_for(ForumSession, "after_delete")
def _unpin_deleted_session(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """A deleted session takes its pins with it (pins have no foreign key: targets vary)."""
    connection.execute(
        delete(EvidencePin).where(
            col(EvidencePin.target_kind) == PinTargetKind.session,
            col(EvidencePin.target_id) == target.id,
        )
    )
