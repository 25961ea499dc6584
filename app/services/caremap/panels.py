"""Evidence panels: a stored run's map, ranked table, totals and sources for one care group and
metric, at one level of the territory's units (finest first)."""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlmodel import Session

from app.caremap import Units
from app.models.caremap import (
    CareDataset,
    CareGroup,
    CareRun,
    CareRunUnit,
    CareTerritory,
    PinMetric,
)
from app.services.caremap.datasets import parsed_units
from app.services.caremap.runs import get_run, run_datasets, run_units
from app.services.caremap.territories import get_territory


def panel_url(run_id: int, care_group: str, metric: str) -> str:
    return f"/caremap/runs/{run_id}/panel?care_group={care_group}&metric={metric}"


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

    @property
    def pid(self) -> str:
        """The panel's id in a page (its headings and map hang off it)."""
        return f"panel-{self.run.id}-{self.care_group.value}-{self.metric.value}"

    @property
    def links(self) -> dict[str, str]:
        run_id = self.run.id or 0
        query = urlencode({"care_group": self.care_group.value})
        return {
            "panel_url": panel_url(run_id, self.care_group.value, self.metric.value),
            "units_csv_url": f"/caremap/runs/{run_id}/units.csv?{query}",
            "geojson_url": f"/caremap/runs/{run_id}/map.geojson?{query}",
            "points_csv_url": f"/caremap/runs/{run_id}/points.csv",
        }


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
    datasets = run_datasets(db, run)
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
