"""The demo as an operator and a visitor meet it: loaded through the services (the audit log
names the demo administrator for every record), loaded twice without a change, and showing the
seed content on the pages."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, SQLModel

from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, load
from tests.conftest import csrf_header


def _snapshot(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    out = {}
    for table in SQLModel.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.execute(select(table).order_by(*order)).all()
        out[table.name] = [tuple(row) for row in rows]
    db.rollback()
    return out


def _login_as_demo_admin(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login",
        json={"email": DEMO_ADMIN_EMAIL, "password": DEMO_ADMIN_PASSWORD},
        headers=csrf_header(client),
    )
    assert response.status_code == 200, response.text
    client.headers.update(csrf_header(client))


def _audit(client: TestClient) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/audit", params=params).json()
        events += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return events


def test_loading_twice_changes_nothing(client: TestClient, db: Session) -> None:
    assert load(db) == {"forums": 2}
    first = _snapshot(db)
    assert load(db) == {"forums": 2}
    assert _snapshot(db) == first


def test_every_record_is_created_by_the_demo_administrator_through_the_services(
    client: TestClient, db: Session
) -> None:
    load(db)
    _login_as_demo_admin(client)
    me = client.get("/api/v1/auth/me").json()
    events = _audit(client)
    created: dict[str, int] = {}
    drafted: dict[str, int] = {}
    for event in events:
        if event["action"] != "create":
            continue
        kind = event["object_type"]
        if kind.startswith("policy_"):  # the drafting team writes the policy paper with them
            drafted[kind] = drafted.get(kind, 0) + 1
            continue
        assert event["actor_id"] == me["id"], event
        created[kind] = created.get(kind, 0) + 1
    assert drafted == {"policy_document": 1, "policy_section": 11}, drafted
    assert created == {
        "organisation": 16,
        "speaker": 14,
        "forum": 2,
        "milestone": 4,
        "theme": 11,
        "session": 6,
        "segment": 10,
        "care_territory": 1,
        "care_dataset": 3,
        "care_run": 1,
        "minutes": 2,
    }
    actions = [(e["action"], e["object_type"], e["actor_id"]) for e in events]
    assert actions.count(("member", "caucus", me["id"])) == 3
    # The five participants and the policy paper's three caucus representatives.
    assert actions.count(("user.create", "user", me["id"])) == 8
    assert actions.count(("user.create", "user", None)) == 1  # the administrator, by the CLI
    assert ("mail.import", "forum", me["id"]) in actions
    assert ("live.open", "session", me["id"]) in actions
    assert ("live.close", "session", me["id"]) in actions


def test_the_pages_show_the_seed_content(client: TestClient, db: Session) -> None:
    load(db)
    forum = client.get("/forums/1").text
    assert "5th World Forum of Cities and Territories of Peace" in forum
    assert "Gender-based violence" in forum
    caring_cities = client.get("/sessions/1").text
    assert "Caring Cities: Alliances and Strategies" in caring_cities
    assert "Antel Arena, Montevideo" in caring_cities
    assert "Panel of experiences from local governments and strategic actors" in caring_cities
    town_hall = client.get("/sessions/2").text
    assert "Caring Systems – Thinking Big" in town_hall
    for name in ("Emilia Saiz", "Greg Munro", "Olga Segovia", "Gissela Chalá"):
        assert name in town_hall
    timeline = client.get("/api/v1/forums/2/milestones").json()
    assert [m["starts_on"] for m in timeline] == [
        "2022-02-01",
        "2022-02-21",
        "2022-03-01",
        "2022-10-10",
    ]
    caucuses = client.get("/api/v1/caucuses").json()
    representatives = {
        c["code"]: [m["speaker_id"] for m in c["members"] if m["is_representative"]]
        for c in caucuses
    }
    speakers = {
        s["id"]: s["name"] for s in client.get("/api/v1/speakers?limit=100").json()["items"]
    }
    assert {code: [speakers[i] for i in ids] for code, ids in representatives.items()} == {
        "youth": ["Elana Wong"],
        "feminism": ["Sri Sofjan"],
        "accessibility": ["Victor Pineda"],
    }


def test_the_demo_contributions_are_those_people_would_make(
    client: TestClient, db: Session
) -> None:
    load(db)
    listed = client.get("/api/v1/contributions", params={"limit": 50}).json()["items"]
    proposals = {c["title"]: c for c in listed if c["kind"] == "proposal"}
    wfctp = {title: c for title, c in proposals.items() if c["forum_id"] == 1}
    assert {title: c["endorsement_count"] for title, c in wfctp.items()} == {
        "Centros comunitarios de cuidado en cada barrio": 4,
        "Creches públicas perto do transporte": 2,
        "Accessible information on every care service": 3,
        "Consejo de juventudes cuidadoras": 1,
    }
    assert {c["author"] for c in wfctp.values()} == {f"Demo participant {n}" for n in range(1, 5)}
    # The six sent to the 2022 process that its policy paper's sources name.
    assert len(proposals) - len(wfctp) == 6
    remarks = [c for c in listed if c["kind"] == "remark"]
    # The Town Hall's chat and the Caring Cities dialogue's remarks, all marked for the
    # minutes that quote them.
    assert sorted(c["session_id"] for c in remarks) == [1, 1, 1, 2, 2, 2, 2, 2]
    assert all(c["for_minutes"] for c in remarks)
    # The e-mailed proposal waits for a moderator: not public, but in the queue.
    assert "Contribución de la red de cuidadoras" not in {c["title"] for c in listed}
    _login_as_demo_admin(client)
    queue = client.get("/api/v1/moderation/queue").json()["items"]
    assert [(c["title"], c["channel"]) for c in queue] == [
        ("Contribución de la red de cuidadoras", "email")
    ]
    live = client.get("/api/v1/sessions/2/live").json()
    assert live["is_open"] is False


def test_demo_participants_cannot_log_in(client: TestClient, db: Session) -> None:
    load(db)
    for password in ("", DEMO_ADMIN_PASSWORD, "participant1"):
        response = client.post(
            "/api/v1/auth/login",
            json={"email": "participant1@demo.example.org", "password": password},
            headers=csrf_header(client),
        )
        assert response.status_code in (401, 422), response.text
