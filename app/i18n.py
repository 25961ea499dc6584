"""Interface languages (es, pt, en): catalogues, negotiation and Babel formatting.

Catalogues are compiled from the .po files in memory at start-up, so there are no binary .mo files
to forget to rebuild. The current locale lives in a context variable set once per request by the
locale middleware, which lets templates, forms and error pages translate without threading the
locale through every call.
"""

import gettext as gettext_module
import io
import unicodedata
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime, timedelta, tzinfo
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_skeleton as _format_skeleton
from babel.dates import format_time as _format_time
from babel.dates import get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import parse_pattern as parse_number_pattern
from babel.support import Translations

from app.config import get_settings

LOCALES: tuple[str, ...] = ("es", "pt", "en")
LOCALE_NAMES = {"es": "Español", "pt": "Português", "en": "English"}
DEFAULT_LOCALE = "en"
LOCALE_COOKIE = "th_lang"

_current: ContextVar[str] = ContextVar("townhall_locale", default=DEFAULT_LOCALE)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated later, where it is shown."""
    return message


def NC_(context: str, message: str) -> "Message":
    """Marks a message whose translation depends on what it is said of (pgettext): "Rejected" of
    a contribution is "Rejeitada", of a crowd report "Rejeitado". Translated where it is shown,
    like N_; as a str it is the English text."""
    found = Message(message)
    found.context = context
    return found


def fallbacks(locale: str) -> tuple[str, ...]:
    """The languages to read, in order, when `locale` lacks a text (config.locale_fallbacks:
    the closest language first, pt <-> es, then English)."""
    chain = get_settings().locale_fallbacks.get(locale, [DEFAULT_LOCALE])
    return tuple(dict.fromkeys(c for c in chain if c in LOCALES and c != locale))


def _catalogue(locale: str, base: Path) -> gettext_module.NullTranslations:
    po_path = base / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext_module.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    # Fuzzy entries are guesses awaiting review: showing them would show wrong text.
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


@cache
def translations(locale: str, locales_dir: Path | None = None) -> gettext_module.NullTranslations:
    """The catalogue, with the fallback languages' behind it for a message it lacks; English is
    the msgid itself, so the chain stops there."""
    base = locales_dir or get_settings().locales_dir
    found = _catalogue(locale, base)
    if locale != DEFAULT_LOCALE:
        for other in fallbacks(locale):
            if other == DEFAULT_LOCALE:
                break
            found.add_fallback(_catalogue(other, base))
    return found


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def get_locale() -> str:
    return _current.get()


def gettext(message: str, **params: object) -> str:
    if isinstance(message, Message) and not params:
        return message.localize()
    text = translations(get_locale()).gettext(message)
    return _format(text, params)


def pgettext(context: str, message: str, **params: object) -> str:
    text = translations(get_locale()).pgettext(context, message)
    return _format(text, params)


def _format(text: str, params: Mapping[str, object]) -> str:
    if not params:
        return text
    return text % {k: gettext(v) if isinstance(v, Message) else v for k, v in params.items()}


class Message(str):
    """A msgid with its parameters, translated where it is shown (the edge), not where it is
    raised. As a str it reads as the English text, so logs and tests that compare stay simple;
    a parameter that is itself a Message (a state's or an action's label) is translated too."""

    msgid: str
    params: Mapping[str, object]
    context: str | None = None  # set by NC_

    def __new__(cls, msgid: str, /, **params: object) -> "Message":
        english = msgid % params if params else msgid
        self = super().__new__(cls, english)
        self.msgid = msgid
        self.params = params
        return self

    def localize(self) -> str:
        if self.context:
            return pgettext(self.context, self.msgid, **self.params)
        return gettext(self.msgid, **self.params)


def translate(message: str) -> str:
    """A message id (plain or a Message) in the reader's language; translated text passes
    through unchanged, so translating twice does no harm."""
    return message.localize() if isinstance(message, Message) else gettext(message)


def translate_errors(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    """{field: [message id, ...]} as the reader reads it."""
    return {field: [translate(m) for m in messages] for field, messages in errors.items()}


_ = gettext


def negotiate(path_locale: str | None, cookie: str | None, accept_language: str | None) -> str:
    """URL parameter, then cookie, then the browser's Accept-Language, then the default."""
    for candidate in (path_locale, cookie):
        if candidate in LOCALES:
            return str(candidate)
    if accept_language:
        ranked: list[tuple[float, int, str]] = []
        for index, part in enumerate(accept_language.split(",")[:20]):
            tag, _sep, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            primary = tag.strip().lower().split("-")[0]
            if primary in LOCALES and quality > 0:
                ranked.append((-quality, index, primary))
        if ranked:
            return sorted(ranked)[0][2]
    return DEFAULT_LOCALE


def localized(value: Mapping[str, str] | None, locale: str | None = None) -> tuple[str, str]:
    """The text in the reader's language, else the first available; returns (text, its language)."""
    if not value:
        return "", locale or get_locale()
    locale = locale or get_locale()
    if value.get(locale):
        return value[locale], locale
    for fallback in (*fallbacks(locale), DEFAULT_LOCALE, *LOCALES):
        if value.get(fallback):
            return value[fallback], fallback
    key = next(iter(value))
    return value[key], key


# Babel is handed the parsed Locale (`_babel_locale`), never the code: given a string, every
# call parses it again (about half the cost of a short format), and a page makes hundreds.


def format_datetime(value: datetime, tz: tzinfo | None = None, fmt: str = "full") -> str:
    return _format_datetime(value, format=fmt, tzinfo=tz, locale=_babel_locale(get_locale()))


def format_date(value: date, fmt: str = "long") -> str:
    return _format_date(value, format=fmt, locale=_babel_locale(get_locale()))


def format_time(value: datetime, tz: tzinfo | None = None, fmt: str = "short") -> str:
    return _format_time(value, format=fmt, tzinfo=tz, locale=_babel_locale(get_locale()))


# How a moment is shown: with its date (full: with the weekday, in words), its date only, or
# its time only (where the page already says the day, as a session's agenda does).
WHEN_STYLES = ("datetime", "full", "date", "time")


def zone_label(zone: str, at: datetime) -> str:
    """'Madrid, UTC+1': the place in the reader's language and the offset at that moment, so a
    time is never read in the wrong zone (an abbreviation like CET is not known everywhere)."""
    tz = ZoneInfo(zone)
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    utc = "UTC" if minutes == 0 else f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
    if zone in ("UTC", "Etc/UTC"):
        return "UTC"
    return f"{_city(zone, get_locale())}, {utc}"


@cache
def _city(zone: str, locale: str) -> str:
    """The zone's place in the language (Babel walks its metazone data on every call)."""
    return str(
        get_timezone_location(ZoneInfo(zone), locale=_babel_locale(locale), return_city=True)
    )


def format_when(value: datetime, zone: str | None = None, style: str = "datetime") -> str:
    """A moment in one zone (the session's, the forum's, the reader's; UTC when none is
    known), always saying which: 'Tue, Feb 1, 2022, 3:00 PM (Madrid, UTC+1)'."""
    zone = zone or "UTC"
    tz = ZoneInfo(zone)
    locale = _babel_locale(get_locale())
    if style == "full":  # a session's own page: the whole weekday and month
        day = _format_date(value.astimezone(tz), format="full", locale=locale)
    else:
        day = _format_skeleton("yMMMd", value, tz, locale=locale)
    if style == "date":
        return day
    clock = _format_time(value, format="short", tzinfo=tz, locale=locale)
    label = zone_label(zone, value)
    if style == "time":
        return f"{clock} ({label})"
    pattern = locale.datetime_formats["medium"]
    return f"{pattern.format(clock, day)} ({label})"


def format_number(value: float | int) -> str:
    """babel.numbers.format_decimal with its defaults, the locale's pattern looked up once."""
    locale = get_locale()
    return str(
        _decimal_pattern(locale).apply(value, _babel_locale(locale), numbering_system="latn")
    )


@cache
def _decimal_pattern(locale: str) -> Any:
    return parse_number_pattern(_babel_locale(locale).decimal_formats[None])


@cache
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale)


def language_name(code: str) -> str:
    return _babel_locale(get_locale()).languages.get(code, code)


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _babel_locale(get_locale()).territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    from app.models.types import COUNTRY_CODES

    names = _babel_locale(get_locale()).territories
    return sorted(((c, str(names.get(c, c))) for c in COUNTRY_CODES), key=lambda item: item[1])


# The time-zone choice, grouped by the first part of the IANA name; the rest (UTC and Etc/GMT
# offsets, old aliases such as US/Eastern) are kept, under "Other", so a stored value stays
# choosable.
_ZONE_REGIONS = {
    "Africa": N_("Africa"),
    "America": N_("Americas"),
    "Antarctica": N_("Antarctica"),
    "Arctic": N_("Arctic"),
    "Asia": N_("Asia"),
    "Atlantic": N_("Atlantic Ocean"),
    "Australia": N_("Australia"),
    "Europe": N_("Europe"),
    "Indian": N_("Indian Ocean"),
    "Pacific": N_("Pacific Ocean"),
}
_OTHER_ZONES = NC_("time zones", "Other")
ZoneGroups = list[tuple[str, list[tuple[str, str]]]]


def timezone_groups() -> ZoneGroups:
    """[(region, [(zone, "Montevidéu — America/Montevideo"), ...]), ...] for the reader's
    language: the place's name in their language first, sorted within each region."""
    return [(gettext(region), zones) for region, zones in _zone_groups(get_locale())]


@cache
def _zone_groups(locale: str) -> ZoneGroups:
    from app.models.forums import TIMEZONES

    regions = (*_ZONE_REGIONS.values(), _OTHER_ZONES)
    groups: dict[str, list[tuple[str, str]]] = {region: [] for region in regions}
    for zone in TIMEZONES:
        area, _sep, rest = zone.partition("/")
        region = _ZONE_REGIONS.get(area) if rest else None
        if region is None:
            groups[_OTHER_ZONES].append((zone, zone.replace("_", " ")))
            continue
        city = get_timezone_location(zone, locale=_babel_locale(locale), return_city=True)
        groups[region].append((zone, f"{city} — {zone.replace('_', ' ')}"))
    return [
        (region, sorted(zones, key=lambda z: _sort_key(z[1])))
        for region, zones in groups.items()
        if zones
    ]


def _sort_key(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def label_choices(labels: Mapping[Any, str]) -> list[tuple[str, str]]:
    """Select options from {value: msgid}, translated for the reader: (value, label) pairs."""
    return [(str(getattr(key, "value", key)), gettext(msgid)) for key, msgid in labels.items()]
