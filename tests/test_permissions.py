"""Who may do what: a grid of role × endpoint, through HTTP as each person would."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests import factories

ROLES: list[Role | None] = [None, *Role]
STAFF = {Role.secretariat, Role.admin}
ADMIN = {Role.admin}


def _forum(_db: Session) -> dict[str, Any]:
    return {"kind": "event", "title": {"en": "Grid forum"}}


def _org(_db: Session) -> dict[str, Any]:
    return {"name": "Huairou Commission", "type": "civil_society"}


def _speaker(_db: Session) -> dict[str, Any]:
    return {"name": "Sri Sofjan"}


def _caucus(_db: Session) -> dict[str, Any]:
    return {"code": "migrants", "name": {"en": "Migrants caucus"}}


def _session(db: Session) -> dict[str, Any]:
    forum = factories.forum(db)
    return {
        "forum_id": forum.id,
        "title": {"en": "S"},
        "type": "workshop",
        "format": "online",
        "starts_at": "2025-05-03T15:00:00",
        "timezone": "UTC",
        "duration_minutes": 60,
        "online_url": "https://meet.example.org/s",
    }


# method, path, body builder, roles allowed, success status
API_GRID: list[tuple[str, str, Callable[[Session], dict[str, Any]] | None, set[Role], int]] = [
    ("POST", "/api/v1/forums", _forum, STAFF, 201),
    ("POST", "/api/v1/organisations", _org, STAFF, 201),
    ("POST", "/api/v1/speakers", _speaker, STAFF, 201),
    ("POST", "/api/v1/caucuses", _caucus, STAFF, 201),
    ("POST", "/api/v1/sessions", _session, STAFF, 201),
    ("GET", "/api/v1/users", None, STAFF, 200),
    ("GET", "/api/v1/invitations", None, STAFF, 200),
    ("GET", "/api/v1/audit", None, ADMIN, 200),
    ("GET", "/api/v1/forums", None, set(Role), 200),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize(
    ("method", "path", "body", "allowed", "ok"), API_GRID, ids=[f"{m} {p}" for m, p, *_ in API_GRID]
)
def test_api_grid(
    client: TestClient,
    db: Session,
    login_as: Callable[..., Any],
    role: Role | None,
    method: str,
    path: str,
    body: Callable[[Session], dict[str, Any]] | None,
    allowed: set[Role],
    ok: int,
) -> None:
    payload = body(db) if body else None
    if role is not None:
        login_as(role)
    else:
        from tests.conftest import csrf_header

        client.headers.update(csrf_header(client))
    response = client.request(method, path, json=payload)
    public = path == "/api/v1/forums" and method == "GET"
    if public or role in allowed:
        assert response.status_code == ok, response.text
    elif role is None:
        assert response.status_code == 401, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["detail"] == "You do not have permission to do that."


PAGE_GRID = [
    ("/forums/new", STAFF),
    ("/speakers/new", STAFF),
    ("/caucuses/new", STAFF),
    ("/organisations/new", STAFF),
    ("/users", STAFF),
    ("/audit", ADMIN),
    ("/moderation", STAFF),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize(("path", "allowed"), PAGE_GRID, ids=[p for p, _ in PAGE_GRID])
def test_page_grid(
    client: TestClient,
    login_as: Callable[..., Any],
    role: Role | None,
    path: str,
    allowed: set[Role],
) -> None:
    if role is not None:
        login_as(role)
    response = client.get(path, follow_redirects=False)
    if role is None:
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "You do not have permission to do that." in response.text


def test_edit_links_only_show_to_staff(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    assert "Edit forum" not in client.get(f"/forums/{forum.id}").text
    login_as(Role.participant)
    assert "Edit forum" not in client.get(f"/forums/{forum.id}").text
    login_as(Role.secretariat)
    assert "Edit forum" in client.get(f"/forums/{forum.id}").text


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_speaker_contact_details_are_for_the_secretariat_only(
    client: TestClient, db: Session, login_as: Callable[..., Any], role: Role | None
) -> None:
    speaker = factories.speaker(db)  # rosa@example.org, +33 1 23 45 67 89
    if role is not None:
        login_as(role)
    page = client.get(f"/speakers/{speaker.id}").text
    one = client.get(f"/api/v1/speakers/{speaker.id}").text
    listing = client.get("/api/v1/speakers").text
    visible = role in STAFF
    for body in (page, one, listing):
        assert ("rosa@example.org" in body) is visible
        assert ("23 45 67 89" in body) is visible


# Contributions: (action, state of the contribution, who may) -> the status a person gets.
LOGGED_IN = set(Role)


def _act(client: TestClient, action: str, cid: int, session_id: int) -> Any:
    if action == "endorse":
        return client.put(f"/api/v1/contributions/{cid}/endorsement")
    if action == "report":
        return client.post(f"/api/v1/contributions/{cid}/reports", json={"reason": "spam"})
    if action == "accept":
        return client.post(f"/api/v1/contributions/{cid}/moderation", json={"action": "accept"})
    if action == "read":
        return client.get(f"/api/v1/contributions/{cid}")
    if action == "queue":
        return client.get("/api/v1/moderation/queue")
    if action == "open_live":
        return client.put(f"/api/v1/sessions/{session_id}/live", json={"is_open": True})
    raise AssertionError(action)


CONTRIBUTION_GRID = [
    # action, status of the contribution, roles allowed, success, status when refused logged in
    ("read", "published", None, 200, 200),
    ("read", "pending", STAFF, 200, 404),
    ("read", "hidden", STAFF, 200, 404),
    ("endorse", "published", LOGGED_IN, 200, 403),
    ("report", "published", LOGGED_IN, 204, 403),
    ("accept", "pending", STAFF, 200, 403),
    ("queue", "pending", STAFF, 200, 403),
    ("open_live", "published", STAFF, 200, 403),
]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
@pytest.mark.parametrize(
    ("action", "state", "allowed", "ok", "refused"),
    CONTRIBUTION_GRID,
    ids=[f"{a}-{s}" for a, s, *_ in CONTRIBUTION_GRID],
)
def test_contribution_grid(
    client: TestClient,
    db: Session,
    login_as: Callable[..., Any],
    role: Role | None,
    action: str,
    state: str,
    allowed: set[Role] | None,
    ok: int,
    refused: int,
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    item = factories.contribution(db, forum, status=state)
    if role is not None:
        login_as(role)
    else:
        from tests.conftest import csrf_header

        client.headers.update(csrf_header(client))
    response = _act(client, action, item.id, session.id)
    if allowed is None or (role is not None and role in allowed):
        assert response.status_code == ok, response.text
    elif role is None:
        # Reading a hidden one is a 404 for anyone not allowed: its existence must not leak.
        assert response.status_code == (404 if action == "read" else 401), response.text
    else:
        assert response.status_code == refused, response.text


def test_authors_see_their_own_pending_contribution_and_not_others(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    forum = factories.forum(db)
    author = login_as(Role.participant)
    mine = factories.contribution(db, forum, status="pending", author_id=author.id)
    theirs = factories.contribution(db, forum, status="pending")
    assert client.get(f"/contributions/{mine.id}").status_code == 200
    assert client.get(f"/contributions/{theirs.id}").status_code == 404


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_contributors_email_is_for_the_secretariat_only(
    client: TestClient, db: Session, login_as: Callable[..., Any], role: Role | None
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, author_email="writer@example.org")
    if role is not None:
        login_as(role)
    page = client.get(f"/contributions/{item.id}").text
    api = client.get(f"/api/v1/contributions/{item.id}").text
    export = client.get("/contributions/export.json").text
    assert ("writer@example.org" in page) is (role in STAFF)
    assert "writer@example.org" not in api
    assert "writer@example.org" not in export
