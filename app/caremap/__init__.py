"""Care-map gap engine: supply, demand and gaps of care at the territorial level.

NumPy (and pyarrow for CSV files); SciPy only in :func:`.neighbours.estimate_pairs`
and a rare nearest-distance fallback; imports nothing from the web stack. See :mod:`.methods` for
the accessibility methods, :mod:`.loaders` for input formats and imputation,
:mod:`.aggregate` for the per-unit figures and :mod:`.writers` for the output
contract.

The names are loaded on first use (PEP 562): importing one module of the engine, as
``townhall caremap compute`` does, does not import all the others (the SVG renderer,
its XML helpers and their urllib).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "Progress": "engine",
    "compute": "engine",
    "MAX_ISSUES": "errors",
    "CareDataError": "errors",
    "CareIssue": "errors",
    "CareParamError": "errors",
    "load_cost_table": "loaders",
    "load_demand": "loaders",
    "load_supply": "loaders",
    "load_units": "loaders",
    "CARE_GROUPS": "model",
    "DEFAULT_TARGETS_PER_1000": "model",
    "METHODS": "model",
    "SOURCES": "model",
    "SPHERES": "model",
    "CareMapResult": "model",
    "CostTable": "model",
    "Demand": "model",
    "FacilityResults": "model",
    "Params": "model",
    "PointResults": "model",
    "Supply": "model",
    "Unit": "model",
    "UnitResult": "model",
    "Units": "model",
    "render_svg": "svg",
    "units_geojson": "writers",
    "write_facilities_csv": "writers",
    "write_geojson": "writers",
    "write_points_csv": "writers",
    "write_units_csv": "writers",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


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
