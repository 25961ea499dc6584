"""Column types shared by every domain."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le
from babel import Locale
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BeforeValidator,
    Field,
    UrlConstraints,
    WithJsonSchema,
    model_validator,
)
from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from app.i18n import N_

# A row id as clients may send it: positive and within PostgreSQL's INTEGER, so that an absurd
# id is a 404 or a validation error, never an overflow in the database driver.
MAX_ID = 2**31 - 1
DbId = Annotated[int, Ge(1), Le(MAX_ID)]
LocaleCode = Literal["en", "es", "pt"]

JSONType = JSON().with_variant(JSONB(), "postgresql")


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Input(SQLModel):
    """Base of every shape a client sends. PostgreSQL text cannot hold NUL characters, and no
    person types one, so a request carrying one is refused as a whole, before it reaches the
    database."""

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError(N_("Text cannot contain NUL characters."))
        return data


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware datetimes, on SQLite (which has no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _clean_localized(value: dict[str, str]) -> dict[str, str]:
    return {k: v.strip() for k, v in value.items() if v and v.strip()}


def _require_one(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError(N_("Enter the text in at least one language."))
    return value


# Organiser content in several languages: {"es": "...", "en": "..."}; empty entries are dropped.
LocalizedText = Annotated[
    dict[LocaleCode, Annotated[str, Field(max_length=20000)]], AfterValidator(_clean_localized)
]
# The schema says what the validator enforces: at least one language with visible text.
RequiredLocalizedText = Annotated[
    dict[LocaleCode, Annotated[str, Field(max_length=20000, pattern=r"\S")]],
    Field(min_length=1),
    AfterValidator(_clean_localized),
    AfterValidator(_require_one),
]

# Babel's territories include groupings that are not countries (Unknown Region, the European
# Union, the Eurozone, the United Nations, Outlying Oceania).
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO"})
_TERRITORIES = frozenset(
    str(code)
    for code in Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)


# A web address, no longer than the column that stores it (PostgreSQL enforces the limit).
WebAddress = Annotated[AnyHttpUrl, UrlConstraints(max_length=500)]


def _check_country(value: object) -> str | None:
    if value is None or value == "":
        return None
    code = str(value).strip().upper()
    if code not in _TERRITORIES:
        raise ValueError(N_("Choose a country from the list."))
    return code


# ISO 3166-1 alpha-2; names are shown in the reader's language by Babel.
CountryCode = Annotated[
    str | None,
    BeforeValidator(_check_country),
    WithJsonSchema({"anyOf": [{"type": "string", "enum": sorted(_TERRITORIES)}, {"type": "null"}]}),
]
COUNTRY_CODES = _TERRITORIES
