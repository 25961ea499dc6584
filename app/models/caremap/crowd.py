"""Crowd-mapping: a participant's report of a care facility or an unmet need, reviewed by the
secretariat (services/caremap/crowd.py, a workflow), one event row per review."""

from datetime import datetime
from typing import Annotated

from pydantic import Field as PydanticField
from pydantic import ValidationInfo, field_validator
from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.caremap.vocabulary import CareGroup, CrowdKind, CrowdStatus, Sphere
from app.models.types import Input, UTCDateTime, utcnow
from app.services.workflow import EventFields

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


class CrowdEvent(EventFields, table=True):
    """One row per review of a report: who, when, from, to, action (a CrowdAction), why."""

    __tablename__ = "care_crowd_event"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="care_crowd_report.id", index=True, ondelete="CASCADE")


class CrowdReportCreate(Input):
    kind: CrowdKind
    care_group: CareGroup
    # Checked even when left out, so that a facility without one is an error on this field.
    sphere: Annotated[Sphere | None, PydanticField(validate_default=True)] = None
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    capacity: float | None = Field(default=None, ge=0, le=100_000)
    persons: float | None = Field(default=None, gt=0, le=100_000)
    name: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("sphere")
    @classmethod
    def _facility_has_sphere(cls, sphere: Sphere | None, info: ValidationInfo) -> Sphere | None:
        if info.data.get("kind") == CrowdKind.facility and sphere is None:
            raise ValueError(N_("Say which sphere gives this care (public, private, community…)."))
        return sphere


class CrowdReject(Input):
    reason: str = Field(min_length=1, max_length=1000, schema_extra={"pattern": r"\S"})


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
