"""The logged-in reader's load (web/readers.load_user): one prebuilt statement on a plain
connection, giving the same detached User as the ORM load it replaces, and the same revocation
rules."""

from datetime import timedelta
from typing import Any

from sqlalchemy import inspect, update
from sqlmodel import col

from app.db import open_session
from app.models.types import utcnow
from app.models.users import LoginSession, Role, User
from app.security import token_digest
from app.services import users
from app.web import readers
from tests.conftest import make_user


def _load(engine: Any, token: str) -> User | None:
    with engine.connect() as conn:
        return readers.load_user(conn, token)


def _start(engine: Any, user: User) -> str:
    with open_session(engine, write=True) as db:
        token = users.start_session(db, user)
        db.commit()
        return token


def test_the_reader_is_the_user_the_orm_would_load(engine: Any) -> None:
    user = make_user(engine, Role.caucus_rep, display_name="Ana <O'Brien>", locale="pt")
    token = _start(engine, user)
    loaded = _load(engine, token)
    with open_session(engine, write=False) as db:
        expected = users.session_user(db, token)
        assert expected is not None
        db.expunge(expected)
    assert loaded is not None
    assert isinstance(loaded, User)
    for column in User.__table__.columns:  # type: ignore[attr-defined]
        assert getattr(loaded, column.key) == getattr(expected, column.key), column.key
    assert loaded.model_dump() == expected.model_dump()
    assert inspect(loaded).detached
    assert inspect(loaded).identity == inspect(expected).identity


def test_ended_expired_and_deactivated_sessions_load_nobody(engine: Any, settings: Any) -> None:
    user = make_user(engine, Role.participant)
    ended, expired, deactivated = (_start(engine, user) for _ in range(3))
    assert _load(engine, "no such token") is None
    with open_session(engine, write=True) as db:
        users.end_session(db, ended)
    assert _load(engine, ended) is None
    with open_session(engine, write=True) as db:
        old = utcnow() - timedelta(seconds=settings.session_max_age_s + 5)
        db.execute(
            update(LoginSession)
            .where(col(LoginSession.token_hash) == token_digest(expired))
            .values(created_at=old)
        )
        db.commit()
    assert _load(engine, expired) is None
    assert _load(engine, deactivated) is not None
    with open_session(engine, write=True) as db:
        db.execute(update(User).where(col(User.id) == user.id).values(is_active=False))
        db.commit()
    assert _load(engine, deactivated) is None
