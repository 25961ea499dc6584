"""Care-map gap engine: supply, demand and gaps of care at the territorial level.

Pure NumPy/SciPy; imports nothing from the web stack. See :mod:`.methods` for
the accessibility methods, :mod:`.loaders` for input formats and imputation,
:mod:`.aggregate` for the per-unit figures and :mod:`.writers` for the output
contract.
"""

from .engine import Progress, compute
from .errors import MAX_ISSUES, CareDataError, CareIssue, CareParamError
from .loaders import load_cost_table, load_demand, load_supply, load_units
from .model import (
    CARE_GROUPS,
    DEFAULT_TARGETS_PER_1000,
    METHODS,
    SOURCES,
    SPHERES,
    CareMapResult,
    CostTable,
    Demand,
    FacilityResults,
    Params,
    PointResults,
    Supply,
    Unit,
    UnitResult,
    Units,
)
from .svg import render_svg
from .writers import (
    units_geojson,
    write_facilities_csv,
    write_geojson,
    write_points_csv,
    write_units_csv,
)

__all__ = [
    "CARE_GROUPS",
    "DEFAULT_TARGETS_PER_1000",
    "MAX_ISSUES",
    "METHODS",
    "SOURCES",
    "SPHERES",
    "CareDataError",
    "CareIssue",
    "CareMapResult",
    "CareParamError",
    "CostTable",
    "Demand",
    "FacilityResults",
    "Params",
    "PointResults",
    "Progress",
    "Supply",
    "Unit",
    "UnitResult",
    "Units",
    "compute",
    "load_cost_table",
    "load_demand",
    "load_supply",
    "load_units",
    "render_svg",
    "units_geojson",
    "write_facilities_csv",
    "write_geojson",
    "write_points_csv",
    "write_units_csv",
]
