"""The one Jinja2 environment, and render(): a full page, or a partial for htmx requests."""

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app import i18n, permissions
from app.config import get_settings
from app.models.forums import TIMEZONES
from app.models.users import DELETED_NAME
from app.security import CSRF_FIELD, csrf_token
from app.web import fragments

TEMPLATES_DIR = Path(__file__).parent / "templates"


_SAFE_TAGS = {
    "span": Markup("<span{1}>{0}</span>"),
    "p": Markup("<p{1}>{0}</p>"),
}


def _fallback_note(lang: str) -> str:
    """Says which language a fallback is in, e.g. "(in English)"."""
    return i18n.gettext("(in %(language)s)", language=i18n.language_name(lang))


def _localized_html(value: Mapping[str, str] | None, tag: str = "span") -> Markup:
    """Organiser text in the reader's language; a fallback is marked with its language."""
    text, lang = i18n.localized(value)
    if not text:
        return Markup("")
    element = _SAFE_TAGS.get(tag, _SAFE_TAGS["span"])
    if lang == i18n.get_locale():
        return element.format(text, "")
    lang_attr = Markup(' lang="{}"').format(lang)
    return element.format(text, lang_attr) + Markup(' <small class="fallback">{}</small>').format(
        _fallback_note(lang)
    )


def _localized_text(value: Mapping[str, str] | None) -> str:
    return i18n.localized(value)[0]


def _stored_html(html: str | None) -> Markup:
    """HTML that lib/markup made and sanitised when its text was written (a `*_html` column),
    shown as it is: no template renders Markdown on read."""
    return Markup(html or "")  # noqa: S704 - sanitised by markup.store / store_text when stored


def _paragraphs(text: str | None) -> Markup:
    """Plain organiser text to paragraphs and lists, escaped; no HTML is trusted."""
    if not text:
        return Markup("")
    blocks: list[str] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [ln.strip() for ln in block.strip().split("\n") if ln.strip()]
        if not lines:
            continue
        if all(ln.startswith(("- ", "* ")) for ln in lines):
            items = "".join(f"<li>{escape(ln[2:])}</li>" for ln in lines)
            blocks.append(f"<ul>{items}</ul>")
        else:
            blocks.append("<p>" + "<br>".join(str(escape(ln)) for ln in lines) + "</p>")
    return Markup("".join(blocks))  # noqa: S704 — every piece of text above was escaped


def _localized_paragraphs(value: Mapping[str, str] | None) -> Markup:
    text, lang = i18n.localized(value)
    if not text:
        return Markup("")
    body = _paragraphs(text)
    if lang == i18n.get_locale():
        return body
    return Markup('<div lang="{0}">{1}</div><p class="fallback">{2}</p>').format(
        lang, body, _fallback_note(lang)
    )


def _dt(value: datetime, tz: str | None = None, fmt: str = "full") -> str:
    zone = ZoneInfo(tz) if tz else UTC
    return i18n.format_datetime(value, zone, fmt)


def _time(value: datetime, tz: str | None = None) -> str:
    return i18n.format_time(value, ZoneInfo(tz) if tz else UTC)


def _date(value: date | None, fmt: str = "long") -> str:
    return i18n.format_date(value, fmt) if value else ""


# The reader's own zone (the th_tz cookie the time script sets), for the page being rendered.
_reader_zone: ContextVar[str | None] = ContextVar("townhall_reader_zone", default=None)
TZ_COOKIE = "th_tz"


def reader_zone(request: Request) -> str | None:
    value = unquote(request.cookies.get(TZ_COOKIE) or "")
    return value if value in TIMEZONES else None


@dataclass(frozen=True)
class When:
    """What the time macro (_macros/time.html) shows: the moment in its zone, and in the
    reader's when the server knows it and it differs (the script adds it otherwise)."""

    iso: str
    zone: str
    style: str
    text: str
    reader_zone: str | None
    reader_text: str | None


def when(value: datetime, zone: str | None = None, style: str = "datetime") -> When:
    if style not in i18n.WHEN_STYLES:
        raise ValueError(style)
    zone = zone or "UTC"
    text = i18n.format_when(value, zone, style)
    reader = _reader_zone.get()
    reader_text = None
    if reader and reader != zone:
        reader_text = i18n.format_when(value, reader, style)
        if reader_text == text:  # a date that is the same day in both zones
            reader_text = None
    return When(
        iso=value.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        zone=zone,
        style=style,
        text=text,
        reader_zone=reader,
        reader_text=reader_text,
    )


def when_text(value: datetime, zone: str | None = None, style: str = "datetime") -> str:
    """The same as plain text, for a moment inside a sentence."""
    found = when(value, zone, style)
    if found.reader_text is None:
        return found.text
    return f"{found.text}; {i18n.gettext('Your time:')} {found.reader_text}"


def _person_name(value: Any) -> Any:
    """A deleted account's stored name, in the reader's language; anything else as it is."""
    if isinstance(value, str) and value == DELETED_NAME:
        return i18n.gettext(DELETED_NAME)
    return value


def _names_in_messages(env: Environment) -> None:
    """Names passed into a sentence (`_("By %(name)s", name=…)`) are translated as printed
    ones are (the environment's finalize does those)."""
    for key in ("gettext", "ngettext", "pgettext"):
        inner = env.globals[key]

        def wrapped(__context: Context, *args: Any, __inner: Any = inner, **variables: Any) -> Any:
            named = {k: _person_name(v) for k, v in variables.items()}
            return __inner(__context, *args, **named)

        env.globals[key] = pass_context(wrapped)


@cache
def environment() -> Environment:
    settings = get_settings()
    cache_dir = Path(settings.upload_dir).parent / "jinja-cache"
    bytecode_cache = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # The compiled code depends on the environment too (finalize is compiled in), which
        # the cache's checksum of the source does not see: a new pattern for a new environment.
        bytecode_cache = FileSystemBytecodeCache(str(cache_dir), pattern="__th_finalize_%s.cache")
    except OSError:
        bytecode_cache = None
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        auto_reload=settings.debug,
        bytecode_cache=bytecode_cache,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_person_name,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.translate,  # a label marked with NC_ keeps its context
        lambda s, p, n: i18n.translations(i18n.get_locale()).ngettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, m: i18n.translations(i18n.get_locale()).pgettext(c, m),
    )
    _names_in_messages(env)
    env.globals.update(
        LOCALES=i18n.LOCALES,
        LOCALE_NAMES=i18n.LOCALE_NAMES,
        CSRF_FIELD=CSRF_FIELD,
        perm=permissions,
        language_name=i18n.language_name,
        country_name=i18n.country_name,
        format_number=i18n.format_number,
        get_locale=i18n.get_locale,
        time_parts=when,
        when_text=when_text,
        personal=fragments.personal,
    )
    env.filters.update(
        loc=_localized_html,
        loctext=_localized_text,
        locparas=_localized_paragraphs,
        paras=_paragraphs,
        dt=_dt,
        date=_date,
        time=_time,
        number=i18n.format_number,
        stored_html=_stored_html,
    )
    return env


def _lang_url(request: Request, code: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", code))
    # The path only, with its leading slashes collapsed: for `//evil.example/x` the link must
    # stay on this site, not become a protocol-relative address of another one.
    return "/" + request.url.path.lstrip("/") + "?" + urlencode(params)


def is_htmx_partial(request: Request) -> bool:
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-boosted") != "true"
        and headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    partial: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Renders the page; when htmx asks for a fragment and one is named, just the fragment."""
    name = partial if partial and is_htmx_partial(request) else template
    # The reader, or while a copy shared by their role is built, a stand-in whose name and
    # CSRF token are markers that web/fragments.py fills in for each reader.
    user = fragments.viewer(request)
    token = (lambda: fragments.CSRF_MARK) if fragments.filling() else lambda: csrf_token(request)
    ctx = {
        "request": request,
        "user": user,
        "locale": i18n.get_locale(),
        "csrf_token": token,
        "csrf_input": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, token()
        ),
        "lang_url": lambda code: _lang_url(request, code),
        "flash": request.session.pop("flash", None),
        "kept": request.session.pop("kept_form", None),
        **(context or {}),
    }
    # The one place where form errors become the reader's language (services raise ids).
    if isinstance(ctx.get("errors"), Mapping):
        ctx["errors"] = i18n.translate_errors(ctx["errors"])
    _reader_zone.set(reader_zone(request))
    html = environment().get_template(name).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
    response.headers["Vary"] = "HX-Request, Accept-Language, Cookie"
    if user is not None:
        # Personal pages (names, CSRF tokens) must not be kept by any shared cache.
        response.headers["Cache-Control"] = "private, no-store"
    return response


def flash(request: Request, message: str, **params: object) -> None:
    """A one-time notice shown on the next page (e.g. after a redirect)."""
    request.session["flash"] = i18n.gettext(message, **params)


def flash_about(
    request: Request,
    message: str,
    *,
    href: str,
    title: str,
    lines: Sequence[str] = (),
    **params: object,
) -> None:
    """A notice naming the record it is about, with a link to it (a moderator's decision says
    which item it was); `lines` are further message ids, one a line."""
    request.session["flash"] = {
        "text": i18n.gettext(message, **params),
        "href": href,
        "title": title,
        "lines": [i18n.translate(line) for line in lines],
    }


def keep_form(request: Request, key: str, values: Mapping[str, Any], errors: Any) -> None:
    """A small form refused on a page that holds many (a queue's cards): what was typed and
    the errors, in the reader's language, for that page to show on that form after the
    redirect back (render() hands it to the template as `kept`)."""
    request.session["kept_form"] = {
        "key": key,
        "typed": dict(values),
        "errors": i18n.translate_errors(errors),
    }
