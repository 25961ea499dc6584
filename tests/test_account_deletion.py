"""Deleting one's own account (issue 15, privacy): afterwards no dump of the database, and on
SQLite no byte of its file or WAL, holds their e-mail address or name; every session of theirs
is over; what they wrote stays as "Deleted participant" unless they removed it too."""

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, inspect, select, text
from sqlmodel import Session, col

from app.models.audit import AuditEvent
from app.models.contributions import Contribution
from app.models.outbox import OutboxMessage
from app.models.policy_amendments import Amendment, AmendmentCreate, AmendmentDecision
from app.models.policy_comments import PolicyComment
from app.models.types import utcnow
from app.models.users import Invitation, LoginSession, LoginThrottle, Role, User
from app.services import policy
from app.services.policy import amendments
from tests import factories
from tests.conftest import PASSWORD, PG_URL, csrf_header, form_token
from tests.policy.helpers import Paper, add_to_team, paper


@dataclass
class World:
    user: User
    email: str
    name: str
    made: Paper
    contribution_id: int
    comment_id: int
    amendment_id: int
    cookies: dict[str, str]


def _browser(app: Any) -> TestClient:
    return TestClient(app, headers={"Accept-Language": "en"})


@pytest.fixture
def world(app: Any, client: TestClient, db: Session, login_as: Any) -> World:
    """A participant who wrote, was written to and mistyped their password once."""
    marker = uuid.uuid4().hex[:10]
    email, name = f"erase-{marker}@example.org", f"Zq{marker}Name"
    made = paper(db)
    user = login_as(Role.participant, email=email, display_name=name)
    add_to_team(db, made, user, "editor")
    forum_id = made.document.forum_id
    mine = factories.contribution(db, _forum(db, forum_id), author_id=user.id, author_name="")
    # A proposal they sent without an account, from the same address.
    factories.contribution(
        db, _forum(db, forum_id), author_name=name, author_email=email, status="pending"
    )
    paragraphs = policy.current_paragraphs(db, made.section.id or 0)
    db.commit()
    comment = client.post(
        f"/api/v1/paragraphs/{paragraphs[1].id}/comments", json={"body": "Agreed, with care."}
    )
    assert comment.status_code == 201, comment.text
    proposed = amendments.propose(
        db,
        actor=user,
        paragraph=paragraphs[0],
        data=AmendmentCreate(replacement="Care is a universal right.", rationale="Clearer."),
    )
    amendment = db.get(Amendment, proposed.id)
    assert amendment is not None
    amendments.decide(
        db,
        actor=made.staff,
        document=made.document,
        amendment=amendment,
        data=AmendmentDecision.model_validate({"action": "accept", "reason": ""}),
        editors=amendments.editor_ids(db, made.document.id or 0),
    )
    db.add(
        Invitation(
            email=email,
            role=Role.participant,
            token_hash=uuid.uuid4().hex,
            invited_by_id=made.staff.id,
            expires_at=utcnow() + timedelta(days=1),
            accepted_at=utcnow(),
        )
    )
    db.commit()
    # A confirmation e-mail queued to them, naming them.
    sent = client.post("/account/confirmation", data={"csrf_token": form_token(client, "/account")})
    assert sent.status_code in (200, 303), sent.text
    with _browser(app) as stranger:
        wrong = stranger.post(
            "/api/v1/auth/login",
            json={"email": email, "password": "not the password"},
            headers=csrf_header(stranger),
        )
        assert wrong.status_code == 401
    db.commit()
    return World(
        user=user,
        email=email,
        name=name,
        made=made,
        contribution_id=mine.id,
        comment_id=comment.json()["id"],
        amendment_id=amendment.id or 0,
        cookies=dict(client.cookies),
    )


def _forum(db: Session, forum_id: int) -> Any:
    from app.models.forums import Forum

    forum = db.get(Forum, forum_id)
    db.commit()
    return forum


def _delete_by_form(client: TestClient, *, password: str = PASSWORD, remove: bool = False) -> Any:
    data = {"csrf_token": form_token(client, "/account"), "password": password}
    if remove:
        data["remove_contributions"] = "true"
    return client.post("/account/delete", data=data, follow_redirects=False)


def _delete_by_api(client: TestClient, *, password: str = PASSWORD, remove: bool = False) -> Any:
    return client.request(
        "DELETE",
        "/api/v1/me",
        json={"password": password, "remove_contributions": remove},
        headers=csrf_header(client),
    )


def _text_columns_holding(engine: Engine, needles: list[str]) -> list[str]:
    """Every table and column whose text (JSON included, as text) holds a needle: the check a
    pg_dump would make, table by table."""
    found = []
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                kind = str(column["type"]).upper()
                if not any(k in kind for k in ("CHAR", "TEXT", "JSON", "CLOB")):
                    continue
                cast = "::text" if PG_URL else ""
                for needle in needles:
                    hit = conn.execute(
                        text(
                            f'SELECT 1 FROM "{table}" '
                            f'WHERE lower("{column["name"]}"{cast}) LIKE :n LIMIT 1'
                        ),
                        {"n": f"%{needle.lower()}%"},
                    ).first()
                    if hit:
                        found.append(f"{table}.{column['name']}")
    return found


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    assert database
    return Path(database)


def _assert_forgotten(engine: Engine, world: World) -> None:
    needles = [world.email, world.name]
    assert _text_columns_holding(engine, needles) == []
    if PG_URL:
        return
    path = _sqlite_path(engine)
    with sqlite3.connect(path) as raw:
        dump = "\n".join(raw.iterdump())
    for needle in needles:
        assert needle not in dump
    for file in (path, Path(f"{path}-wal")):
        if file.exists():
            data = file.read_bytes()
            for needle in needles:
                assert needle.encode() not in data, f"{needle} in {file.name}"


def _assert_logged_out_everywhere(app: Any, world: World) -> None:
    with _browser(app) as replay:
        replay.cookies.update(world.cookies)
        assert replay.get("/api/v1/auth/me").status_code == 401
        assert world.name not in replay.get("/").text


def _stored(db: Session, world: World) -> User:
    db.rollback()
    user = db.get(User, world.user.id)
    assert user is not None
    db.commit()
    return user


@pytest.mark.parametrize("how", ["form", "api"])
def test_after_deletion_no_dump_and_no_byte_holds_them(
    how: str, app: Any, client: TestClient, db: Session, engine: Engine, world: World
) -> None:
    db.close()  # no read transaction of the test may keep WAL frames alive
    if how == "form":
        response = _delete_by_form(client)
        assert response.status_code == 303
        assert response.headers["location"] == "/"
        page = client.get("/")
        assert "Your account has been deleted" in page.text
        assert client.get("/api/v1/auth/me").status_code == 401
    else:
        response = _delete_by_api(client)
        assert response.status_code == 204, response.text
    _assert_forgotten(engine, world)
    _assert_logged_out_everywhere(app, world)
    user = _stored(db, world)
    assert not user.is_active
    assert user.password_hash is None
    assert "@" not in user.email
    assert db.execute(select(LoginSession).where(col(LoginSession.user_id) == user.id)).all() == []
    assert all(world.email not in t.key for t in db.execute(select(LoginThrottle)).scalars())
    assert world.email not in {m.recipient for m in db.execute(select(OutboxMessage)).scalars()}
    actions = [e.action for e in db.execute(select(AuditEvent)).scalars()]
    assert actions.count("user.delete") == 1
    db.commit()
    # What they wrote stays, theirs no longer: "Deleted participant", in the reader's language.
    page = client.get(f"/contributions/{world.contribution_id}")
    assert page.status_code == 200
    assert "Deleted participant" in page.text
    spanish = client.get(f"/contributions/{world.contribution_id}?lang=es")
    assert "Participante eliminado" in spanish.text
    assert db.get(PolicyComment, world.comment_id) is not None
    assert db.get(Amendment, world.amendment_id) is not None
    db.commit()


@pytest.mark.parametrize("how", ["form", "api"])
def test_removal_deletes_what_they_wrote(
    how: str, app: Any, client: TestClient, db: Session, engine: Engine, world: World
) -> None:
    db.close()
    if how == "form":
        assert _delete_by_form(client, remove=True).status_code == 303
    else:
        assert _delete_by_api(client, remove=True).status_code == 204
    _assert_forgotten(engine, world)
    db.rollback()
    assert db.get(Contribution, world.contribution_id) is None
    assert db.get(PolicyComment, world.comment_id) is None
    assert db.get(Amendment, world.amendment_id) is None
    actions = [e.action for e in db.execute(select(AuditEvent)).scalars()]
    assert actions.count("user.delete_writing") == 1
    db.commit()
    # The accepted amendment's text is the document's now, and stays.
    assert client.get(f"/contributions/{world.contribution_id}").status_code == 404


@pytest.mark.parametrize("how", ["form", "api"])
def test_a_wrong_password_refuses_and_changes_nothing(
    how: str, client: TestClient, db: Session, world: World
) -> None:
    db.close()
    if how == "form":
        response = _delete_by_form(client, password="not my password", remove=True)
        assert response.status_code == 422
        assert "Your password is not correct." in response.text
    else:
        response = _delete_by_api(client, password="not my password", remove=True)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
    user = _stored(db, world)
    assert user.is_active
    assert user.email == world.email
    assert user.display_name == world.name
    assert db.get(Contribution, world.contribution_id) is not None
    db.commit()
    assert client.get("/api/v1/auth/me").status_code == 200


def test_deletion_is_throttled_as_a_login_is(client: TestClient, db: Session, world: World) -> None:
    db.close()
    statuses = [_delete_by_api(client, password=f"wrong {n}").status_code for n in range(8)]
    assert 429 in statuses
    assert _stored(db, world).is_active


def test_the_form_without_a_password_is_a_422_page(client: TestClient, world: World) -> None:
    response = client.post("/account/delete", data={"csrf_token": form_token(client, "/account")})
    assert response.status_code == 422
    assert "<form" in response.text


def test_the_account_page_offers_the_deletion(client: TestClient, world: World) -> None:
    page = client.get("/account").text
    assert 'action="/account/delete"' in page
    assert "Also remove my contributions, amendments and comments" in page
