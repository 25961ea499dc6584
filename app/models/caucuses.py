"""Caucuses: cross-cutting groups (youth, feminism, accessibility...) and their members."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import (
    DbId,
    Input,
    JSONType,
    LocalizedText,
    RequiredLocalizedText,
    UTCDateTime,
    utcnow,
)

# The three caucuses of the UCLG Town Hall process exist on every platform from the start.
DEFAULT_CAUCUS_CODES = ("youth", "feminism", "accessibility")


class Caucus(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: dict[str, str] = Field(sa_type=JSONType)
    description: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaucusMember(SQLModel, table=True):
    __tablename__ = "caucus_member"
    caucus_id: int = Field(foreign_key="caucus.id", primary_key=True, ondelete="CASCADE")
    speaker_id: int = Field(foreign_key="speaker.id", primary_key=True, ondelete="CASCADE")
    is_representative: bool = False


class CaucusCreate(Input):
    code: str = Field(
        min_length=2, max_length=40, schema_extra={"pattern": r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"}
    )
    name: RequiredLocalizedText
    description: LocalizedText = Field(default_factory=dict)


class CaucusMemberIn(Input):
    speaker_id: DbId
    is_representative: bool = False


class CaucusPublic(SQLModel):
    id: int
    code: str
    name: dict[str, str]
    description: dict[str, str]
    members: list[CaucusMemberIn] = Field(default_factory=list)
