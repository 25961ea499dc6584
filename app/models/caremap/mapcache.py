"""Map results cached by their parameters: the map page and the map API recompute a territory's
layers with a reader's filters; each distinct (dataset versions, parameters, care group) is
computed once and kept here, so every instance and every later reader shares it. Dataset
versions never change, so a row never goes stale: a new upload makes a new key."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class CareMapCache(SQLModel, table=True):
    __tablename__ = "care_map_cache"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    territory_id: int = Field(foreign_key="care_territory.id", ondelete="CASCADE", index=True)
    units_dataset_id: int = Field(foreign_key="care_dataset.id", ondelete="CASCADE")
    demand_dataset_id: int = Field(foreign_key="care_dataset.id", ondelete="CASCADE")
    supply_dataset_id: int = Field(foreign_key="care_dataset.id", ondelete="CASCADE")
    params_hash: str = Field(max_length=64)
    compute_ms: int
    n_facilities: int
    # The care group's rows at every level, as CareRunUnit fields.
    rows: list[dict[str, object]] = Field(sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
