"""The minutes' workflow, every state × action, with the outcomes written here (not derived
from the code's table): draft → circulated → published → corrected."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests import factories

UNTIL = (datetime.now(UTC) + timedelta(days=7)).isoformat()
ACTIONS = {
    "circulate": {"action": "circulate", "until": UNTIL},
    "publish": {"action": "publish"},
    "correct": {"action": "correct", "reason": "The attendance count was wrong."},
}
# (state, action) → (status code, state after)
TABLE = {
    ("draft", "circulate"): (200, "circulated"),
    ("draft", "publish"): (409, "draft"),  # this session requires circulation
    ("draft", "correct"): (409, "draft"),
    ("draft-free", "circulate"): (200, "circulated"),
    ("draft-free", "publish"): (200, "published"),  # circulation not required
    ("draft-free", "correct"): (409, "draft"),
    ("circulated", "circulate"): (409, "circulated"),
    ("circulated", "publish"): (200, "published"),
    ("circulated", "correct"): (409, "circulated"),
    ("published", "circulate"): (409, "published"),
    ("published", "publish"): (409, "published"),
    ("published", "correct"): (200, "corrected"),
    ("corrected", "circulate"): (409, "corrected"),
    ("corrected", "publish"): (409, "corrected"),
    ("corrected", "correct"): (200, "corrected"),
}
PATHS = {
    "draft": [],
    "draft-free": [],
    "circulated": ["circulate"],
    "published": ["circulate", "publish"],
    "corrected": ["circulate", "publish", "correct"],
}


def _in_state(client: TestClient, db: Session, state: str) -> int:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    free = state == "draft-free"
    made = client.post(
        f"/api/v1/sessions/{session.id}/minutes", json={"requires_circulation": not free}
    )
    mid = int(made.json()["id"])
    for action in PATHS[state]:
        step = client.post(f"/api/v1/minutes/{mid}/transitions", json=ACTIONS[action])
        assert step.status_code == 200, step.text
    return mid


@pytest.mark.parametrize(("state", "action"), sorted(TABLE), ids=lambda v: str(v))
def test_every_state_and_action(
    client: TestClient, db: Session, login_as: Callable[..., Any], state: str, action: str
) -> None:
    login_as(Role.secretariat)
    mid = _in_state(client, db, state)
    response = client.post(f"/api/v1/minutes/{mid}/transitions", json=ACTIONS[action])
    code, after = TABLE[(state, action)]
    assert response.status_code == code, response.text
    assert client.get(f"/api/v1/minutes/{mid}").json()["status"] == after


def test_refusals_say_why_in_the_readers_language(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    login_as(Role.secretariat)
    mid = _in_state(client, db, "draft")
    publish = client.post(f"/api/v1/minutes/{mid}/transitions", json=ACTIONS["publish"])
    assert "must be circulated" in publish.json()["detail"]
    correct = client.post(f"/api/v1/minutes/{mid}/transitions", json=ACTIONS["correct"])
    assert "Only published minutes can be corrected" in correct.json()["detail"]
    es = client.post(
        f"/api/v1/minutes/{mid}/transitions",
        json=ACTIONS["publish"],
        headers={"Accept-Language": "es"},
    )
    assert "circular" in es.json()["detail"]
    past = client.post(
        f"/api/v1/minutes/{mid}/transitions",
        json={"action": "circulate", "until": "2020-01-01T00:00:00Z"},
    )
    assert past.status_code == 422
    assert "until" in past.json()["errors"]


def test_a_correction_needs_a_note_and_the_public_page_shows_it_with_its_date(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    login_as(Role.secretariat)
    mid = _in_state(client, db, "published")
    body = client.get(f"/api/v1/minutes/{mid}").json()
    turnless = client.post(
        f"/api/v1/minutes/{mid}/items/decision",
        json={"base_version": body["version"], "text": "Meet again in March"},
    )
    assert turnless.status_code == 422  # published: a change is a correction, with its note
    assert "correction_note" in turnless.json()["errors"]
    fixed = client.post(
        f"/api/v1/minutes/{mid}/items/decision",
        json={
            "base_version": body["version"],
            "text": "Meet again in March",
            "correction_note": "Added the decision to meet again.",
        },
    )
    assert fixed.status_code == 201, fixed.text
    assert fixed.json()["status"] == "corrected"
    page = client.get(f"/sessions/{body['session_id']}/minutes")
    client.cookies.clear()
    public = client.get(f"/sessions/{body['session_id']}/minutes")
    for html in (page.text, public.text):
        assert "Added the decision to meet again." in html
        assert "Meet again in March" in html
