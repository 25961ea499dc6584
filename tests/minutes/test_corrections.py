"""Attendees propose corrections while the minutes circulate (only they, only in the window);
the secretariat accepts (the text changes, the proposer is credited) or rejects with a reason
the proposer sees; circulating tells the attendees by e-mail."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.db import write_again
from app.models.minutes import Minutes
from app.models.outbox import OutboxMessage
from app.models.types import utcnow
from app.models.users import Role
from tests import factories
from tests.conftest import form_token, make_user
from tests.minutes.helpers import meeting


def _circulated(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> tuple[int, int, Any, dict[str, Any]]:
    world = meeting(db)
    attendee = make_user(
        db.get_bind(), Role.participant, email="ana@example.org", display_name="Ana Falú"
    )  # type: ignore[arg-type]
    login_as(Role.secretariat)
    body = client.post(f"/api/v1/sessions/{world.session.id}/minutes").json()
    mid = body["id"]
    added = client.post(
        f"/api/v1/minutes/{mid}/items/attendee",
        json={
            "base_version": body["version"],
            "name": "Ana Falú",
            "account_email": "ANA@example.org",
        },
    )
    assert added.status_code == 201, added.text
    turn = added.json()["blocks"][0]["turns"][0]
    client.put(
        f"/api/v1/minutes/{mid}/items/turn/{turn['id']}",
        json={"base_version": added.json()["version"], "points": ["Covid worsened inequality"]},
    )
    until = (utcnow() + timedelta(days=5)).isoformat()
    sent = client.post(
        f"/api/v1/minutes/{mid}/transitions", json={"action": "circulate", "until": until}
    )
    assert sent.status_code == 200, sent.text
    return mid, int(world.session.id or 0), attendee, turn


def test_circulating_notifies_attendees_who_alone_may_read_and_propose(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    mid, sid, attendee, turn = _circulated(client, db, login_as)
    mails = factories.query(
        db, select(OutboxMessage).where(OutboxMessage.kind == "minutes_circulated")
    )
    assert [m.recipient for m in mails] == ["ana@example.org"]
    assert f"/sessions/{sid}/minutes" in mails[0].body_text
    login_as(Role.participant)  # someone who did not attend
    assert client.get(f"/sessions/{sid}/minutes").status_code == 404
    proposal = {"item_kind": "turn", "item_id": turn["id"], "replacement": "x", "reason": "y"}
    assert client.post(f"/api/v1/minutes/{mid}/corrections", json=proposal).status_code == 404
    _login(client, attendee)
    page = client.get(f"/sessions/{sid}/minutes")
    assert page.status_code == 200
    assert "Propose a correction" in page.text
    made = client.post(f"/api/v1/minutes/{mid}/corrections", json=proposal)
    assert made.status_code == 201, made.text
    assert made.json()["original"] == "Covid worsened inequality"


def _login(client: TestClient, user: Any) -> None:
    from tests.conftest import PASSWORD, csrf_header, logout

    logout(client)
    client.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers=csrf_header(client),
    )
    client.headers.update(csrf_header(client))


def test_accepted_and_rejected_corrections(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    mid, sid, attendee, turn = _circulated(client, db, login_as)
    _login(client, attendee)
    token = form_token(client, f"/minutes/{mid}/corrections?kind=turn&item={turn['id']}")
    first = client.post(
        f"/minutes/{mid}/corrections",
        data={
            "csrf_token": token,
            "item_kind": "turn",
            "item_id": str(turn["id"]),
            "replacement": "Covid made inequality worse\nCities need concrete recommendations",
            "reason": "Two points were merged",
        },
        follow_redirects=False,
    )
    assert first.status_code == 303, first.text
    second = client.post(
        f"/api/v1/minutes/{mid}/corrections",
        json={"item_kind": "turn", "item_id": turn["id"], "replacement": "Nothing", "reason": "?"},
    ).json()
    login_as(Role.secretariat)
    blocked = client.post(f"/api/v1/minutes/{mid}/transitions", json={"action": "publish"})
    assert blocked.status_code == 409  # corrections wait for a decision
    rows = client.get(f"/api/v1/minutes/{mid}/corrections").json()
    accept = client.post(
        f"/api/v1/minutes/{mid}/corrections/{rows[0]['id']}/decision", json={"action": "accept"}
    )
    assert accept.status_code == 200, accept.text
    no_reason = client.post(
        f"/api/v1/minutes/{mid}/corrections/{second['id']}/decision", json={"action": "reject"}
    )
    assert no_reason.status_code == 422
    reject = client.post(
        f"/api/v1/minutes/{mid}/corrections/{second['id']}/decision",
        json={"action": "reject", "reason": "The speaker did say this."},
    )
    assert reject.json()["status"] == "rejected"
    points = client.get(f"/api/v1/minutes/{mid}").json()["blocks"][0]["turns"][0]["points"]
    assert points == ["Covid made inequality worse", "Cities need concrete recommendations"]
    assert (
        client.post(f"/api/v1/minutes/{mid}/transitions", json={"action": "publish"}).status_code
        == 200
    )
    _login(client, attendee)
    mine = client.get(f"/minutes/{mid}/corrections").text
    assert "The speaker did say this." in mine
    client.cookies.clear()
    public = client.get(f"/sessions/{sid}/minutes").text
    assert "Corrected following a proposal by Ana Falú." in public


def test_no_correction_after_the_window(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    mid, _, attendee, turn = _circulated(client, db, login_as)
    write_again(db)  # the outbox sender may have written since this session last read
    minutes = db.get(Minutes, mid)
    assert minutes is not None
    minutes.circulated_until = utcnow() - timedelta(minutes=1)
    db.add(minutes)
    db.commit()
    _login(client, attendee)
    late = client.post(
        f"/api/v1/minutes/{mid}/corrections",
        json={"item_kind": "turn", "item_id": turn["id"], "replacement": "x", "reason": "y"},
    )
    assert late.status_code == 409
    assert "closed" in late.json()["detail"]
