"""The action log: nobody can change or delete a row (the database refuses), the admin page
says in words who did what, before and after, and erasing an account keeps its rows without its
address. That every privileged action writes exactly one row is checked on each case of the
permission grids (tests/action_log.py, run by tests/grids.py)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from app.models.audit import AuditEvent
from app.models.users import Role
from app.services import audit
from app.web.errors import all_routes
from tests import action_log
from tests.action_log import WRITE_METHODS, count
from tests.conftest import PASSWORD, csrf_header, make_user
from tests.test_permissions import EVERY_CASE

NEW_PASSWORD = "quiet harbour lanterns glow 4821"
PRIVILEGED = [c for c in EVERY_CASE if action_log.privileged(c)]


def test_the_grids_check_every_privileged_action() -> None:
    """tests/grids.py runs action_log.check on each privileged case, as each role that may."""
    assert {c.id for c in PRIVILEGED} >= action_log.NOTHING_LOGGED
    assert len(PRIVILEGED) > 140, len(PRIVILEGED)


def test_the_database_refuses_to_change_or_delete_a_row(db: Session) -> None:
    audit.record(db, actor=None, action="create", object_type="forum", object_id=1, summary="x")
    db.commit()
    for statement in ("UPDATE audit_event SET summary = 'changed'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    assert db.execute(select(col(AuditEvent.summary))).scalars().all() == ["x"]


def test_no_route_changes_or_deletes_an_entry(app: Any) -> None:
    for route in all_routes(app.routes):
        methods = (getattr(route, "methods", None) or set()) & WRITE_METHODS
        assert not (methods and "audit" in route.path), (methods, route.path)


def test_the_page_says_who_did_what_with_before_and_after_in_words(
    client: TestClient, engine: Any, login_as: Callable[..., Any]
) -> None:
    person = make_user(engine, Role.participant, email="someone@example.org")
    login_as(Role.admin, display_name="Ana <b>Admin</b>")
    changed = client.put(
        f"/api/v1/users/{person.id}/role", json={"role": "secretariat", "is_active": True}
    )
    assert changed.status_code == 200, changed.text
    page = client.get("/audit?lang=es").text
    assert "Cambió el rol de una cuenta" in page
    assert "Participante → Secretaría" in page
    assert "Ana &lt;b&gt;Admin&lt;/b&gt;" in page  # escaped, as everything the log shows
    assert "user.role" not in page
    assert "someone@example.org" not in page  # people by name, never by address


def test_an_erased_account_keeps_its_entries_and_leaves_no_address_in_them(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    user = login_as(Role.participant, email="leaving@example.org")
    changed = client.put(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204, changed.text
    client.headers.update(csrf_header(client))  # a new password starts a new session
    before = count(db)
    gone = client.request("DELETE", "/api/v1/me", json={"password": NEW_PASSWORD})
    assert gone.status_code == 204, gone.text
    assert count(db) == before + 1  # the deletion's own row; the earlier one stays
    rows = db.execute(
        select(AuditEvent.action, AuditEvent.summary).where(col(AuditEvent.actor_id) == user.id)
    ).all()
    assert [a for a, _s in rows] == ["user.password", "user.delete"]
    assert not [s for _a, s in rows if "leaving@example.org" in s]
