"""Reports, the moderation queue and the state machine, and what the author is told."""

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.models.contributions import Contribution, ModerationEvent, Report
from app.models.types import utcnow
from app.models.users import Role
from app.services import moderation
from tests import factories
from tests.conftest import csrf_header, form_token, make_user


def _moderate(client: TestClient, cid: int, action: str, reason: str = "") -> dict:
    return client.post(
        f"/api/v1/contributions/{cid}/moderation", json={"action": action, "reason": reason}
    )  # type: ignore[return-value]


def test_moderator_accepts_a_pending_proposal_and_it_is_published(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status="pending", title="Esperando")
    login_as(Role.secretariat)
    queue = client.get("/moderation").text
    assert "Esperando" in queue
    token = form_token(client, "/moderation")
    response = client.post(
        f"/contributions/{item.id}/moderate",
        data={"csrf_token": token, "action": "accept", "next": "/moderation"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/moderation"
    factories.reload(db, item)
    assert item.status == "published"
    event = factories.query(db, select(ModerationEvent))[0]
    assert (event.action, event.from_status, event.to_status) == ("accept", "pending", "published")


def test_illegal_transitions_are_refused_with_a_clear_message(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum)
    login_as(Role.secretariat)
    response = _moderate(client, item.id, "accept")
    assert response.status_code == 409
    assert "does not apply" in response.json()["detail"]
    response = client.post(
        f"/api/v1/contributions/{item.id}/moderation?lang=es", json={"action": "restore"}
    )
    assert response.status_code == 409
    assert "Restaurar" in response.json()["detail"]
    no_reason = _moderate(client, item.id, "reject")
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["errors"]
    system_only = _moderate(client, item.id, "auto_hide", "x")
    assert system_only.status_code == 422


# What a moderator gets for each action in each state (reason given): the status code and the
# state afterwards. Written out here, not read from the service's table.
PUB, PEN, HID, REJ = "published", "pending", "hidden", "rejected"
MODERATOR_OUTCOMES: list[tuple[str, str, int, str]] = [
    # state, action, status code, state after
    (PEN, "accept", 200, PUB),
    (PUB, "accept", 409, PUB),
    (HID, "accept", 409, HID),
    (REJ, "accept", 409, REJ),
    (PEN, "hide", 200, HID),
    (PUB, "hide", 200, HID),
    (HID, "hide", 409, HID),
    (REJ, "hide", 409, REJ),
    (PEN, "reject", 200, REJ),
    (PUB, "reject", 200, REJ),
    (HID, "reject", 200, REJ),
    (REJ, "reject", 409, REJ),
    (PEN, "restore", 409, PEN),
    (PUB, "restore", 409, PUB),
    (HID, "restore", 200, PUB),
    (REJ, "restore", 200, PUB),
    (PEN, "pin", 409, PEN),
    (PUB, "pin", 200, PUB),
    (HID, "pin", 409, HID),
    (REJ, "pin", 409, REJ),
    (PEN, "unpin", 409, PEN),
    (PUB, "unpin", 200, PUB),
    (HID, "unpin", 409, HID),
    (REJ, "unpin", 409, REJ),
    (PEN, "for_minutes", 409, PEN),
    (PUB, "for_minutes", 200, PUB),
    (HID, "for_minutes", 409, HID),
    (REJ, "for_minutes", 409, REJ),
    (PEN, "not_for_minutes", 409, PEN),
    (PUB, "not_for_minutes", 200, PUB),
    (HID, "not_for_minutes", 409, HID),
    (REJ, "not_for_minutes", 409, REJ),
    # Reports found unfounded: a published contribution stays as it is.
    (PEN, "dismiss_reports", 409, PEN),
    (PUB, "dismiss_reports", 200, PUB),
    (HID, "dismiss_reports", 409, HID),
    (REJ, "dismiss_reports", 409, REJ),
    # The system's action: nobody takes it by hand, whatever the state.
    (PEN, "auto_hide", 422, PEN),
    (PUB, "auto_hide", 422, PUB),
    (HID, "auto_hide", 422, HID),
    (REJ, "auto_hide", 422, REJ),
]
STATES = (PEN, PUB, HID, REJ)
ACTIONS = (
    "accept",
    "hide",
    "reject",
    "restore",
    "pin",
    "unpin",
    "for_minutes",
    "not_for_minutes",
    "dismiss_reports",
    "auto_hide",
)


def test_the_outcome_table_covers_every_state_and_action() -> None:
    assert {(state, action) for state, action, *_ in MODERATOR_OUTCOMES} == {
        (s, a) for s in STATES for a in ACTIONS
    }


@pytest.mark.parametrize(
    ("start", "action", "code", "after"),
    MODERATOR_OUTCOMES,
    ids=[f"{s}-{a}" for s, a, *_ in MODERATOR_OUTCOMES],
)
def test_a_moderator_gets_the_outcome_in_the_table(
    client: TestClient,
    db: Session,
    login_as,  # type: ignore[no-untyped-def]
    start: str,
    action: str,
    code: int,
    after: str,
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status=start)
    login_as(Role.secretariat)
    response = _moderate(client, item.id, action, "A reason")
    assert response.status_code == code, response.text
    factories.reload(db, item)
    assert item.status == after
    events = factories.query(db, select(ModerationEvent))
    if code == 200:
        assert response.json()["status"] == after
        assert [(e.action, e.from_status, e.to_status, e.reason) for e in events] == [
            (action, start, after, "A reason")
        ]
    else:
        assert events == []


def test_the_api_offers_every_action_but_the_systems(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    action = schemas["ModerationIn"]["properties"]["action"]
    assert set(action["enum"]) == set(ACTIONS) - {"auto_hide"}


@pytest.mark.parametrize("role", [None, Role.participant, Role.caucus_rep])
@pytest.mark.parametrize("action", ACTIONS)
def test_nobody_but_a_moderator_may_decide(
    client: TestClient,
    db: Session,
    login_as,  # type: ignore[no-untyped-def]
    role: Role | None,
    action: str,
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status=PUB)
    if role is not None:
        login_as(role)
    else:
        client.headers.update(csrf_header(client))  # a visitor's browser has its token too
    response = _moderate(client, item.id, action, "A reason")
    assert response.status_code == (401 if role is None else 403)
    factories.reload(db, item)
    assert (item.status, item.pinned, item.for_minutes) == (PUB, False, False)
    assert factories.query(db, select(ModerationEvent)) == []


@pytest.mark.parametrize(
    ("start", "action"),
    [(PEN, "hide"), (PUB, "hide"), (PUB, "reject"), (HID, "reject"), (REJ, "reject")],
)
def test_hiding_or_rejecting_needs_a_reason_the_author_will_see(
    client: TestClient,
    db: Session,
    login_as,  # type: ignore[no-untyped-def]
    start: str,
    action: str,
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status=start)
    login_as(Role.secretariat)
    response = client.post(
        f"/api/v1/contributions/{item.id}/moderation?lang=es", json={"action": action}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["reason"] == ["Indique un motivo: la persona autora lo verá."]
    factories.reload(db, item)
    assert item.status == start


def test_flags_and_reports_move_with_the_decision(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status=PUB)
    moderator = login_as(Role.secretariat)
    assert _moderate(client, item.id, "pin").json()["pinned"] is True
    assert _moderate(client, item.id, "pin").status_code == 200  # again: harmless
    assert _moderate(client, item.id, "for_minutes").json()["for_minutes"] is True
    reporter = make_user(db.get_bind(), Role.participant)  # type: ignore[arg-type]
    db.add(Report(contribution_id=item.id, reporter_id=reporter.id, reason="spam"))
    item.open_reports = 1
    db.add(item)
    db.commit()
    hidden = _moderate(client, item.id, "hide", "Off topic.").json()
    assert (hidden["status"], hidden["pinned"], hidden["for_minutes"]) == (HID, False, True)
    assert hidden["moderation_note"] == "Off topic."
    factories.reload(db, item)
    assert item.open_reports == 0
    assert [r.resolved for r in factories.query(db, select(Report))] == [True]
    restored = _moderate(client, item.id, "restore").json()
    assert (restored["status"], restored["pinned"], restored["moderation_note"]) == (
        PUB,
        False,
        None,
    )
    events = factories.query(db, select(ModerationEvent).order_by(ModerationEvent.id))
    assert [(e.action, e.actor_id) for e in events] == [
        ("pin", moderator.id),
        ("pin", moderator.id),
        ("for_minutes", moderator.id),
        ("hide", moderator.id),
        ("restore", moderator.id),
    ]


def test_the_page_offers_the_actions_that_apply(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    published = factories.contribution(db, forum, status=PUB)
    pinned = factories.contribution(db, forum, status=PUB, pinned=True, for_minutes=True)
    pending = factories.contribution(db, forum, status=PEN)
    rejected = factories.contribution(db, forum, status=REJ)
    login_as(Role.secretariat)

    def offered(item: Any) -> list[str]:
        html = client.get(f"/contributions/{item.id}").text
        return re.findall(r'<button type="submit" name="action" value="([a-z_]+)"', html)

    assert offered(published) == ["hide", "reject", "pin", "for_minutes"]
    assert offered(pinned) == ["hide", "reject", "unpin", "not_for_minutes"]
    assert offered(pending) == ["accept", "hide", "reject"]
    assert offered(rejected) == ["restore"]


def test_a_refused_decision_on_the_page_says_why_in_the_readers_language(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status=REJ)
    login_as(Role.secretariat)
    token = form_token(client, f"/contributions/{item.id}")
    response = client.post(
        f"/contributions/{item.id}/moderate?lang=es",
        data={"csrf_token": token, "action": "accept", "next": f"/contributions/{item.id}"},
    )
    assert response.status_code == 200
    assert "«Aceptar» no se aplica a una contribución en estado «Rechazada»." in response.text


def test_reports_hide_after_three_and_the_author_sees_the_outcome(
    client: TestClient, db: Session, engine, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    author = make_user(engine, Role.participant, display_name="Autora")
    item = factories.contribution(db, forum, author_id=author.id, title="Reported one")
    for n in range(3):
        login_as(Role.participant, created_at=utcnow() - timedelta(days=2))
        response = client.post(
            f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam", "note": f"n{n}"}
        )
        assert response.status_code == 204
        again = client.post(f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam"})
        assert again.status_code in (404, 409)
    factories.reload(db, item)
    assert item.status == "hidden"
    assert item.open_reports == 3
    assert "Reported one" not in client.get("/contributions").text

    login_as(Role.secretariat)
    assert "3 open reports" in client.get("/moderation").text
    assert _moderate(client, item.id, "reject", "Advertising, not a proposal.").status_code == 200

    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    token = client.get("/api/v1/auth/csrf").json()["csrf_token"]
    from tests.conftest import PASSWORD

    client.post(
        "/api/v1/auth/login",
        json={"email": author.email, "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    page = client.get(f"/contributions/{item.id}").text
    assert "Rejected" in page
    assert "Advertising, not a proposal." in page


def test_reports_from_new_accounts_do_not_hide_and_the_queue_says_why_one_is_hidden(
    client: TestClient, db: Session, engine, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum, title="Targeted one")
    for _ in range(5):  # throwaway accounts, made a moment ago
        login_as(Role.participant)
        client.post(f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam"})
    factories.reload(db, item)
    assert item.status == "published"
    assert item.open_reports == 5  # still for the moderators to see
    for _ in range(3):
        login_as(Role.participant, created_at=utcnow() - timedelta(days=2))
        client.post(f"/api/v1/contributions/{item.id}/reports", json={"reason": "spam"})
    factories.reload(db, item)
    assert item.status == "hidden"
    login_as(Role.secretariat)
    queue = client.get("/moderation").text
    assert "Hidden after reports: Reported by several participants" in queue


def test_participants_cannot_moderate_or_see_the_queue(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    item = factories.contribution(db, forum, status="pending")
    login_as(Role.participant)
    assert client.get("/moderation").status_code == 403
    assert _moderate(client, item.id, "accept").status_code == 403
    assert client.get(f"/contributions/{item.id}").status_code == 404
    factories.reload(db, item)
    assert item.status == "pending"


def test_report_rate_limit_holds(client: TestClient, db: Session, login_as, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(moderation, "REPORT_LIMIT_ACCOUNT", 2)
    monkeypatch.setattr(moderation, "HIDE_AFTER_REPORTS", 100)
    forum = factories.forum(db)
    items = [factories.contribution(db, forum) for _ in range(3)]
    login_as(Role.participant)
    codes = [
        client.post(f"/api/v1/contributions/{i.id}/reports", json={"reason": "spam"}).status_code
        for i in items
    ]
    assert codes == [204, 204, 429]
    assert len(factories.query(db, select(Contribution).where(Contribution.open_reports > 0))) == 2
