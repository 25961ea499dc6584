"""Input collections from plain Python sequences (for callers holding rows in memory).

Unlike the file loaders these do not validate row by row: they are for values
that have already been validated, such as rows read back from the database.
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
