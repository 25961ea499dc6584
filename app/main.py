"""create_app(): the ASGI application with its routers, middleware, static files and errors."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import BaseRoute

from app.config import Settings, get_settings, require_secret_key
from app.db import make_engine, open_session
from app.routers import (
    auth,
    caremap,
    caucuses,
    contributions,
    forums,
    health,
    home,
    live,
    minutes,
    moderation,
    policy,
    privacy,
    sessions,
    speakers,
    styleguide,
    timekeeping,
    users,
)
from app.security import verify_csrf
from app.services import outbox, ratelimit
from app.services.caucuses import ensure_defaults
from app.web import errors
from app.web.fragment_hits import FragmentHitMiddleware
from app.web.middleware import (
    BodyLimitMiddleware,
    LoadShedMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from app.web.pagecache import PageCacheMiddleware, VersionReader, ensure_counter, track_changes
from app.web.readers import inline_reads_for
from app.web.urls import allowed_hosts
from app.web.validation import EmptyQueryValuesMiddleware, document_empty_query_values

log = logging.getLogger("townhall")
STATIC_DIR = Path(__file__).parent / "static"
ROUTER_MODULES = (
    health,
    home,
    auth,
    users,
    forums,
    sessions,
    speakers,
    caucuses,
    contributions,
    moderation,
    live,
    timekeeping,
    minutes,
    policy,
    caremap,
    privacy,
    styleguide,
)


@cache
def _routes() -> tuple[BaseRoute, ...]:
    """Every router's routes, included once per process and shared by every app built in it.
    FastAPI builds an included route's handler (its dependency tree and validation models) when
    an app first walks past it, so that a new app pays for most of the ~300 routes on its first
    requests: in the test suite, which builds an app for each test, that was 40% of the time.
    The CSRF check is every route's first dependency (security.verify_csrf). The shared routes
    belong to no app, so `app.dependency_overrides` is not consulted: nothing here uses it."""
    router = APIRouter(dependencies=[Depends(verify_csrf)])
    for module in ROUTER_MODULES:
        for name in ("pages", "api", "exports"):  # exports: files in the schema (minutes.docx)
            if hasattr(module, name):
                router.include_router(getattr(module, name))
    return tuple(router.routes)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    # Here and not only in `townhall serve`: `uvicorn --factory app.main:create_app` and any other
    # host must not sign sessions with the public built-in key either.
    secret_key = require_secret_key(settings)
    engine = engine or make_engine(settings.database_url, settings=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with open_session(engine, write=True) as db:
            ensure_defaults(db)
            ensure_counter(db)
            ratelimit.purge_old(db)
            db.commit()
        # A few worker threads per core, sized with the pool (config.Settings.db_pool_size): more
        # threads only contend for the GIL, or wait for a connection.
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # Everything built at start-up (routes, templates, catalogues) lives as long as the
        # process: moving it out of the collector's sight makes each full collection, and the
        # latency spike it causes under load, much shorter.
        versions = app.state.versions = VersionReader(engine, timeout_s=settings.db_pool_timeout_s)
        # E-mails enqueued by requests are delivered by this thread, after their commit.
        sender = outbox.Sender(engine, settings)
        sender.start()
        gc.collect()
        gc.freeze()
        yield
        sender.stop()
        versions.close()
        if app.state.inline_reads is not None:
            app.state.inline_reads.close()
        # Requests after this lifespan (another test client of the same app) read in a thread.
        if app.state.versions is versions:
            app.state.versions = None

    app = FastAPI(
        title="Town Hall",
        version="0.1.0",
        summary="Participatory consultation: forums, sessions, caucuses, contributions, policy",
        # The interactive docs pages load scripts from a CDN, which our CSP and network forbid;
        # the schema itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.inline_reads = inline_reads_for(engine)
    app.state.settings = settings

    # Outermost last: headers wrap everything, then the session, then the language, and the
    # page cache innermost so that it sees both (see app/web/pagecache.py).
    track_changes()
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(LoadShedMiddleware, limit=settings.max_requests_in_flight)
    if settings.page_cache:
        app.add_middleware(FragmentHitMiddleware)
        app.add_middleware(PageCacheMiddleware)
    app.add_middleware(LocaleMiddleware, secure_cookie=settings.secure_cookies)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie="th_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(EmptyQueryValuesMiddleware)  # `?forum_id=` means no filter: validation.py
    document_empty_query_values(app)
    # Unknown Host headers are refused before anything reads them (outermost of all).
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings))

    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.router.routes.extend(_routes())
    return app
