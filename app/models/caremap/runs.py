"""Engine runs: their parameters (the form and the API parse into these), the stored, dated
result of a run (per unit and care group as rows; per point and per facility as compressed CSV),
and the filters of the map page, recomputed on demand."""

from datetime import datetime
from typing import Self

from pydantic import BaseModel, model_validator
from pydantic import Field as QueryField
from sqlalchemy import Column, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.caremap.errors import CareParamError
from app.caremap.methods import validate_params
from app.caremap.model import SPHERES, Params
from app.i18n import gettext
from app.models.caremap.vocabulary import (
    MAX_CATCHMENT_M,
    MAX_TARGET,
    CareGroup,
    Decay,
    Method,
    PinMetric,
    Sphere,
)
from app.models.types import DbId, Input, JSONType, UTCDateTime, utcnow

# -- runs -------------------------------------------------------------------------------------


class GroupCatchments(Input):
    """Catchment radius in metres, per care group."""

    children_0_5: float = Field(default=1000.0, gt=0, le=MAX_CATCHMENT_M)
    older_persons: float = Field(default=1000.0, gt=0, le=MAX_CATCHMENT_M)
    persons_with_disabilities: float = Field(default=1000.0, gt=0, le=MAX_CATCHMENT_M)


class GroupTargets(Input):
    """Planning targets in places per 1,000 persons of the group (illustrative defaults)."""

    children_0_5: float = Field(default=330.0, ge=0, le=MAX_TARGET)
    older_persons: float = Field(default=50.0, ge=0, le=MAX_TARGET)
    persons_with_disabilities: float = Field(default=100.0, ge=0, le=MAX_TARGET)


class DecayStep(Input):
    threshold_m: float = Field(gt=0, le=MAX_CATCHMENT_M)
    weight: float = Field(gt=0, le=1)


class RunParams(Input):
    method: Method = Method.e2sfca
    catchment_m: GroupCatchments = Field(default_factory=GroupCatchments)
    decay: Decay = Decay.gaussian
    sigma_m: float | None = Field(default=None, gt=0, le=MAX_CATCHMENT_M)
    steps: list[DecayStep] = Field(default_factory=list, max_length=20)
    targets_per_1000: GroupTargets = Field(default_factory=GroupTargets)
    spheres: list[Sphere] = Field(default_factory=lambda: list(Sphere), min_length=1, max_length=4)

    @model_validator(mode="after")
    def _engine_accepts(self) -> Self:
        """Rules across fields (step zones against catchments) are the engine's own."""
        try:
            validate_params(self.engine_params())
        except CareParamError as exc:
            raise ValueError(exc.message(gettext)) from None
        return self

    def engine_params(self) -> Params:
        return Params(
            method=self.method.value,
            catchment=self.catchment_m.model_dump(),
            decay=self.decay.value,
            sigma=self.sigma_m,
            steps=tuple((s.threshold_m, s.weight) for s in self.steps),
            targets_per_1000=self.targets_per_1000.model_dump(),
        )

    def stored(self) -> dict[str, object]:
        """The parameters as stored with a run (engine parameters plus the spheres kept)."""
        values = self.model_dump(mode="json")
        values["spheres"] = sorted(set(values["spheres"]), key=SPHERES.index)
        return values


class RunCreate(RunParams):
    """Parameters and, optionally, the dataset versions to use (default: each layer's latest)."""

    units_dataset_id: DbId | None = None
    demand_dataset_id: DbId | None = None
    supply_dataset_id: DbId | None = None


class CareRun(SQLModel, table=True):
    """A stored, dated engine run: its parameters, inputs and results never change."""

    __tablename__ = "care_run"
    id: int | None = Field(default=None, primary_key=True)
    territory_id: int = Field(foreign_key="care_territory.id", index=True, ondelete="CASCADE")
    units_dataset_id: int = Field(foreign_key="care_dataset.id", ondelete="RESTRICT")
    demand_dataset_id: int = Field(foreign_key="care_dataset.id", ondelete="RESTRICT")
    supply_dataset_id: int = Field(foreign_key="care_dataset.id", ondelete="RESTRICT")
    params: dict[str, object] = Field(sa_type=JSONType)
    params_hash: str = Field(max_length=64)
    n_demand: int
    n_supply: int
    n_pairs: int
    outside_demand: int
    outside_persons: float
    compute_ms: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class CareRunFile(SQLModel, table=True):
    """The per-point and per-facility tables of a run, as gzip-compressed CSV."""

    __tablename__ = "care_run_file"
    run_id: int = Field(foreign_key="care_run.id", primary_key=True, ondelete="CASCADE")
    points_csv_gz: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    facilities_csv_gz: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class CareRunUnit(SQLModel, table=True):
    """One territorial unit and care group in a run. None where the engine gives NaN (no persons
    of the group) or infinity (no facility of the group anywhere)."""

    __tablename__ = "care_run_unit"
    __table_args__ = (Index("ix_care_run_unit_run_group", "run_id", "care_group", "gap_places"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="care_run.id", ondelete="CASCADE")
    unit_id: str = Field(max_length=200)
    name: str = Field(max_length=300)
    level: str = Field(max_length=100)
    care_group: CareGroup = Field(sa_column=Column(String(30), nullable=False))
    persons: float
    capacity_located: float
    accessible_places: float
    coverage: float | None = None
    access_per_1000: float | None = None
    target_per_1000: float
    gap_places: float
    share_no_access: float | None = None
    nearest_median_m: float | None = None
    nearest_p90_m: float | None = None
    imputed_share: float
    capacity_by_sphere: dict[str, float] = Field(sa_type=JSONType)
    n_points: int
    n_facilities: int
    rank: int


class RunPublic(SQLModel):
    id: int
    territory_id: int
    units_dataset_id: int
    demand_dataset_id: int
    supply_dataset_id: int
    params: dict[str, object]
    params_hash: str
    n_demand: int
    n_supply: int
    n_pairs: int
    outside_demand: int
    outside_persons: float
    compute_ms: int
    created_at: datetime


class UnitResultPublic(SQLModel):
    unit_id: str
    name: str
    level: str
    care_group: CareGroup
    persons: float
    capacity_located: float
    accessible_places: float
    coverage: float | None
    access_per_1000: float | None
    target_per_1000: float
    gap_places: float
    share_no_access: float | None
    nearest_median_m: float | None
    nearest_p90_m: float | None
    imputed_share: float
    capacity_by_sphere: dict[str, float]
    n_points: int
    n_facilities: int
    rank: int


class PointResultPublic(SQLModel):
    id: str
    care_group: CareGroup
    access: float
    nearest_m: float | None
    n_in_reach: int
    no_supply: bool


class MapResultPublic(SQLModel):
    """A map recomputed on demand (not stored)."""

    territory_id: int
    care_group: CareGroup
    params: dict[str, object]
    params_hash: str
    compute_ms: int
    units: list[UnitResultPublic]


class MapFilters(BaseModel):
    """The map page's query: what to recompute and show (nothing is stored)."""

    care_group: CareGroup = CareGroup.children_0_5
    sphere: Sphere | None = None
    method: Method = Method.e2sfca
    catchment_m: float = QueryField(default=1000.0, gt=0, le=MAX_CATCHMENT_M)
    metric: PinMetric = PinMetric.gap
    level: str | None = QueryField(default=None, max_length=100)

    def run_params(self) -> RunParams:
        catchment = dict.fromkeys((g.value for g in CareGroup), self.catchment_m)
        return RunParams.model_validate(
            {
                "method": self.method,
                "catchment_m": catchment,
                "spheres": [self.sphere] if self.sphere else list(Sphere),
            }
        )
