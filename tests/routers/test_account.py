"""Sessions that end on the server, and changing one's password (issue 9, finding 8)."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.models.users import Role, User
from tests.conftest import PASSWORD, csrf_header, form_token, make_user

NEW_PASSWORD = "a brand new passphrase 7"


def _browser(app: Any) -> TestClient:
    return TestClient(app, headers={"Accept-Language": "en"})


def _log_in(browser: TestClient, user: User, password: str = PASSWORD) -> None:
    response = browser.post(
        "/login",
        data={"csrf_token": form_token(browser), "email": user.email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _me(browser: TestClient) -> int:
    return browser.get("/api/v1/auth/me").status_code


@pytest.fixture
def second_instance(settings, app: Any) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """Another app on the same database, as behind a load balancer."""
    from app.db import make_engine
    from app.main import create_app

    other_engine = make_engine(settings.database_url)
    try:
        with _browser(create_app(settings, other_engine)) as other:
            yield other
    finally:
        other_engine.dispose()


def test_a_cookie_replayed_after_logout_is_no_longer_a_session(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine, Role.participant)
    _log_in(client, user)
    stolen = dict(client.cookies)
    assert _me(client) == 200
    client.post("/logout", data={"csrf_token": form_token(client, "/")})
    client.cookies.clear()
    client.cookies.update(stolen)
    assert _me(client) == 401
    assert user.display_name not in client.get("/").text


def test_logout_on_one_instance_ends_the_session_on_another(
    client: TestClient, engine: Engine, second_instance: TestClient
) -> None:
    user = make_user(engine, Role.participant)
    _log_in(client, user)
    second_instance.cookies.update(dict(client.cookies))
    assert _me(second_instance) == 200
    response = client.post("/api/v1/auth/logout", headers=csrf_header(client))
    assert response.status_code == 204
    assert _me(second_instance) == 401


def test_logout_ends_only_that_session(client: TestClient, engine: Engine, app: Any) -> None:
    user = make_user(engine, Role.participant)
    with _browser(app) as phone:
        _log_in(client, user)
        _log_in(phone, user)
        client.post("/logout", data={"csrf_token": form_token(client, "/")})
        assert _me(client) == 401
        assert _me(phone) == 200


def test_changing_the_password_ends_every_other_session(
    client: TestClient, engine: Engine, second_instance: TestClient
) -> None:
    user = make_user(engine, Role.participant)
    _log_in(second_instance, user)  # another browser, on another instance
    _log_in(client, user)
    page = client.get("/account")
    assert page.status_code == 200
    assert "Change password" in page.text
    response = client.post(
        "/account/password",
        data={
            "csrf_token": form_token(client, "/account"),
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Your password has been changed" in client.get(response.headers["location"]).text
    assert _me(client) == 200  # this browser stays logged in, with a fresh session
    assert _me(second_instance) == 401
    with _browser(second_instance.app) as fresh:
        bad = fresh.post(
            "/login",
            data={"csrf_token": form_token(fresh), "email": user.email, "password": PASSWORD},
        )
        assert bad.status_code == 401
        _log_in(fresh, user, NEW_PASSWORD)


def test_the_current_password_is_needed_to_change_it(client: TestClient, engine: Engine) -> None:
    user = make_user(engine, Role.participant)
    _log_in(client, user)
    response = client.post(
        "/account/password",
        data={
            "csrf_token": form_token(client, "/account"),
            "current_password": "not my password",
            "new_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "Your current password is not correct." in response.text
    api = client.put(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=csrf_header(client),
    )
    assert api.status_code == 422
    ok = client.put(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=csrf_header(client),
    )
    assert ok.status_code == 204
    assert _me(client) == 200


def test_the_account_page_needs_a_login(client: TestClient) -> None:
    response = client.get("/account", follow_redirects=False)
    assert response.status_code in (303, 401)


def test_deactivating_an_account_ends_its_sessions(
    client: TestClient, engine: Engine, second_instance: TestClient, login_as: Any
) -> None:
    person = make_user(engine, Role.participant)
    _log_in(second_instance, person)
    login_as(Role.secretariat)
    response = client.post(
        f"/users/{person.id}",
        data={"csrf_token": form_token(client, f"/users/{person.id}"), "role": "participant"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _me(second_instance) == 401
    # Reactivated, the old cookie does not come back to life.
    client.post(
        f"/users/{person.id}",
        data={
            "csrf_token": form_token(client, f"/users/{person.id}"),
            "role": "participant",
            "is_active": "on",
        },
    )
    assert _me(second_instance) == 401
