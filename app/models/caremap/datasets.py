"""Territories and their care datasets: each dataset is one version of one layer, its file in a
table of its own (``care_dataset_file``) so that listing datasets never reads the bytes, and so
that every app instance behind a load balancer reads the same files."""

from datetime import datetime

from sqlalchemy import Column, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.caremap.vocabulary import DatasetKind, DatasetOrigin
from app.models.types import (
    Input,
    JSONType,
    LocalizedText,
    RequiredLocalizedText,
    UTCDateTime,
    utcnow,
)

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
    source: str = Field(min_length=1, max_length=300, schema_extra={"pattern": r"\S"})
    year: int | None = Field(default=None, ge=1800, le=2100)
    licence: str = Field(min_length=1, max_length=200, schema_extra={"pattern": r"\S"})
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
