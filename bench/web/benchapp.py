"""The app under benchmark: the real Town Hall with demo data, plus two reference routes.

The factory ``create_bench_app`` is what uvicorn serves (``--factory``). It builds the real
application exactly as production does (``create_app(settings, engine)`` on a migrated SQLite
file holding the demo data) and mounts, only here, two reference routes of the same response size
as the session page:

``/_bench/static``
    framework ceiling: a pre-built HTML string returned as ``HTMLResponse`` from an ``async def``
    route of a bare Starlette app dispatched to *before* Town Hall's middleware, so the ceiling
    includes none of our costs (security headers, session, locale, page cache).
``/_bench/template``
    template ceiling: a minimal Jinja2 template with its own tiny ``Environment`` (autoescape on,
    in-memory ``DictLoader``, compiled once) rendering in-memory rows, also from an ``async def``
    route of the same bare app. No database, no i18n, no Babel formatting, no thread-pool hop.

Configuration comes from environment variables (``run.py`` sets them for the server process):
``TOWNHALL_DATABASE_URL`` (a SQLite URL; migrated and loaded with demo data if the file does not
exist yet), ``TOWNHALL_SECRET_KEY``, ``TOWNHALL_UPLOAD_DIR`` (the Jinja bytecode cache lives next
to it) and optionally ``BENCH_TARGET_BYTES`` (otherwise the session page is rendered once
in-process to measure it).

The module is not called ``app.py`` so that it cannot shadow the ``app`` package when its folder
is on ``sys.path``.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi import FastAPI  # noqa: E402
from fastapi.responses import HTMLResponse  # noqa: E402
from jinja2 import DictLoader, Environment, Template  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.types import ASGIApp, Receive, Scope, Send  # noqa: E402

SESSION_PATH = "/sessions/2"
FORUMS_PATH = "/forums"
STATIC_PATH = "/_bench/static"
TEMPLATE_PATH = "/_bench/template"
SECRET_KEY = "bench-only-secret-key-not-for-production"  # noqa: S105

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }} · Town Hall</title>
<link rel="stylesheet" href="/static/css/townhall.css"></head>
<body>
<main id="main" class="wrap">
<h1>{{ title }}</h1>
<ol class="agenda">
{% for row in rows %}
<li id="segment-{{ row.id }}"><p class="when"><time>{{ row.time }}</time> · {{ row.minutes }} \
minutes</p><h3>{{ row.title }}</h3><p>{{ row.text }}</p><ul class="speakers">\
{% for s in row.speakers %}<li><a href="/speakers/{{ s.id }}">{{ s.name }}</a> — {{ s.org }}\
</li>{% endfor %}</ul></li>
{% endfor %}
</ol>
<p class="hint">{{ footer }}</p>
</main>
</body>
</html>
"""


@dataclass(frozen=True)
class Speaker:
    id: int
    name: str
    org: str


@dataclass(frozen=True)
class Row:
    id: int
    time: str
    minutes: int
    title: str
    text: str
    speakers: tuple[Speaker, ...]


def _rows(n: int) -> list[Row]:
    return [
        Row(
            id=i,
            time=f"{9 + i // 4:02d}:{(i % 4) * 15:02d}",
            minutes=15,
            title=f"Segment {i}: care systems & local governments <{i}>",
            text=(
                "Local and regional governments share how they organise care services, "
                f"who pays for them and what citizens ask of them (item {i})."
            ),
            speakers=tuple(
                Speaker(id=10 * i + k, name=f"Speaker {i}.{k}", org="Cities Alliance")
                for k in range(3)
            ),
        )
        for i in range(n)
    ]


@dataclass
class TemplateReference:
    """The template ceiling: one compiled template and the in-memory rows it renders."""

    template: Template
    rows: list[Row]
    footer: str = ""

    def render(self) -> str:
        return self.template.render(title="Reference page", rows=self.rows, footer=self.footer)


def template_reference(target_bytes: int) -> TemplateReference:
    """Rows (~0.65 KB each) up to ``target_bytes``, then a plain footer to match it exactly."""
    env = Environment(loader=DictLoader({"page.html": _PAGE}), autoescape=True)
    template = env.get_template("page.html")
    n = 1
    while len(TemplateReference(template, _rows(n + 1)).render().encode()) <= target_bytes:
        n += 1
    ref = TemplateReference(template, _rows(n))
    missing = max(0, target_bytes - len(ref.render().encode()))
    ref.footer = ("Reference footer. " * (missing // 18 + 1))[:missing]
    return ref


def static_page(target_bytes: int) -> str:
    """An HTML page of exactly ``target_bytes`` bytes (ASCII)."""
    head = "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>Static</title>"
    head += "</head><body><main>\n"
    tail = "</main></body></html>\n"
    line = "<p>Static reference page of the same size as the session page.</p>\n"
    body_len = max(0, target_bytes - len(head) - len(tail))
    body = (line * (body_len // len(line) + 1))[:body_len]
    return head + body + tail


def prepare_database(url: str) -> None:
    """Migrates the SQLite database at ``url`` and loads the demo data (idempotent)."""
    from app import demo
    from app.cli import db_upgrade
    from app.db import make_engine, open_session

    db_upgrade(url)
    engine = make_engine(url)
    try:
        with open_session(engine, write=True) as db:
            demo.load(db)
    finally:
        engine.dispose()


def measure(app: FastAPI, path: str) -> int:
    """The body size of one anonymous GET, rendered in-process (no lifespan)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's notice about httpx vs httpx2
        from starlette.testclient import TestClient

    response = TestClient(app, base_url="http://127.0.0.1").get(path)
    response.raise_for_status()
    return len(response.content)


def reference_app(target_bytes: int) -> Starlette:
    """A bare Starlette app serving the two reference routes."""
    static_body = static_page(target_bytes).encode()
    ref = template_reference(target_bytes)

    async def bench_static(_request: Request) -> HTMLResponse:
        return HTMLResponse(static_body)

    async def bench_template(_request: Request) -> HTMLResponse:
        return HTMLResponse(ref.render())

    return Starlette(
        routes=[Route(STATIC_PATH, bench_static), Route(TEMPLATE_PATH, bench_template)]
    )


class Dispatch:
    """Sends /_bench/ to the bare reference app and everything else to Town Hall."""

    def __init__(self, real: ASGIApp, references: ASGIApp) -> None:
        self.real = real
        self.references = references

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/_bench/"):
            await self.references(scope, receive, send)
        else:
            await self.real(scope, receive, send)


def create_bench_app() -> Dispatch:
    """The uvicorn factory: the real app on the benchmark database, plus the references."""
    from app.config import Settings
    from app.db import make_engine
    from app.main import create_app

    url = os.environ.get("TOWNHALL_DATABASE_URL", "")
    if not url.startswith("sqlite:///"):
        raise SystemExit("TOWNHALL_DATABASE_URL must name the benchmark's SQLite file")
    if not Path(url.removeprefix("sqlite:///")).exists():
        prepare_database(url)
    settings = Settings(
        database_url=url, secret_key=os.environ.get("TOWNHALL_SECRET_KEY", SECRET_KEY)
    )
    app = create_app(settings, make_engine(url))
    target = int(os.environ.get("BENCH_TARGET_BYTES") or 0) or measure(app, SESSION_PATH)
    return Dispatch(app, reference_app(target))
