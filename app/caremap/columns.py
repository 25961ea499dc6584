"""The file contract shared by both reading paths: the columns of each kind of file, and the rule
that fills in a facility's missing capacity (see app/caremap/loaders.py)."""

from __future__ import annotations

import numpy as np

from .model import BoolArray, CodeArray, FloatArray

DEMAND_POINT_COLUMNS = ("id", "lon", "lat", "care_group", "persons")
DEMAND_COUNT_COLUMNS = ("unit_id", "care_group", "persons")
SUPPLY_COLUMNS = ("id", "lon", "lat", "care_group", "sphere", "capacity")
SUPPLY_OPTIONAL = ("name", "services", "opening_hours", "source")
COST_COLUMNS = ("origin_id", "destination_id", "cost")


def impute_capacity(
    capacity: FloatArray, missing: BoolArray, group: CodeArray, sphere: CodeArray
) -> FloatArray:
    """Median of same group+sphere, else of same group, else 1 (see module docstring)."""
    out = capacity.copy()
    if not missing.any():
        return out
    known = ~missing
    for g in np.unique(group[missing]):
        same_group = known & (group == g)
        group_median = float(np.median(capacity[same_group])) if same_group.any() else 1.0
        for sp in np.unique(sphere[missing & (group == g)]):
            same_both = same_group & (sphere == sp)
            value = float(np.median(capacity[same_both])) if same_both.any() else group_median
            out[missing & (group == g) & (sphere == sp)] = value
    return out
