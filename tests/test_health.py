"""Liveness (/healthz) and readiness (/readyz)."""

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.db import make_engine

GONE = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"


def test_healthz_answers_without_the_database(app: Any, client: TestClient) -> None:
    """Finding 25: /healthz was a plain def endpoint querying the database in the request
    thread pool: a slow database made every instance look dead at once."""
    app.state.engine = make_engine(GONE)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_database_reachable_and_migrated(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "head"}


def test_readyz_is_503_when_the_database_is_gone(app: Any, client: TestClient) -> None:
    app.state.engine = make_engine(GONE)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_readyz_is_503_when_migrations_are_behind(client: TestClient, engine: Engine) -> None:
    with engine.begin() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    try:
        response = client.get("/readyz")
    finally:
        # On PostgreSQL a worker's database outlives the test, and the truncation between
        # tests leaves alembic_version alone: without this, every later /readyz there is 503.
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert response.status_code == 503
    assert response.json()["migrations"] == "behind"


def test_readyz_gives_up_on_a_slow_database_in_bounded_time(
    app: Any, client: TestClient, monkeypatch: Any
) -> None:
    from app.routers import health

    monkeypatch.setattr(health, "_check", lambda engine: time.sleep(3) or {})
    app.state.settings.readiness_timeout_s = 0.5
    start = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "timeout"
    assert time.monotonic() - start < 1.5
