"""Connection-level database failures: a 503 the client may retry, one log line."""

import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import make_engine
from app.main import create_app

REFUSED_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.mark.parametrize("path", ["/api/v1/forums", "/forums"])
def test_a_refused_database_connection_is_a_503_with_retry_after_and_one_log_line(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Finding 21: during an outage, a refused connection answered 500 with a traceback."""
    settings = Settings(database_url=REFUSED_URL, db_connect_timeout_s=1, page_cache=False)
    engine = make_engine(REFUSED_URL, settings=settings)
    client = TestClient(create_app(settings, engine), raise_server_exceptions=False)
    with caplog.at_level(logging.INFO, logger="townhall"):
        response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    lines = [r for r in caplog.records if r.name == "townhall" and r.levelno >= logging.WARNING]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].exc_info is None, "no traceback per request"


@pytest.mark.parametrize(
    "message",
    [
        "connection failed: FATAL:  sorry, too many clients already",
        "consuming input failed: server closed the connection unexpectedly",
        "terminating connection due to administrator command",
    ],
)
def test_other_connection_level_failures_are_503_too(app: Any, message: str) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise OperationalError("SELECT 1", {}, Exception(message))

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom")
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def test_a_programming_error_stays_a_500(app: Any) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise OperationalError("SELECT nope", {}, Exception("no such table: nope"))

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500


def test_a_record_deleted_between_dependency_and_endpoint_is_a_404(app: Any, db: Any) -> None:
    """A write request's dependency found the record; another request deleted it before the
    endpoint read it again (db.hands_back expired it): for this request it is gone."""
    from sqlalchemy import inspect as state_of
    from sqlalchemy.orm.exc import ObjectDeletedError

    from tests import factories

    forum = factories.forum(db)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise ObjectDeletedError(state_of(forum))

    response = TestClient(app, raise_server_exceptions=False).get("/api/v1/boom")
    assert response.status_code == 404
    assert response.json()["status"] == 404
