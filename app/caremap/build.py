"""Input collections from plain Python sequences (for callers holding rows in memory).

Unlike the file loaders these do not validate row by row: they are for values
that have already been validated, such as rows read back from the database.
Also: subsets of loaded inputs (one care group, some spheres) and their rows in
the canonical CSV columns, so that a new version of a layer can be written from
a loaded one plus a few rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .model import CARE_GROUPS, SOURCES, SPHERES, CostTable, Demand, Supply


def _groups(group: str | Sequence[str], n: int) -> np.ndarray:
    names = [group] * n if isinstance(group, str) else list(group)
    return np.array([CARE_GROUPS.index(g) for g in names], dtype=np.int8)


def demand_from(
    ids: Sequence[str],
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    persons: npt.ArrayLike,
    group: str | Sequence[str],
    *,
    source: str = "",
) -> Demand:
    return Demand(
        np.array(ids, dtype=np.str_),
        np.array(lon, dtype=np.float64),
        np.array(lat, dtype=np.float64),
        _groups(group, len(ids)),
        np.array(persons, dtype=np.float64),
        source,
    )


def supply_from(
    ids: Sequence[str],
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    capacity: npt.ArrayLike,
    group: str | Sequence[str],
    sphere: str | Sequence[str] = "public",
    *,
    imputed: Sequence[bool] | None = None,
    origin: Sequence[str | None] | None = None,
    source: str = "",
) -> Supply:
    n = len(ids)
    spheres = [sphere] * n if isinstance(sphere, str) else list(sphere)
    origins = list(origin) if origin is not None else [None] * n
    return Supply(
        ids=np.array(ids, dtype=np.str_),
        lon=np.array(lon, dtype=np.float64),
        lat=np.array(lat, dtype=np.float64),
        group=_groups(group, n),
        sphere=np.array([SPHERES.index(s) for s in spheres], dtype=np.int8),
        capacity=np.array(capacity, dtype=np.float64),
        imputed=np.array(imputed if imputed is not None else [False] * n, dtype=np.bool_),
        origin=np.array([-1 if o is None else SOURCES.index(o) for o in origins], dtype=np.int8),
        names=("",) * n,
        services=("",) * n,
        opening_hours=("",) * n,
        source=source,
    )


def cost_table_from(
    rows: Sequence[tuple[str, str, float]], unit: str = "m", *, source: str = ""
) -> CostTable:
    return CostTable(
        np.array([r[0] for r in rows], dtype=np.str_),
        np.array([r[1] for r in rows], dtype=np.str_),
        np.array([r[2] for r in rows], dtype=np.float64),
        unit,
        source,
    )


# --- subsets and canonical files (used by the platform's map filters and crowd layers) -----


def subset_demand(demand: Demand, keep: npt.NDArray[np.bool_]) -> Demand:
    """The demand points where ``keep`` is true."""
    return Demand(
        demand.ids[keep],
        demand.lon[keep],
        demand.lat[keep],
        demand.group[keep],
        demand.persons[keep],
        demand.source,
    )


def subset_supply(supply: Supply, keep: npt.NDArray[np.bool_]) -> Supply:
    """The facilities where ``keep`` is true (imputed capacities stay as imputed)."""
    idx = np.flatnonzero(keep).tolist()
    return Supply(
        ids=supply.ids[keep],
        lon=supply.lon[keep],
        lat=supply.lat[keep],
        group=supply.group[keep],
        sphere=supply.sphere[keep],
        capacity=supply.capacity[keep],
        imputed=supply.imputed[keep],
        origin=supply.origin[keep],
        names=tuple(supply.names[k] for k in idx),
        services=tuple(supply.services[k] for k in idx),
        opening_hours=tuple(supply.opening_hours[k] for k in idx),
        source=supply.source,
    )


DEMAND_CSV_COLUMNS = ("id", "lon", "lat", "care_group", "persons")
SUPPLY_CSV_COLUMNS = (
    "id",
    "lon",
    "lat",
    "care_group",
    "sphere",
    "capacity",
    "name",
    "services",
    "opening_hours",
    "source",
)


def demand_rows(demand: Demand) -> list[dict[str, object]]:
    """Demand as point rows (counts per unit come out at the points they were placed at)."""
    return [
        {
            "id": str(demand.ids[k]),
            "lon": repr(float(demand.lon[k])),
            "lat": repr(float(demand.lat[k])),
            "care_group": CARE_GROUPS[int(demand.group[k])],
            "persons": repr(float(demand.persons[k])),
        }
        for k in range(len(demand))
    ]


def supply_rows(supply: Supply) -> list[dict[str, object]]:
    """Facilities as rows; an imputed capacity is written blank again, so it stays imputed."""
    return [
        {
            "id": str(supply.ids[k]),
            "lon": repr(float(supply.lon[k])),
            "lat": repr(float(supply.lat[k])),
            "care_group": CARE_GROUPS[int(supply.group[k])],
            "sphere": SPHERES[int(supply.sphere[k])],
            "capacity": None if supply.imputed[k] else repr(float(supply.capacity[k])),
            "name": supply.names[k],
            "services": supply.services[k],
            "opening_hours": supply.opening_hours[k],
            "source": SOURCES[int(supply.origin[k])] if supply.origin[k] >= 0 else None,
        }
        for k in range(len(supply))
    ]
