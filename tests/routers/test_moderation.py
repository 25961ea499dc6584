"""Reports, the moderation queue and the state machine, and what the author is told."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.models.contributions import Contribution, ModerationEvent
from app.models.users import Role
from app.services import moderation
from tests import factories
from tests.conftest import form_token, make_user


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


def test_every_path_of_the_state_machine(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.secretariat)
    for action, (sources, target) in moderation.TRANSITIONS.items():
        for start in ("pending", "published", "hidden", "rejected"):
            item = factories.contribution(db, forum, status=start)
            response = _moderate(client, item.id, action.value, "A reason")
            if start in sources:
                assert response.status_code == 200, (action, start, response.text)
                assert response.json()["status"] == target
            else:
                assert response.status_code == 409, (action, start)
                factories.reload(db, item)
                assert item.status == start


def test_reports_hide_after_three_and_the_author_sees_the_outcome(
    client: TestClient, db: Session, engine, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    author = make_user(engine, Role.participant, display_name="Autora")
    item = factories.contribution(db, forum, author_id=author.id, title="Reported one")
    for n in range(3):
        login_as(Role.participant)
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
