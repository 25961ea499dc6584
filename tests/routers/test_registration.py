"""Registration that a script cannot abuse (issue 9: findings 7, 12, 14 and 23)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PG_URL, csrf_header, form_token


def _register(client: TestClient, **fields: str):  # type: ignore[no-untyped-def]
    data = {
        "csrf_token": form_token(client, "/register"),
        "display_name": "Ana Souza",
        "email": "ana@example.org",
        "password": "a long enough password",
        "accept_privacy": "true",
    } | fields
    return client.post("/register", data=data, follow_redirects=False)


@pytest.mark.parametrize("password", ["1234567890", "password123", "qwertyuiop", "iloveyou12"])
def test_common_passwords_are_refused(client: TestClient, password: str) -> None:
    response = _register(client, password=password)
    assert response.status_code == 422
    assert "This password is too common" in response.text


def test_a_password_with_the_name_or_the_address_in_it_is_refused(client: TestClient) -> None:
    by_address = _register(client, email="marisol.quispe@example.org", password="marisol.quispe!")
    by_name = _register(client, display_name="Marisol Quispe", password="quispe and more words")
    for response in (by_address, by_name):
        assert response.status_code == 422
        assert "does not contain your name or e-mail address" in response.text


def test_the_password_message_is_in_the_readers_language(client: TestClient) -> None:
    response = client.post(
        "/register",
        data={
            "csrf_token": form_token(client, "/register"),
            "display_name": "Ana",
            "email": "ana@example.org",
            "password": "1234567890",
            "accept_privacy": "true",
        },
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 422
    assert "Esta contraseña es demasiado común" in response.text


@pytest.mark.parametrize(
    "name", ["Demo administrator", "Secretariat", "Admin", "Secretaría del Foro", "ADMINISTRAÇÃO"]
)
def test_names_that_imitate_the_staff_are_reserved(client: TestClient, name: str) -> None:
    response = _register(client, display_name=name)
    assert response.status_code == 422
    assert "reserved for the organisers" in response.text


def test_the_api_refuses_the_same(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": "x@example.org",
            "display_name": "Admin",
            "password": "1234567890",
            "accept_privacy": True,
        },
        headers=csrf_header(client),
    )
    assert response.status_code == 422
    # For the name and the password, not for a missing consent.
    assert "reserved for the organisers" in response.text
    assert "accept_privacy" not in response.text


def test_registration_is_limited_per_address(client: TestClient) -> None:
    codes = [
        _register(client, email=f"person{i}@example.org").status_code
        for i in range(12)
        if not client.cookies.clear()
    ]
    assert codes[:10] == [303] * 10
    assert codes[10:] == [429, 429]


def test_hashing_runs_in_a_small_pool_of_its_own(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app import security

    real = security._hasher
    running, peak = [0], [0]
    lock = threading.Lock()

    class Slow:
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(real(), name)

        def hash(self, password: str) -> str:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.2)
            with lock:
                running[0] -= 1
            return real().hash(password)

    monkeypatch.setattr(security, "_hasher", lambda: Slow())
    headers = csrf_header(client)

    def register(i: int) -> int:
        body = {
            "email": f"p{i}@example.org",
            "display_name": f"Person {i}",
            "password": "a long enough password",
            "accept_privacy": True,
        }
        return client.post("/api/v1/auth/register", json=body, headers=headers).status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(register, range(6)))
    assert codes == [202] * 6
    assert peak[0] == 2  # settings.password_hash_threads


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock; PostgreSQL has none to hold")
def test_a_registration_does_not_hold_the_write_lock_while_it_hashes(
    client: TestClient, login_as, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from app import security

    login_as("secretariat")
    # The first request to a route pays for FastAPI building its dependency graph (over a
    # second on a busy machine): made here, so that the timing below measures only the lock.
    warm = client.post("/api/v1/caucuses", json={"code": "warmup", "name": {"en": "Warm-up"}})
    assert warm.status_code == 201
    real = security._hasher
    hashing = threading.Event()

    class Slow:
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(real(), name)

        def hash(self, password: str) -> str:
            hashing.set()
            time.sleep(1.0)
            return real().hash(password)

    monkeypatch.setattr(security, "_hasher", lambda: Slow())
    with TestClient(client.app) as newcomer, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(_register, newcomer)
        assert hashing.wait(5)
        started = time.monotonic()
        other = client.post(
            "/api/v1/caucuses", json={"code": "lockcheck", "name": {"en": "Lock check"}}
        )
        elapsed = time.monotonic() - started
        assert pending.result().status_code == 303
    assert other.status_code == 201, other.text
    assert elapsed < 0.5
