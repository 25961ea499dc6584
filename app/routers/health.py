"""Liveness and readiness, for load balancers and orchestrators.

`/healthz` says the process answers: async, no database, no worker thread, so a slow database
or a jammed thread pool never makes every instance look dead at once. `/readyz` says it can
serve: the database answers within a timeout and its schema is at the newest migration.
"""

from functools import cache

import anyio
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.config import PROJECT_ROOT, Settings

pages = APIRouter(tags=["health"])
# Readiness checks get threads of their own: they never queue behind request handlers, and a
# stuck database holds at most these.
_checks = anyio.CapacityLimiter(2)


@cache
def _heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads())


def _check(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        current = frozenset(MigrationContext.configure(conn).get_current_heads())
    return {"database": "ok", "migrations": "head" if current == _heads() else "behind"}


@pages.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@pages.get(
    "/readyz",
    include_in_schema=False,
    responses={503: {"description": "Database unreachable or not migrated"}},
)
async def readyz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    try:
        with anyio.fail_after(settings.readiness_timeout_s):
            state = await anyio.to_thread.run_sync(
                _check, request.app.state.engine, abandon_on_cancel=True, limiter=_checks
            )
    except TimeoutError:
        state = {"database": "timeout"}
    except SQLAlchemyError:
        state = {"database": "unreachable"}
    ready = state.get("migrations") == "head"
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **state}, status_code=200 if ready else 503
    )
