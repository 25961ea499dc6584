"""The map recomputed with a reader's filters, bounded so that anyone may ask for it.

Anyone (anonymous readers too) may choose the method, the catchment, the care group and the
spheres of the map page and of `GET /api/v1/caremap/territories/{id}/map`. Four things keep that
from being a way to stall the site:

- **Cached by parameters, computed once.** A result is kept in `care_map_cache`, keyed by the
  territory, the three dataset versions read, the stored parameters and the care group; every
  instance and every later reader shares it. Versions never change, so a row is never stale (a
  new upload is a new key). It is written on a connection of its own, outside the request's
  session: a cached result changes nothing a page shows, so it does not invalidate the page
  cache.
- **A bound per request.** Before computing, the point–facility pairs within the catchment are
  estimated from a sample (`caremap.neighbours.estimate_pairs`); above
  `caremap_max_pairs` the request is refused with a message saying so (422).
- **A rate limit** on new computations (refused ones included), per account or per IP, held
  in the database (`services/ratelimit.py`), `caremap_recomputes_per_minute`.
- **Slots of its own.** At most `caremap_compute_slots` computations run at once in a process;
  a request finding them all busy gets a quick 503 with Retry-After, never a wait, so the
  request threads stay free for other pages. The request's transaction ends before computing,
  so no pooled connection is held while the engine runs.
"""

import hashlib
import json
import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.caremap import CARE_GROUPS, SPHERES
from app.caremap.neighbours import estimate_pairs
from app.config import get_settings
from app.db import write_engine
from app.i18n import N_, Message
from app.models.caremap import CareGroup, CareMapCache, CareRunUnit, CareTerritory, RunParams
from app.models.users import User
from app.services import ratelimit
from app.services.caremap.runs import Inputs, compute_on, result_rows
from app.services.errors import InvalidInput, RateLimited

WINDOW_S = 60
BUSY_RETRY_S = 5


class ComputeBusy(RateLimited):
    """Every computation slot is taken: come back in a few seconds."""

    status = 503
    default_message = N_(
        "The map is being computed for other readers just now. Please try again in a few seconds."
    )

    def __init__(self) -> None:
        super().__init__(BUSY_RETRY_S)


@dataclass
class MapResult:
    params_hash: str
    compute_ms: int
    n_facilities: int
    rows: list[CareRunUnit]  # the care group's rows at every level
    cached: bool


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _compute_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, get_settings().caremap_compute_slots))
        return _slots


def cache_key(territory: CareTerritory, inputs: Inputs, params: RunParams, group: CareGroup) -> str:
    parts = {
        "territory": territory.id,
        "datasets": [
            inputs.units_dataset.id,
            inputs.demand_dataset.id,
            inputs.supply_dataset.id,
        ],
        "params": params.stored(),
        "care_group": group.value,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _cached(db: Session, key: str) -> MapResult | None:
    found = db.execute(
        select(CareMapCache).where(col(CareMapCache.key) == key)
    ).scalar_one_or_none()
    if found is None:
        return None
    rows = [CareRunUnit.model_validate(r) for r in found.rows]
    return MapResult(found.params_hash, found.compute_ms, found.n_facilities, rows, cached=True)


def estimated_pairs(inputs: Inputs, params: RunParams, group: CareGroup) -> int:
    """The pairs a computation of the care group would consider, estimated from a sample."""
    g = CARE_GROUPS.index(group.value)
    demand, supply = inputs.demand, inputs.supply
    spheres = np.array([SPHERES.index(s.value) for s in set(params.spheres)], dtype=np.int8)
    keep = (supply.group == g) & np.isin(supply.sphere, spheres)
    mine = demand.group == g
    catchment = float(params.catchment_m.model_dump()[group.value])
    return estimate_pairs(
        demand.lon[mine], demand.lat[mine], supply.lon[keep], supply.lat[keep], catchment
    )


def _writer(db: Session) -> Engine:
    """The session's engine, for a short write transaction of its own (IMMEDIATE on SQLite):
    the map is a GET, whose session only reads."""
    bind = db.get_bind()
    return write_engine(bind if isinstance(bind, Engine) else bind.engine)


def _limit(db: Session, *, viewer: User | None, ip: str) -> None:
    key = f"caremap-map:user:{viewer.id}" if viewer is not None else f"caremap-map:ip:{ip}"
    limit = get_settings().caremap_recomputes_per_minute
    # Counted and compared in one statement, in a transaction of its own committed even when
    # over the limit: simultaneous recomputations cannot all pass a check made before counting.
    with Session(bind=_writer(db)) as counting:
        try:
            ratelimit.take(counting, keys={key: limit}, window_s=WINDOW_S)
        finally:
            counting.commit()


def _store(
    db: Session, key: str, territory: CareTerritory, inputs: Inputs, result: MapResult
) -> None:
    values = {
        "key": key,
        "territory_id": territory.id,
        "units_dataset_id": inputs.units_dataset.id,
        "demand_dataset_id": inputs.demand_dataset.id,
        "supply_dataset_id": inputs.supply_dataset.id,
        "params_hash": result.params_hash,
        "compute_ms": result.compute_ms,
        "n_facilities": result.n_facilities,
        "rows": [r.model_dump(mode="json", exclude={"id"}) for r in result.rows],
    }
    # A connection of its own, not the session: see the module's docstring.
    try:
        with _writer(db).begin() as conn:
            conn.execute(insert(CareMapCache).values(**values))
    except IntegrityError:  # another reader stored the same key meanwhile: theirs stands
        pass


def map_result(
    db: Session,
    territory: CareTerritory,
    inputs: Inputs,
    *,
    params: RunParams,
    care_group: CareGroup,
    viewer: User | None,
    ip: str,
) -> MapResult:
    """The care group's result for these parameters: cached, or computed within the bounds."""
    key = cache_key(territory, inputs, params, care_group)
    found = _cached(db, key)
    if found is not None:
        return found
    _limit(db, viewer=viewer, ip=ip)  # refused ones count too: estimating has a cost
    estimate = estimated_pairs(inputs, params, care_group)
    cap = get_settings().caremap_max_pairs
    if estimate > cap:
        too_many = Message(
            N_(
                "These settings would compare about %(pairs)s demand points and facilities, more "
                "than the %(cap)s a map may recompute. Choose a shorter catchment or fewer "
                "spheres, or ask the secretariat to store a run with them."
            ),
            pairs=f"{estimate:,}",
            cap=f"{cap:,}",
        )
        raise InvalidInput({"catchment_m": [too_many]})
    # The request's transaction ends: no pooled connection is held while the engine runs.
    db.commit()
    slots = _compute_slots()
    if not slots.acquire(blocking=False):
        raise ComputeBusy()
    try:
        result, ms = compute_on(inputs, params, care_group=care_group)
    finally:
        slots.release()
    rows = [r for r in result_rows(result) if r.care_group == care_group]
    computed = MapResult(result.params_hash, ms, int(result.facilities.ids.size), rows, False)
    _store(db, key, territory, inputs, computed)
    return computed
