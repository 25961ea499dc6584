"""Fixtures: a fresh database per test (SQLite by default, PostgreSQL when
TOWNHALL_TEST_DATABASE_URL points at a server), the app, an HTTP client, and login_as(role).

SQLite: the schema is migrated once into a template file, copied for each test.
PostgreSQL: each run (each xdist worker) creates its own database, migrates it once, empties
every table between tests (tests/world_snapshot.py empty_postgres), and drops the database at
the end.
"""

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TOWNHALL_SECRET_KEY", "test-secret-key-for-the-suite")
os.environ.setdefault("TOWNHALL_UPLOAD_DIR", "/tmp/townhall-test-uploads")  # noqa: S108
# Real argon2id, at a cost that keeps a suite of hundreds of logins fast.
os.environ.setdefault("TOWNHALL_ARGON2_TIME_COST", "1")
os.environ.setdefault("TOWNHALL_ARGON2_MEMORY_KIB", "1024")
os.environ.setdefault("TOWNHALL_ARGON2_PARALLELISM", "1")

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.cli import db_upgrade
from app.config import Settings, get_settings
from app.db import make_engine, open_session
from app.main import create_app
from app.models.users import Role, User
from app.security import hash_password
from tests.world_snapshot import empty_postgres

get_settings.cache_clear()
PG_URL = os.environ.get("TOWNHALL_TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery"


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database: a file path (SQLite) or a URL (PostgreSQL)."""
    if PG_URL:
        name = f"th_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(_pg_admin_url(PG_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        db_upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        db_upgrade(f"sqlite:///{path}")
        yield str(path)


_pg_engine: Engine | None = None


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    global _pg_engine
    if PG_URL:
        if _pg_engine is None:
            _pg_engine = make_engine(database_template)
        with _pg_engine.begin() as conn:
            empty_postgres(conn)
        yield database_template
    else:
        path = tmp_path / "test.db"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=os.environ["TOWNHALL_SECRET_KEY"])


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings.database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Any:
    return create_app(settings, engine)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


@pytest.fixture
def db(engine: Engine, client: TestClient) -> Iterator[Any]:
    """A session for arranging data directly; `client` first so the lifespan has run."""
    with open_session(engine, write=True) as session:
        yield session


def make_user(engine: Engine, role: Role, email: str | None = None, **extra: Any) -> User:
    with open_session(engine, write=True) as session:
        user = User(
            email=email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.org",
            display_name=extra.pop("display_name", f"Test {role.value}"),
            password_hash=hash_password(PASSWORD),
            role=role,
            **extra,
        )
        session.add(user)
        session.commit()
        session.refresh(user)
        return user


def csrf_header(client: TestClient) -> dict[str, str]:
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    return {"X-CSRF-Token": token}


def form_token(client: TestClient, page: str = "/login") -> str:
    """The hidden CSRF field from a page's form, as a browser would submit it."""
    import re

    html = client.get(page).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF field on {page}"
    return match.group(1)


def logout(client: TestClient) -> None:
    """Forgets the session and its CSRF header, as a fresh browser would."""
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)


@pytest.fixture
def login_as(client: TestClient, engine: Engine) -> Callable[..., User]:
    """Logs the client in as a new user with the role; API calls then carry the CSRF header."""

    def _login(role: Role | str, **extra: Any) -> User:
        logout(client)
        user = make_user(engine, Role(role), **extra)
        headers = csrf_header(client)
        response = client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": PASSWORD},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        client.headers.update(csrf_header(client))
        return user

    return _login
