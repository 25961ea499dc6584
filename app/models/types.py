"""Column types shared by every domain."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from babel import Locale
from pydantic import AfterValidator, BeforeValidator, Field
from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.i18n import N_

LOCALES: tuple[str, ...] = ("en", "es", "pt")
LocaleCode = Literal["en", "es", "pt"]

JSONType = JSON().with_variant(JSONB(), "postgresql")


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
RequiredLocalizedText = Annotated[LocalizedText, AfterValidator(_require_one)]

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(N_("Use lowercase letters, digits and single hyphens."))
    return value


Slug = Annotated[str, Field(min_length=2, max_length=80), AfterValidator(_check_slug)]


_TERRITORIES = frozenset(
    str(code)
    for code in Locale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha()
)


def _check_country(value: object) -> str | None:
    if value is None or value == "":
        return None
    code = str(value).strip().upper()
    if code not in _TERRITORIES:
        raise ValueError(N_("Choose a country from the list."))
    return code


# ISO 3166-1 alpha-2; names are shown in the reader's language by Babel.
CountryCode = Annotated[str | None, BeforeValidator(_check_country)]
COUNTRY_CODES = _TERRITORIES


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value))
