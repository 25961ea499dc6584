"""Evidence pins: a run's panel (care group, metric) shown beside a record of another domain.

The target is (kind, id): a kind registered with `app.services.targets` by the domain that owns
it, so the column is a plain string and there is no foreign key (targets vary)."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.caremap.vocabulary import CareGroup, PinMetric
from app.models.types import DbId, Input, UTCDateTime, utcnow
from app.services import targets
from app.services.errors import InvalidInput


def _registered(kind: str) -> str:
    try:
        return targets.kind_of(kind).kind
    except InvalidInput:
        raise ValueError(N_("Choose one of the options.")) from None


class _RegisteredKinds:
    """The schema lists the kinds registered when it is generated (every domain has registered
    its own by then), so that the API documents what it accepts."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core_schema)
        schema["enum"] = list(targets.kinds())
        return schema


# A kind of record another domain registered with `app.services.targets` ("session"…).
TargetKindName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=20),
    AfterValidator(_registered),
    _RegisteredKinds(),
]

# -- evidence pins ----------------------------------------------------------------------------


class EvidencePin(SQLModel, table=True):
    """A run's panel (care group, metric) shown beside a registered target."""

    __tablename__ = "evidence_pin"
    __table_args__ = (
        UniqueConstraint("run_id", "care_group", "metric", "target_kind", "target_id"),
        Index("ix_evidence_pin_target", "target_kind", "target_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="care_run.id", index=True, ondelete="CASCADE")
    care_group: CareGroup = Field(sa_column=Column(String(30), nullable=False))
    metric: PinMetric = Field(sa_column=Column(String(10), nullable=False))
    target_kind: str = Field(sa_column=Column(String(20), nullable=False))
    target_id: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class PinCreate(Input):
    run_id: DbId
    care_group: CareGroup
    metric: PinMetric = PinMetric.gap
    target_kind: TargetKindName
    target_id: DbId


class PinPublic(SQLModel):
    id: int
    run_id: int
    care_group: CareGroup
    metric: PinMetric
    target_kind: str
    target_id: int
    created_at: datetime
    panel_url: str
