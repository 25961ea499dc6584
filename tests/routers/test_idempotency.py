"""Idempotency keys belong to their submitter (issue 9, findings 3 and 24): another client's
same key neither replays nor blocks a submission, and a retry returns what the first answer
returned, an anonymous submitter's private receipt link included (form and API)."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.models.contributions import Contribution
from app.models.users import Role
from tests import factories
from tests.conftest import PASSWORD, csrf_header, form_token, make_user


def _anonymous_api(app: Any) -> TestClient:
    other = TestClient(app)
    other.headers.update(csrf_header(other))
    return other


def _proposal(forum_id: int, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "forum_id": forum_id,
        "title": title,
        "body": f"{title}: a proposal with enough words in it.",
        "language": "en",
        **extra,
    }


ANONYMOUS = {
    "author_name": "Ana",
    "author_email": "ana@example.org",
    "consent": True,
    "accept_privacy": True,
}


def test_another_anonymous_client_with_the_same_key_gets_its_own_submission(
    app: Any, db: Session
) -> None:
    forum = factories.forum(db)
    first, second = _anonymous_api(app), _anonymous_api(app)
    key = {"Idempotency-Key": "shared-key-000001"}
    mine = first.post(
        "/api/v1/contributions", json=_proposal(forum.id, "Mine", **ANONYMOUS), headers=key
    )
    assert mine.status_code == 201, mine.text
    theirs = second.post(
        "/api/v1/contributions",
        json=_proposal(
            forum.id,
            "Theirs",
            author_name="Bea",
            author_email="bea@example.org",
            consent=True,
            accept_privacy=True,
        ),
        headers=key,
    )
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["id"] != mine.json()["id"]
    assert "Mine" not in theirs.text
    # The same key in the body (the form's field) is scoped the same way.
    body_key = _proposal(forum.id, "Body key", idempotency_key="claimed-in-advance", **ANONYMOUS)
    claimed = second.post("/api/v1/contributions", json=body_key)
    victim = first.post("/api/v1/contributions", json={**body_key, "title": "Victim's"})
    assert claimed.status_code == victim.status_code == 201
    assert victim.json()["title"] == "Victim's"
    # Each one's retry is their own.
    again = first.post(
        "/api/v1/contributions", json=_proposal(forum.id, "Mine", **ANONYMOUS), headers=key
    )
    assert again.status_code == 200
    assert again.json()["id"] == mine.json()["id"]
    assert len(factories.query(db, select(Contribution))) == 4


def test_two_participants_with_the_same_form_key_each_get_their_own(
    app: Any, client: TestClient, db: Session, engine: Any, login_as: Any
) -> None:
    forum = factories.forum(db)
    login_as(Role.participant)
    fields = {"forum_id": str(forum.id), "language": "en", "idempotency_key": "form-key-000001"}
    token = form_token(client, "/contributions/new")
    first = client.post(
        "/contributions/new",
        data={**fields, "csrf_token": token, "title": "First one", "body": "Ten letters at least."},
        follow_redirects=False,
    )
    assert first.status_code == 303
    other = TestClient(app)
    user = make_user(engine, Role.participant)
    login = other.post(
        "/api/v1/auth/login",
        json={"email": user.email, "password": PASSWORD},
        headers=csrf_header(other),
    )
    assert login.status_code == 200, login.text
    token = form_token(other, "/contributions/new")
    second = other.post(
        "/contributions/new",
        data={**fields, "csrf_token": token, "title": "Second one", "body": "Ten letters too."},
        follow_redirects=False,
    )
    assert second.status_code == 303, second.text
    assert second.headers["location"] != first.headers["location"]
    titles = sorted(c.title for c in factories.query(db, select(Contribution)))
    assert titles == ["First one", "Second one"]


def test_a_retried_anonymous_form_keeps_its_private_link(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    data = {
        "csrf_token": form_token(client, f"/contributions/new?forum_id={forum.id}"),
        "forum_id": str(forum.id),
        "language": "en",
        "title": "Sent on a flaky link",
        "body": "The first answer never arrived.",
        "author_name": "Ana",
        "author_email": "ana@example.org",
        "consent": "true",
        "accept_privacy": "true",
        "idempotency_key": "flaky-link-000001",
    }
    first = client.post("/contributions/new", data=data, follow_redirects=False)
    retry = client.post("/contributions/new", data=data, follow_redirects=False)
    assert first.status_code == retry.status_code == 201
    links = [re.search(r'href="([^"]*receipt=[^"]+)"', r.text) for r in (first, retry)]
    assert links[0], first.text
    assert links[1], retry.text
    assert links[0].group(1) == links[1].group(1)
    assert "your proposal is published" not in retry.text
    page = client.get(links[1].group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Sent on a flaky link" in page.text
    assert len(factories.query(db, select(Contribution))) == 1


def test_the_api_returns_the_receipt_link_to_an_anonymous_submitter(app: Any, db: Session) -> None:
    forum = factories.forum(db)
    anonymous = _anonymous_api(app)
    key = {"Idempotency-Key": "api-receipt-00001"}
    body = _proposal(forum.id, "Through the API", **ANONYMOUS)
    first = anonymous.post("/api/v1/contributions", json=body, headers=key)
    retry = anonymous.post("/api/v1/contributions", json=body, headers=key)
    assert first.status_code == 201
    assert retry.status_code == 200
    link = first.json()["receipt_url"]
    assert link
    assert "receipt=" in link
    assert retry.json()["receipt_url"] == link
    assert anonymous.get(link).status_code == 200
    # Without the link the pending proposal stays private.
    assert anonymous.get(f"/contributions/{first.json()['id']}").status_code == 404


def test_an_account_gets_no_receipt_link(client: TestClient, db: Session, login_as: Any) -> None:
    forum = factories.forum(db)
    login_as(Role.participant)
    response = client.post("/api/v1/contributions", json=_proposal(forum.id, "With an account"))
    assert response.status_code == 201
    assert response.json()["receipt_url"] is None
