"""Registering, logging in and out, throttling, invitations."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.models.users import Role
from tests.conftest import PASSWORD, csrf_header, form_token, logout, make_user


def _login_form(client: TestClient, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {"csrf_token": form_token(client), "email": email, "password": password} | extra
    return client.post("/login", data=data, follow_redirects=False)


def test_participant_registers_then_logs_in(client: TestClient) -> None:
    page = client.get("/register")
    token = form_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "display_name": "Ana Souza",
            "email": "Ana@Example.org",
            "password": "a long enough password",
            "locale": "pt",
            "accept_privacy": "true",
        },
        follow_redirects=False,
    )
    assert page.status_code == 200
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    # Not logged in by registering: that would tell a new address from one with an account.
    assert client.get("/api/v1/auth/me").status_code == 401
    assert "ana@example.org" in client.get("/login").text
    logged_in = _login_form(client, "ana@example.org", "a long enough password")
    assert logged_in.status_code == 303
    assert "Ana Souza" in client.get("/").text
    assert client.cookies.get("th_lang") == "pt"
    me = client.get("/api/v1/auth/me").json()
    assert me["role"] == "participant"


def test_registration_errors_keep_what_was_typed_except_the_password(client: TestClient) -> None:
    response = client.post(
        "/register",
        data={
            "csrf_token": form_token(client, "/register"),
            "display_name": "Ana",
            "email": "not-an-email",
            "password": "short",
        },
    )
    assert response.status_code == 422
    assert "Enter a valid e-mail address." in response.text
    assert "Enter at least 10 characters." in response.text
    assert 'value="not-an-email"' in response.text
    assert 'value="short"' not in response.text


def test_login_and_logout(client: TestClient, engine: Engine) -> None:
    user = make_user(engine, Role.participant, display_name="Elana Wong")
    response = _login_form(client, user.email.upper(), PASSWORD, next="/caucuses")
    assert response.status_code == 303
    assert response.headers["location"] == "/caucuses"
    cookie = response.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "Elana Wong" in client.get("/").text
    token = form_token(client, "/")
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "You have logged out." in out.text
    assert "Elana Wong" not in out.text


def test_login_never_redirects_off_site(client: TestClient, engine: Engine) -> None:
    user = make_user(engine, Role.participant)
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil",
        "/%0d%0aSet-Cookie:x=1\r\n",
    ):
        response = _login_form(client, user.email, PASSWORD, next=target)
        assert response.headers["location"] == "/"
        client.cookies.clear()


def test_unknown_account_and_wrong_password_look_the_same(
    client: TestClient, engine: Engine
) -> None:
    user = make_user(engine, Role.participant)
    wrong = _login_form(client, user.email, "not the password")
    unknown = _login_form(client, "nobody@example.org", "not the password")
    assert wrong.status_code == unknown.status_code == 401

    def main_text(html: str, email: str) -> str:
        body = html.split("<main", 1)[1].split("</main>", 1)[0].replace(email, "EMAIL")
        return re.sub(r'name="csrf_token" value="[^"]+"', "", body)

    assert main_text(wrong.text, user.email) == main_text(unknown.text, "nobody@example.org")
    assert "The e-mail address or password is not correct." in wrong.text
    api_wrong = client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": "x"},
        headers=csrf_header(client),
    )
    api_unknown = client.post(
        "/api/v1/auth/login",
        json={"email": "no@example.org", "password": "x"},
        headers=csrf_header(client),
    )
    assert api_wrong.status_code == api_unknown.status_code == 401
    assert api_wrong.json()["detail"] == api_unknown.json()["detail"]


def test_repeated_failures_on_an_account_are_throttled(client: TestClient, engine: Engine) -> None:
    user = make_user(engine, Role.participant)
    for _ in range(5):
        assert _login_form(client, user.email, "wrong password").status_code == 401
    blocked = _login_form(client, user.email, PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many attempts" in blocked.text
    api = client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers=csrf_header(client),
    )
    assert api.status_code == 429
    assert "Retry-After" in api.headers


def test_throttle_counts_per_ip_across_accounts(client: TestClient, engine: Engine) -> None:
    for i in range(20):
        _login_form(client, f"guess{i}@example.org", "wrong password")
    user = make_user(engine, Role.participant)
    assert _login_form(client, user.email, PASSWORD).status_code == 429


def test_throttle_is_shared_by_every_app_instance(
    client: TestClient,
    engine: Engine,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    from app.main import create_app

    user = make_user(engine, Role.participant)
    for _ in range(5):
        _login_form(client, user.email, "wrong password")
    with TestClient(create_app(settings)) as second_instance:
        response = _login_form(second_instance, user.email, PASSWORD)
    assert response.status_code == 429


def test_invited_person_sets_a_password_and_gets_the_role(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.secretariat)
    caucuses = client.get("/api/v1/caucuses").json()
    youth = next(c["id"] for c in caucuses if c["code"] == "youth")
    invitation = client.post(
        "/api/v1/invitations",
        json={
            "email": "elana@example.org",
            "role": "caucus_rep",
            "caucus_ids": [youth],
        },
    )
    assert invitation.status_code == 201, invitation.text
    accept_url = invitation.json()["accept_url"]
    path = accept_url.split("testserver")[1]
    logout(client)
    page = client.get(path)
    assert "elana@example.org" in page.text
    token = form_token(client, path)
    done = client.post(
        path,
        data={
            "csrf_token": token,
            "display_name": "Elana Wong",
            "password": "a long enough password",
            "accept_privacy": "true",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/api/v1/auth/me").json()["role"] == "caucus_rep"
    logout(client)
    assert client.get(path).status_code == 404  # used once


def test_secretariat_cannot_make_admins_but_admins_can(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.secretariat)
    refused = client.post("/api/v1/invitations", json={"email": "x@example.org", "role": "admin"})
    assert refused.status_code == 403
    login_as(Role.admin)
    allowed = client.post("/api/v1/invitations", json={"email": "x@example.org", "role": "admin"})
    assert allowed.status_code == 201


def test_invitation_still_works_after_its_caucus_was_deleted(
    client: TestClient,
    login_as,  # type: ignore[no-untyped-def]
) -> None:
    login_as(Role.admin)
    caucus = client.post("/api/v1/caucuses", json={"code": "migrants", "name": {"en": "M"}}).json()
    invitation = client.post(
        "/api/v1/invitations",
        json={
            "email": "rep@example.org",
            "role": "caucus_rep",
            "caucus_ids": [caucus["id"]],
        },
    ).json()
    assert client.delete(f"/api/v1/caucuses/{caucus['id']}").status_code == 204
    path = invitation["accept_url"].split("testserver")[1]
    logout(client)
    token = form_token(client, path)
    done = client.post(
        path,
        data={
            "csrf_token": token,
            "display_name": "Rep",
            "password": "a long enough password",
            "accept_privacy": "true",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_personal_pages_are_not_kept_by_shared_caches(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    assert "no-store" not in client.get("/forums").headers.get("cache-control", "")
    login_as(Role.participant)
    assert client.get("/forums").headers["cache-control"] == "private, no-store"


# -- throttling per account and address (issue 9, findings 9 and 20) -------------------------


def _login_from(client: TestClient, ip: str, email: str, password: str) -> int:
    data = {"csrf_token": form_token(client), "email": email, "password": password}
    headers = {"X-Forwarded-For": ip}  # as a proxy in front of the app says
    return client.post("/login", data=data, headers=headers, follow_redirects=False).status_code


def test_failures_from_another_address_do_not_lock_the_owner_out(
    app, engine: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "trust_forwarded_for", True)
    user = make_user(engine, Role.participant)
    with TestClient(app) as attacker, TestClient(app) as owner:
        codes = [_login_from(attacker, "203.0.113.9", user.email, "guess") for _ in range(8)]
        assert codes[:5] == [401] * 5
        assert set(codes[5:]) == {429}
        assert _login_from(owner, "198.51.100.7", user.email, PASSWORD) == 303


def test_the_wait_grows_with_each_failure_after_the_lock(
    client: TestClient, engine: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from app.services import ratelimit

    now = [1_900_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    user = make_user(engine, Role.participant)
    for _ in range(5):
        assert _login_form(client, user.email, "wrong password").status_code == 401
    first = _login_form(client, user.email, "wrong password")
    assert first.status_code == 429
    wait = int(first.headers["Retry-After"])
    now[0] += wait + 1
    assert _login_form(client, user.email, "wrong password").status_code == 401
    second = _login_form(client, user.email, PASSWORD)
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) >= 2 * wait - 1
    now[0] += int(second.headers["Retry-After"]) + 1
    assert _login_form(client, user.email, PASSWORD).status_code == 303


def test_simultaneous_wrong_passwords_are_counted_before_the_slow_hash(
    client: TestClient, engine: Engine, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import time
    from concurrent.futures import ThreadPoolExecutor

    from app import security
    from app.services import users

    slow = security.verify_password

    def slow_verify(password: str, password_hash: str | None) -> bool:
        time.sleep(0.2)  # argon2 at production cost: the window the old check-then-count left
        return slow(password, password_hash)

    monkeypatch.setattr(users, "verify_password", slow_verify)
    user = make_user(engine, Role.participant)
    headers = csrf_header(client)

    def attempt(_: int) -> int:
        body = {"email": user.email, "password": "wrong password"}
        return client.post("/api/v1/auth/login", json=body, headers=headers).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(attempt, range(24)))
    assert codes.count(401) == 5
    assert codes.count(429) == 19
