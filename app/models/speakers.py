"""Speakers and the organisations they come from."""

from datetime import datetime
from enum import StrEnum

from pydantic import EmailStr
from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.types import (
    CountryCode,
    DbId,
    Input,
    JSONType,
    LocalizedText,
    UTCDateTime,
    WebAddress,
    utcnow,
)


class OrganisationType(StrEnum):
    local_government = "local_government"
    international_organisation = "international_organisation"
    civil_society = "civil_society"
    network = "network"
    academia = "academia"
    private_sector = "private_sector"
    other = "other"


ORG_TYPE_LABELS = {
    OrganisationType.local_government: N_("Local or regional government"),
    OrganisationType.international_organisation: N_("International organisation"),
    OrganisationType.civil_society: N_("Civil society"),
    OrganisationType.network: N_("Network"),
    OrganisationType.academia: N_("Academia and research"),
    OrganisationType.private_sector: N_("Private sector"),
    OrganisationType.other: N_("Other"),
}


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    acronym: str | None = Field(default=None, max_length=30)
    type: OrganisationType = Field(sa_column=Column(String(40), nullable=False))
    country: str | None = Field(default=None, max_length=2)
    website: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrganisationCreate(Input):
    name: str = Field(min_length=1, max_length=200, schema_extra={"pattern": r"\S"})
    acronym: str | None = Field(default=None, max_length=30)
    type: OrganisationType
    country: CountryCode = None
    website: WebAddress | None = None


class OrganisationPublic(SQLModel):
    id: int
    name: str
    acronym: str | None
    type: OrganisationType
    country: str | None
    website: str | None


class Speaker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    title: str | None = Field(default=None, max_length=300)
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", index=True, ondelete="SET NULL"
    )
    country: str | None = Field(default=None, max_length=2)
    bio: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    # Private: only the secretariat sees these (see permissions.can_see_contact).
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SpeakerCreate(Input):
    name: str = Field(min_length=1, max_length=200, schema_extra={"pattern": r"\S"})
    title: str | None = Field(default=None, max_length=300)
    organisation_id: DbId | None = None
    country: CountryCode = None
    bio: LocalizedText = Field(default_factory=dict)
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: str | None = Field(
        default=None, max_length=50, schema_extra={"pattern": r"^[0-9 +().-]*$"}
    )


class SpeakerPublic(SQLModel):
    id: int
    name: str
    title: str | None
    organisation_id: DbId | None
    country: str | None
    bio: dict[str, str]


class SpeakerStaffView(SpeakerPublic):
    email: str | None
    phone: str | None
