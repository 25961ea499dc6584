"""Numbers, dates and times come out exactly as Babel's own functions give them for the locale's
code: the parsed Locale and the number pattern are kept per locale (i18n._babel_locale,
_decimal_pattern), and a zone's place name per (zone, locale), without changing a character."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import (
    format_date,
    format_datetime,
    format_skeleton,
    format_time,
    get_timezone_location,
)
from babel.numbers import format_decimal

from app import i18n

NUMBERS = [0, 1, -7, 12, 999, 1000, 12345, 1234567, 0.5, 3.14159, -2.75, 1e-4, 1e9 + 0.25]
NUMBERS += [Decimal("1234.5678"), 10**12]
MOMENTS = [
    datetime(2022, 2, 1, 15, 0, tzinfo=UTC),
    datetime(2024, 7, 31, 23, 45, 12, tzinfo=UTC),
    datetime(2025, 12, 31, 0, 5, tzinfo=UTC),
]
ZONES = ["UTC", "Europe/Madrid", "America/Montevideo", "Asia/Kolkata", "America/Sao_Paulo"]


@pytest.fixture(params=i18n.LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    i18n.set_locale(request.param)
    yield request.param
    i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_numbers_as_babel_formats_them(locale: str) -> None:
    for value in NUMBERS:
        assert i18n.format_number(value) == format_decimal(value, locale=locale), value


def test_dates_and_times_as_babel_formats_them(locale: str) -> None:
    for moment in MOMENTS:
        for zone in ZONES:
            tz = ZoneInfo(zone)
            for fmt in ("full", "long", "medium", "short"):
                expected = format_datetime(moment, format=fmt, tzinfo=tz, locale=locale)
                assert i18n.format_datetime(moment, tz, fmt) == expected
                expected = format_time(moment, format=fmt, tzinfo=tz, locale=locale)
                assert i18n.format_time(moment, tz, fmt) == expected
        for fmt in ("full", "long", "medium", "short"):
            day = moment.date()
            assert i18n.format_date(day, fmt) == format_date(day, format=fmt, locale=locale)
    leap = date(2020, 2, 29)
    assert i18n.format_date(leap) == format_date(leap, format="long", locale=locale)


def _when_as_before(value: datetime, zone: str, style: str, locale: str) -> str:
    """format_when as it was written before the caches (Babel given the locale's code)."""
    tz = ZoneInfo(zone)
    if style == "full":
        day = format_date(value.astimezone(tz), format="full", locale=locale)
    else:
        day = format_skeleton("yMMMd", value, tz, locale=locale)
    if style == "date":
        return day
    clock = format_time(value, format="short", tzinfo=tz, locale=locale)
    offset = value.astimezone(tz).utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes >= 0 else "-"
    utc = "UTC" if minutes == 0 else f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    if zone == "UTC":
        label = "UTC"
    else:
        label = f"{get_timezone_location(tz, locale=locale, return_city=True)}, {utc}"
    if style == "time":
        return f"{clock} ({label})"
    pattern = i18n.Locale.parse(locale).datetime_formats["medium"]
    return f"{pattern.format(clock, day)} ({label})"


def test_moments_in_their_zone_as_before(locale: str) -> None:
    for moment in MOMENTS:
        for zone in ZONES:
            for style in i18n.WHEN_STYLES:
                expected = _when_as_before(moment, zone, style, locale)
                assert i18n.format_when(moment, zone, style) == expected, (zone, style)
