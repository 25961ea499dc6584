"""A stable SHA-256 of the parameters and every input that shapes the results.

Arrays are hashed as explicit little-endian bytes and strings as UTF-8 joined by
NUL, in a fixed order, so the hash is the same on every run and platform.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import numpy.typing as npt

from .model import CostTable, Demand, Params, Supply, Units


def _update_strings(h: hashlib._Hash, values: npt.ArrayLike | tuple[str, ...]) -> None:
    items = np.asarray(values, dtype=np.str_).tolist()
    h.update("\0".join(items).encode("utf-8"))
    h.update(b"\1")


def _update_array(h: hashlib._Hash, values: npt.NDArray[np.generic], dtype: str) -> None:
    h.update(np.ascontiguousarray(values, dtype=dtype).tobytes())
    h.update(b"\1")


def params_hash(
    params: Params,
    units: Units | None,
    demand: Demand,
    supply: Supply,
    cost_table: CostTable | None = None,
) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(params.as_dict(), sort_keys=True).encode("utf-8"))
    if units is not None:
        for unit in units.items:
            _update_strings(h, (unit.unit_id, unit.name, unit.level, unit.parent_id or ""))
            for polygon in unit.polygons:
                for ring in polygon:
                    _update_array(h, ring, "<f8")
                h.update(b"\2")
    _update_strings(h, demand.ids)
    _update_array(h, demand.lon, "<f8")
    _update_array(h, demand.lat, "<f8")
    _update_array(h, demand.group, "i1")
    _update_array(h, demand.persons, "<f8")
    _update_strings(h, supply.ids)
    _update_array(h, supply.lon, "<f8")
    _update_array(h, supply.lat, "<f8")
    _update_array(h, supply.group, "i1")
    _update_array(h, supply.sphere, "i1")
    _update_array(h, supply.capacity, "<f8")
    _update_array(h, supply.imputed, "?")
    if cost_table is not None:
        _update_strings(h, cost_table.origin)
        _update_strings(h, cost_table.destination)
        _update_array(h, cost_table.cost, "<f8")
        h.update(cost_table.unit.encode("utf-8"))
    return h.hexdigest()
