"""Anonymous readers get stored pages, but never a page older than the data, on any instance."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.main import create_app
from app.models.users import Role
from tests import factories


def _cache(app: Any) -> Any:
    """The PageCacheMiddleware instance in the app's middleware stack."""
    layer = app.middleware_stack
    while layer is not None and type(layer).__name__ != "PageCacheMiddleware":
        layer = getattr(layer, "app", None)
    assert layer is not None
    return layer


def test_anonymous_page_is_served_from_the_cache_until_data_changes(
    app: Any, client: TestClient, db: Session, login_as: Any, settings: Any
) -> None:
    forum = factories.forum(db)
    first = client.get(f"/forums/{forum.id}")
    cache = _cache(app)
    assert len(cache.entries) == 1
    assert client.get(f"/forums/{forum.id}").text == first.text

    with TestClient(create_app(settings)) as other_instance:
        from tests.conftest import csrf_header

        login = other_instance.post(
            "/api/v1/auth/login",
            json={"email": login_as(Role.secretariat).email, "password": "correct horse battery"},
            headers=csrf_header(other_instance),
        )
        assert login.status_code == 200
        client.cookies.clear()
        client.headers.pop("X-CSRF-Token", None)
        renamed = other_instance.put(
            f"/api/v1/forums/{forum.id}",
            json={"kind": "event", "title": {"en": "Renamed on another instance"}},
            headers=csrf_header(other_instance),
        )
        assert renamed.status_code == 200, renamed.text

    assert "Renamed on another instance" in client.get(f"/forums/{forum.id}").text


def test_each_language_and_time_zone_has_its_own_copy(client: TestClient, db: Session) -> None:
    session = factories.session(db, factories.forum(db))
    english = client.get(f"/sessions/{session.id}").text
    spanish = client.get(f"/sessions/{session.id}", headers={"Accept-Language": "es"}).text
    assert '<html lang="en">' in english
    assert '<html lang="es">' in spanish
    client.cookies.set("th_tz", "Asia/Seoul")
    assert "Your time:" in client.get(f"/sessions/{session.id}").text


def test_logged_in_pages_and_pages_with_forms_are_never_stored(
    app: Any, client: TestClient, login_as: Any
) -> None:
    client.get("/login")  # a form: starts a session for its CSRF token
    assert _cache(app).entries == {}
    user = login_as(Role.participant, display_name="Colin Rajah")
    page = client.get("/forums")
    assert "Colin Rajah" in page.text
    assert _cache(app).entries == {}
    assert user.id


def test_failed_logins_do_not_invalidate_pages(app: Any, client: TestClient, db: Session) -> None:
    from tests.conftest import form_token

    forum = factories.forum(db)
    anonymous = TestClient(app)
    anonymous.get(f"/forums/{forum.id}")
    version = next(iter(_cache(app).entries.values()))[0]
    client.post(
        "/login",
        data={
            "csrf_token": form_token(client),
            "email": "x@example.org",
            "password": "wrong password",
        },
    )
    from app.web.pagecache import current_version

    assert current_version(app.state.engine) == version


def test_logging_in_and_out_do_not_invalidate_pages(
    app: Any, client: TestClient, db: Session, login_as: Any
) -> None:
    """A crowd logging in at the start of a live session must not empty every page cache."""
    from app.web.pagecache import current_version
    from tests.conftest import PASSWORD, form_token, logout

    forum = factories.forum(db)
    user = login_as(Role.participant)
    logout(client)
    anonymous = TestClient(app)
    anonymous.get(f"/forums/{forum.id}")
    version = next(iter(_cache(app).entries.values()))[0]
    login = client.post(
        "/login",
        data={
            "csrf_token": form_token(client),
            "email": user.email,
            "password": PASSWORD,
        },
        follow_redirects=False,
    )
    assert login.status_code == 303
    assert client.get("/account").status_code == 200
    assert current_version(app.state.engine) == version
    assert client.post("/logout", data={"csrf_token": form_token(client, "/account")}).is_success
    assert current_version(app.state.engine) == version


def test_edits_and_deletes_by_staff_reach_anonymous_readers_at_once(
    app: Any, client: TestClient, db: Session, login_as: Any
) -> None:
    """The writer is already logged in, so nothing but the edit itself can invalidate."""
    forum = factories.forum(db, title={"en": "Before the edit"})
    login_as(Role.secretariat)
    anonymous = TestClient(app)
    assert "Before the edit" in anonymous.get(f"/forums/{forum.id}").text
    edited = client.put(
        f"/api/v1/forums/{forum.id}", json={"kind": "event", "title": {"en": "After the edit"}}
    )
    assert edited.status_code == 200
    assert "After the edit" in anonymous.get(f"/forums/{forum.id}").text
    assert client.delete(f"/api/v1/forums/{forum.id}").status_code == 204
    assert anonymous.get(f"/forums/{forum.id}").status_code == 404


def test_htmx_history_restore_gets_a_whole_page_without_spoiling_partials(
    client: TestClient, db: Session
) -> None:
    factories.speaker(db, "Gerald Leitner")
    restore = client.get(
        "/speakers", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text
    partial = client.get("/speakers", headers={"HX-Request": "true"})
    assert "<html" not in partial.text


def test_a_dropped_version_connection_is_reopened(
    app: Any, client: TestClient, db: Session
) -> None:
    forum = factories.forum(db)
    assert client.get(f"/forums/{forum.id}").status_code == 200
    reader = app.state.versions
    assert reader.conn is not None
    reader.conn.invalidate()  # as after a database restart
    assert client.get(f"/forums/{forum.id}").status_code == 200
    assert client.get(f"/forums/{forum.id}").status_code == 200
    assert reader.conn is not None


def test_a_slow_change_counter_read_does_not_freeze_the_instance(
    app: Any, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 22: the counter was read on the event loop, so a 5 s lock on change_counter
    made /healthz take 4.3 s. Now the read runs in a thread of its own."""
    import threading
    import time

    forum = factories.forum(db)
    reader = app.state.versions
    read = reader.read

    def slow_read() -> int:
        time.sleep(1.5)
        return read()

    monkeypatch.setattr(reader, "read", slow_read)
    page = threading.Thread(target=client.get, args=(f"/forums/{forum.id}",))
    page.start()
    time.sleep(0.2)
    start = time.monotonic()
    assert client.get("/healthz").status_code == 200
    took = time.monotonic() - start
    page.join()
    assert took < 0.8, f"/healthz waited {took:.1f} s for the page cache's read"
