"""Care maps: territories, their care datasets (versioned files), stored engine runs and their
results, crowd-mapped reports, and evidence pins that embed a run's panel in other pages.

File contents live in the database (``care_dataset_file``, ``care_run_file``), not on a local
disk, so that every app instance behind a load balancer reads the same files. Blobs sit in
tables of their own so that listing datasets or runs never reads them.
"""

from datetime import datetime
from enum import StrEnum
from typing import Self

from pydantic import model_validator
from sqlalchemy import Column, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.caremap.errors import CareParamError
from app.caremap.methods import validate_params
from app.caremap.model import CARE_GROUPS, METHODS, SPHERES, Params
from app.i18n import N_, gettext
from app.models.types import (
    DbId,
    Input,
    JSONType,
    LocalizedText,
    RequiredLocalizedText,
    UTCDateTime,
    utcnow,
)


class CareGroup(StrEnum):
    children_0_5 = "children_0_5"
    older_persons = "older_persons"
    persons_with_disabilities = "persons_with_disabilities"


class Sphere(StrEnum):
    public = "public"
    private = "private"
    community = "community"
    family = "family"


class Method(StrEnum):
    sfca2 = "2sfca"
    e2sfca = "e2sfca"
    sfca3 = "3sfca"
    gravity = "gravity"


class Decay(StrEnum):
    gaussian = "gaussian"
    steps = "steps"


class DatasetKind(StrEnum):
    units = "units"
    demand = "demand"
    supply = "supply"


class DatasetOrigin(StrEnum):
    upload = "upload"  # the secretariat's form or the API
    cli = "cli"  # `townhall caremap import`
    crowd = "crowd"  # a verified crowd report added to the previous version
    demo = "demo"  # the synthetic demo territory


class CrowdKind(StrEnum):
    facility = "facility"  # a place that gives care (supply)
    need = "need"  # people who need care and find none (demand)


class CrowdStatus(StrEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"


class PinMetric(StrEnum):
    coverage = "coverage"
    gap = "gap"


class PinTargetKind(StrEnum):
    session = "session"
    contribution = "contribution"
    section = "section"


# The engine's vocabularies and ours must not drift apart.
assert tuple(CareGroup) == CARE_GROUPS
assert tuple(Sphere) == SPHERES
assert tuple(Method) == METHODS

# Labels shown to people (translated where shown).
GROUP_LABELS = {
    CareGroup.children_0_5: N_("Young children (0–5 years)"),
    CareGroup.older_persons: N_("Older persons"),
    CareGroup.persons_with_disabilities: N_("Persons with disabilities"),
}
SPHERE_LABELS = {
    Sphere.public: N_("Public"),
    Sphere.private: N_("Private"),
    Sphere.community: N_("Community"),
    Sphere.family: N_("Family"),
}
METHOD_LABELS = {
    Method.sfca2: N_("Two-step floating catchment (2SFCA)"),
    Method.e2sfca: N_("Enhanced two-step floating catchment with distance decay (E2SFCA)"),
    Method.sfca3: N_("Three-step floating catchment (3SFCA)"),
    Method.gravity: N_("Gravity model with competition"),
}
DECAY_LABELS = {
    Decay.gaussian: N_("Gaussian (smooth) decay"),
    Decay.steps: N_("Step zones"),
}
METRIC_LABELS = {
    PinMetric.coverage: N_("Coverage: accessible places per 1,000 persons"),
    PinMetric.gap: N_("Gap: places missing to reach the target"),
}
LAYER_LABELS = {
    DatasetKind.units: N_("Territorial units"),
    DatasetKind.demand: N_("Demand (people who need care)"),
    DatasetKind.supply: N_("Supply (care facilities)"),
}
ORIGIN_LABELS = {
    DatasetOrigin.upload: N_("Uploaded"),
    DatasetOrigin.cli: N_("Imported from the command line"),
    DatasetOrigin.crowd: N_("Previous version plus a verified crowd report"),
    DatasetOrigin.demo: N_("Synthetic demo data"),
}
CROWD_KIND_LABELS = {
    CrowdKind.facility: N_("A care facility"),
    CrowdKind.need: N_("An unmet need for care"),
}
STATUS_LABELS = {
    CrowdStatus.pending: N_("Waiting for verification"),
    CrowdStatus.verified: N_("Verified"),
    CrowdStatus.rejected: N_("Rejected"),
}
TARGET_LABELS = {
    PinTargetKind.session: N_("Session"),
    PinTargetKind.contribution: N_("Contribution"),
    PinTargetKind.section: N_("Policy document section"),
}

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_CATCHMENT_M = 50_000.0
MAX_TARGET = 1000.0


# -- territories ------------------------------------------------------------------------------


class CareTerritory(SQLModel, table=True):
    __tablename__ = "care_territory"
    id: int | None = Field(default=None, primary_key=True)
    name: dict[str, str] = Field(sa_type=JSONType)
    description: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class TerritoryCreate(Input):
    name: RequiredLocalizedText
    description: LocalizedText = Field(default_factory=dict)


class TerritoryPublic(SQLModel):
    id: int
    name: dict[str, str]
    description: dict[str, str]
    created_at: datetime


# -- datasets ---------------------------------------------------------------------------------


class CareDataset(SQLModel, table=True):
    """One version of one layer (units, demand or supply) of a territory; never changed."""

    __tablename__ = "care_dataset"
    __table_args__ = (UniqueConstraint("territory_id", "kind", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    territory_id: int = Field(foreign_key="care_territory.id", index=True, ondelete="CASCADE")
    kind: DatasetKind = Field(sa_column=Column(String(10), nullable=False))
    version: int
    filename: str = Field(max_length=200)
    size_bytes: int
    sha256: str = Field(max_length=64)
    row_count: int
    source: str = Field(max_length=300)
    year: int | None = None
    licence: str = Field(max_length=200)
    note: str | None = Field(default=None, max_length=1000)
    origin: DatasetOrigin = Field(sa_column=Column(String(10), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class CareDatasetFile(SQLModel, table=True):
    __tablename__ = "care_dataset_file"
    dataset_id: int = Field(foreign_key="care_dataset.id", primary_key=True, ondelete="CASCADE")
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DatasetMeta(Input):
    """What the secretariat says about a file; the file itself comes beside it."""

    kind: DatasetKind
    source: str = Field(min_length=1, max_length=300, regex=r"\S")
    year: int | None = Field(default=None, ge=1800, le=2100)
    licence: str = Field(min_length=1, max_length=200, regex=r"\S")
    note: str | None = Field(default=None, max_length=1000)


class DatasetPublic(SQLModel):
    id: int
    territory_id: int
    kind: DatasetKind
    version: int
    filename: str
    size_bytes: int
    sha256: str
    row_count: int
    source: str
    year: int | None
    licence: str
    note: str | None
    origin: DatasetOrigin
    created_at: datetime
    download_url: str


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


# -- crowd-mapping ----------------------------------------------------------------------------


class CrowdReport(SQLModel, table=True):
    __tablename__ = "care_crowd_report"
    __table_args__ = (Index("ix_care_crowd_report_territory_status", "territory_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    territory_id: int = Field(foreign_key="care_territory.id", ondelete="CASCADE")
    kind: CrowdKind = Field(sa_column=Column(String(10), nullable=False))
    care_group: CareGroup = Field(sa_column=Column(String(30), nullable=False))
    sphere: Sphere | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    lon: float
    lat: float
    capacity: float | None = None
    persons: float | None = None
    name: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)
    status: CrowdStatus = Field(
        default=CrowdStatus.pending, sa_column=Column(String(10), nullable=False)
    )
    reason: str | None = Field(default=None, max_length=1000)
    dataset_id: int | None = Field(default=None, foreign_key="care_dataset.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class CrowdReportCreate(Input):
    kind: CrowdKind
    care_group: CareGroup
    sphere: Sphere | None = None
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capacity: float | None = Field(default=None, ge=0, le=100_000)
    persons: float | None = Field(default=None, gt=0, le=100_000)
    name: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _facility_has_sphere(self) -> Self:
        if self.kind == CrowdKind.facility and self.sphere is None:
            raise ValueError(N_("Say which sphere gives this care (public, private, community…)."))
        return self


class CrowdReject(Input):
    reason: str = Field(min_length=1, max_length=1000, regex=r"\S")


class CrowdReportPublic(SQLModel):
    id: int
    territory_id: int
    kind: CrowdKind
    care_group: CareGroup
    sphere: Sphere | None
    lon: float
    lat: float
    capacity: float | None
    persons: float | None
    name: str | None
    note: str | None
    status: CrowdStatus
    reason: str | None
    dataset_id: int | None
    created_at: datetime
    reviewed_at: datetime | None


# -- evidence pins ----------------------------------------------------------------------------


class EvidencePin(SQLModel, table=True):
    """A run's panel (care group, metric) embedded in a session, contribution or section."""

    __tablename__ = "evidence_pin"
    __table_args__ = (
        UniqueConstraint("run_id", "care_group", "metric", "target_kind", "target_id"),
        Index("ix_evidence_pin_target", "target_kind", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="care_run.id", index=True, ondelete="CASCADE")
    care_group: CareGroup = Field(sa_column=Column(String(30), nullable=False))
    metric: PinMetric = Field(sa_column=Column(String(10), nullable=False))
    target_kind: PinTargetKind = Field(sa_column=Column(String(20), nullable=False))
    target_id: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class PinCreate(Input):
    run_id: DbId
    care_group: CareGroup
    metric: PinMetric = PinMetric.gap
    target_kind: PinTargetKind
    target_id: DbId


class PinPublic(SQLModel):
    id: int
    run_id: int
    care_group: CareGroup
    metric: PinMetric
    target_kind: PinTargetKind
    target_id: int
    created_at: datetime
    panel_url: str
