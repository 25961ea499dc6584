"""Logged-in pages served from their shared copy before any route runs (web/fragment_hits.py):
what the route would answer, for the same reader, and only while that reader's session holds."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.db import make_engine, open_session
from app.models.users import Role
from app.routers import sessions as sessions_router
from app.services import users
from tests import factories
from tests.conftest import form_token, make_user
from tests.web.test_fragments import _log_in, _masked


def _never(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the route ran for a page its shared copy holds")


@pytest.fixture(params=["inline", "thread"])
def where(request: pytest.FixtureRequest, app: Any) -> str:
    """Both places the small read can run: SQLite's event loop, and a worker thread (always
    the case on PostgreSQL, whose engine has no inline reader)."""
    if request.param == "thread":
        app.state.inline_reads = None
    return str(request.param)


def test_a_stored_page_is_served_without_its_route(
    app: Any, client: TestClient, db: Session, engine: Any, where: str, monkeypatch: Any
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    first, second = (make_user(engine, Role.participant, display_name=n) for n in "AB")
    page = f"/sessions/{session.id}"
    _log_in(client, first.email)
    filled = client.get(page)
    assert filled.status_code == 200
    monkeypatch.setattr(sessions_router, "_session_page", _never)
    _log_in(client, second.email)
    served = client.get(page)
    assert served.status_code == 200
    assert served.headers["cache-control"] == "private, no-store"
    assert served.headers["content-language"] == "en"
    assert _masked(served.text) == _masked(filled.text).replace(">A<", ">B<")


def test_an_ended_session_gets_no_copy(
    app: Any, client: TestClient, db: Session, engine: Any, settings: Any, where: str
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    reader = make_user(engine, Role.participant, display_name="Reader Name")
    page = f"/sessions/{session.id}"
    _log_in(client, reader.email)
    assert "Reader Name" in client.get(page).text
    assert "Reader Name" in client.get(page).text  # from the copy
    other = make_engine(settings.database_url)  # another instance ends every session
    try:
        with open_session(other, write=True) as second:
            users.end_sessions(second, reader.id)
            second.commit()
    finally:
        other.dispose()
    answer = client.get(page)
    assert answer.status_code == 200
    assert "Reader Name" not in answer.text
    assert 'href="/login' in answer.text


def test_a_one_time_message_is_shown_once_and_never_shared(
    app: Any, client: TestClient, db: Session, engine: Any, where: str
) -> None:
    """A flash message belongs to one response: the page carrying it is rendered for its reader
    (not the copy), and the copy never carries it."""
    forum = factories.forum(db)
    session = factories.session(db, forum)
    page = f"/sessions/{session.id}"
    _log_in(client, make_user(engine, Role.participant).email)
    client.get(page)  # the copy for participants
    _log_in(client, make_user(engine, Role.participant, display_name="Ana Souza").email)
    client.get(page)  # served from it
    data = {
        "csrf_token": form_token(client, "/contributions/new"),
        "forum_id": str(forum.id),
        "language": "en",
        "title": "Night buses",
        "body": "Ten letters at least.",
    }
    assert client.post("/contributions/new", data=data, follow_redirects=False).status_code == 303
    notice = "Thank you: your proposal is published."
    welcomed = client.get(page).text
    assert notice in welcomed
    after = client.get(page).text
    assert notice not in after
    assert "Ana Souza" in after


def test_a_reader_finding_the_loop_connection_in_use_takes_the_pool(
    app: Any, client: TestClient, db: Session, engine: Any
) -> None:
    """Hosts that run several event loops on one app (a test client per thread) must not share
    SQLite's inline connection at once: the second reader reads in a worker thread instead."""
    forum = factories.forum(db)
    session = factories.session(db, forum)
    reader = make_user(engine, Role.participant, display_name="Busy Reader")
    _log_in(client, reader.email)
    inline = app.state.inline_reads
    if inline is None:
        pytest.skip("no inline reader on this database")
    page = f"/sessions/{session.id}"
    assert "Busy Reader" in client.get(page).text
    with inline.busy:
        assert "Busy Reader" in client.get(page).text  # the copy, read through the pool
        assert client.get("/api/v1/auth/me").json()["display_name"] == "Busy Reader"
