"""Constants, input collections, parameters and result containers of the engine.

Inputs and per-point/per-facility results are held column-wise (NumPy arrays)
because they may reach millions of rows; per-unit results are small and kept as
one dataclass per (unit, care group).

Default targets (places per 1,000 persons of the group) are illustrative
planning figures, to be set per policy:

* ``children_0_5``: 330 (the EU "Barcelona" childcare objective of 33 %);
* ``older_persons``: 50 (about the OECD average of long-term-care beds per
  1,000 people aged 65+);
* ``persons_with_disabilities``: 100 (placeholder, no international benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
CodeArray = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

CARE_GROUPS: Final = ("children_0_5", "older_persons", "persons_with_disabilities")
SPHERES: Final = ("public", "private", "community", "family")
SOURCES: Final = ("admin", "census", "survey", "crowd")
METHODS: Final = ("2sfca", "e2sfca", "3sfca", "gravity")
DECAYS: Final = ("gaussian", "steps")
COST_UNITS: Final = ("m", "min")

EARTH_RADIUS_M: Final = 6371008.8
DEFAULT_CATCHMENT_M: Final = 1000.0
DEFAULT_TARGETS_PER_1000: Final = {
    "children_0_5": 330.0,
    "older_persons": 50.0,
    "persons_with_disabilities": 100.0,
}

Ring = FloatArray  # (n, 2) lon/lat, closed (first == last)
Polygon = tuple[Ring, ...]  # exterior ring first, then holes


@dataclass(frozen=True)
class Unit:
    unit_id: str
    name: str
    level: str
    parent_id: str | None
    polygons: tuple[Polygon, ...]


@dataclass(frozen=True)
class Units:
    items: tuple[Unit, ...]
    source: str = ""

    def __len__(self) -> int:
        return len(self.items)

    @property
    def ids(self) -> list[str]:
        return [u.unit_id for u in self.items]


@dataclass(frozen=True)
class Demand:
    """Where people who need care live; ``group`` indexes :data:`CARE_GROUPS`."""

    ids: StrArray
    lon: FloatArray
    lat: FloatArray
    group: CodeArray
    persons: FloatArray
    source: str = ""

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class Supply:
    """Care facilities.

    ``sphere`` indexes :data:`SPHERES`, ``origin`` :data:`SOURCES` (-1: unset).
    """

    ids: StrArray
    lon: FloatArray
    lat: FloatArray
    group: CodeArray
    sphere: CodeArray
    capacity: FloatArray
    imputed: BoolArray
    origin: CodeArray
    names: tuple[str, ...]
    services: tuple[str, ...]
    opening_hours: tuple[str, ...]
    source: str = ""

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class CostTable:
    """Origin (demand id) to destination (facility id) costs, in ``unit``."""

    origin: StrArray
    destination: StrArray
    cost: FloatArray
    unit: str = "m"
    source: str = ""
    rows: IntArray | None = None  # line number of each entry, for error messages


@dataclass(frozen=True)
class Params:
    """Method parameters; distances are in the cost unit (metres unless a minutes table)."""

    method: str = "e2sfca"
    catchment: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(CARE_GROUPS, DEFAULT_CATCHMENT_M)
    )
    decay: str = "gaussian"
    sigma: float | None = None  # None: half the catchment of each group
    steps: tuple[tuple[float, float], ...] = ()
    gravity_beta: float = 1.0
    gravity_scale: float = 1000.0
    gravity_min: float = 50.0
    targets_per_1000: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_TARGETS_PER_1000)
    )
    cost_unit: str = "m"

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "catchment": {g: float(self.catchment[g]) for g in sorted(self.catchment)},
            "decay": self.decay,
            "sigma": self.sigma,
            "steps": [[float(t), float(w)] for t, w in self.steps],
            "gravity_beta": self.gravity_beta,
            "gravity_scale": self.gravity_scale,
            "gravity_min": self.gravity_min,
            "targets_per_1000": {g: float(v) for g, v in sorted(self.targets_per_1000.items())},
            "cost_unit": self.cost_unit,
        }


@dataclass(frozen=True)
class PointResults:
    """One row per demand point, aligned with the :class:`Demand` arrays."""

    ids: StrArray
    group: CodeArray
    persons: FloatArray
    access: FloatArray  # places per person, 0 where no supply
    nearest_m: FloatArray  # great-circle metres to nearest same-group facility; inf if none
    n_in_reach: IntArray
    no_supply: BoolArray


@dataclass(frozen=True)
class FacilityResults:
    """One row per facility, aligned with the :class:`Supply` arrays."""

    ids: StrArray
    group: CodeArray
    capacity: FloatArray
    ratio: FloatArray  # R_j, places per (weighted) person in the catchment; 0 if unreached
    catchment_demand: FloatArray  # weighted persons in reach
    unreached: BoolArray


@dataclass(frozen=True)
class UnitResult:
    unit_id: str
    name: str
    level: str
    care_group: str
    persons: float
    capacity_located: float
    accessible_places: float
    coverage: float  # NaN when persons == 0
    access_per_1000: float
    target_per_1000: float
    gap_places: float
    share_no_access: float
    nearest_median_m: float
    nearest_p90_m: float
    imputed_share: float
    capacity_by_sphere: dict[str, float]
    n_points: int
    n_facilities: int
    rank: int  # 1 = largest gap among units of the same level and care group
    params_hash: str


@dataclass(frozen=True)
class CareMapResult:
    params: Params
    params_hash: str
    points: PointResults
    facilities: FacilityResults
    units: tuple[UnitResult, ...]  # sorted by gap_places, largest first
    outside_demand_ids: tuple[str, ...]
    outside_supply_ids: tuple[str, ...]
    outside_persons: float
    n_pairs: int
