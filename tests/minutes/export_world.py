"""Complete minutes, made through the API as the secretariat would: the pre-filled draft of
tests/minutes/helpers.meeting (plus a chat remark with a web address and asterisks in it),
speakers' points and a quote, a key point drawn from a turn and a remark, a decision, a next step
and a count of other participants."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.services import forums
from tests.minutes.helpers import START, Meeting, meeting, remark

LINKED_REMARK = "Read *this* at https://www.world-psi.org/care."


@dataclass
class Exported:
    world: Meeting
    minutes_id: int
    body: dict[str, Any]
    linked: Any  # the remark with a web address


def _add(client: TestClient, mid: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    version = client.get(f"/api/v1/minutes/{mid}").json()["version"]
    made = client.post(f"/api/v1/minutes/{mid}/items/{kind}", json={"base_version": version} | data)
    assert made.status_code == 201, made.text
    return dict(made.json())


def _put(client: TestClient, mid: int, kind: str, item_id: int, data: dict[str, Any]) -> None:
    version = client.get(f"/api/v1/minutes/{mid}").json()["version"]
    done = client.put(
        f"/api/v1/minutes/{mid}/items/{kind}/{item_id}", json={"base_version": version} | data
    )
    assert done.status_code == 200, done.text


def complete_minutes(client: TestClient, db: Session) -> Exported:
    """Call logged in as the secretariat; the minutes stay a draft that needs no circulation."""
    world = meeting(db)
    forum = forums.get_forum(db, world.session.forum_id)
    linked = remark(db, forum, world.session, LINKED_REMARK, START + timedelta(minutes=15))
    made = client.post(
        f"/api/v1/sessions/{world.session.id}/minutes", json={"requires_circulation": False}
    )
    assert made.status_code == 201, made.text
    mid = int(made.json()["id"])
    blocks = made.json()["blocks"]
    rosa = blocks[0]["turns"][0]
    _put(
        client,
        mid,
        "turn",
        rosa["id"],
        {"points": ["Care is work", "Public services first"], "quote": "Care cannot wait"},
    )
    excerpt = blocks[1]["excerpts"][0]
    heading = made.json()["key_points"][0]
    _add(
        client,
        mid,
        "point",
        {
            "parent_id": heading["id"],
            "text": "Care is a public good",
            "turn_ids": [rosa["id"]],
            "excerpt_ids": [excerpt["id"]],
        },
    )
    _add(client, mid, "decision", {"text": "Meet again in March"})
    _add(
        client,
        mid,
        "action",
        {"text": "Send ideas by e-mail", "owner": "Secretariat", "due_on": "2025-06-01"},
    )
    version = client.get(f"/api/v1/minutes/{mid}").json()["version"]
    header = client.put(
        f"/api/v1/minutes/{mid}",
        json={"base_version": version, "language": "es", "other_participants": 12},
    )
    assert header.status_code == 200, header.text
    return Exported(world, mid, header.json(), linked)


def publish(client: TestClient, mid: int) -> None:
    done = client.post(f"/api/v1/minutes/{mid}/transitions", json={"action": "publish"})
    assert done.status_code == 200, done.text
