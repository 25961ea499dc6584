"""A participant downloads everything stored about them (issue 15, data portability): one ZIP
with data.json and the files they attached, through `GET /api/v1/me/export` or a link from the
account page that only its owner, in the session that asked for it, can use for ten minutes."""

import io
import json
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models.audit import RateCounter
from app.models.contributions import Attachment, Endorsement, Report, ReportReason
from app.models.forums import Forum
from app.models.types import utcnow
from app.models.users import Invitation, LoginSession, Role, User
from app.services import audit, data_export, policy
from tests import factories
from tests.conftest import form_token, make_user
from tests.policy.helpers import add_to_team, paper
from tests.web.test_fragments import _log_in

PDF = b"%PDF-1.4\n% their own report zq-mine\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% someone else's zq-theirs\n%%EOF\n"


def _attach(db: Session, contribution_id: int, name: str, data: bytes) -> None:
    db.add(
        Attachment(
            contribution_id=contribution_id,
            filename=name,
            media_type="application/pdf",
            size=len(data),
            sha256=uuid.uuid4().hex,
            data=data,
        )
    )


def _invite(db: Session, email: str) -> None:
    expires_at = utcnow() + timedelta(days=1)
    db.add(
        Invitation(
            email=email, role=Role.participant, token_hash=uuid.uuid4().hex, expires_at=expires_at
        )
    )


def _entries(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _ask_link(client: TestClient) -> str:
    answer = client.post(
        "/account/export",
        data={"csrf_token": form_token(client, "/account")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith("/account/export/")
    return location


def _assert_zip(answer: Any) -> dict[str, bytes]:
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == "application/zip"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="townhall-data-')
    assert disposition.endswith('.zip"')
    assert "no-store" in answer.headers["cache-control"]
    return _entries(answer.content)


@pytest.fixture
def two_people(client: TestClient, db: Session, login_as: Any) -> dict[str, Any]:
    """A participant with data in many tables, and someone else with data in the same ones."""
    marker = uuid.uuid4().hex[:8]
    other_email, other_name = f"other-{marker}@example.org", f"Xo{marker}Other"
    other = make_user(db.get_bind(), Role.participant, email=other_email, display_name=other_name)  # type: ignore[arg-type]
    made = paper(db)
    forum_row = db.get(Forum, made.document.forum_id)
    assert forum_row is not None
    theirs = factories.contribution(db, forum_row, author_id=other.id, title=f"By {other_name}")
    _attach(db, theirs.id, "theirs.pdf", OTHER_PDF)
    factories.contribution(
        db, forum_row, author_name=other_name, author_email=other_email, status="pending"
    )
    _invite(db, other_email)
    db.commit()

    email, name = f"mine-{marker}@example.org", f"Zm{marker}Mine"
    user = login_as(Role.participant, email=email, display_name=name)
    assert user.id is not None
    add_to_team(db, made, user, "editor")
    mine = factories.contribution(db, forum_row, author_id=user.id, title="My proposal")
    _attach(db, mine.id, "my report.pdf", PDF)
    sent = factories.contribution(
        db, forum_row, author_name=name, author_email=email, status="pending", title="Sent early"
    )
    db.add(Endorsement(contribution_id=theirs.id, user_id=user.id))
    db.add(Endorsement(contribution_id=mine.id, user_id=other.id or 0))
    db.add(Report(contribution_id=theirs.id, reporter_id=user.id, reason=ReportReason.spam))
    _invite(db, email)
    audit.record(db, actor=user, action="user.accept", object_type="user", object_id=user.id)
    db.commit()
    paragraphs = policy.current_paragraphs(db, made.section.id or 0)
    db.commit()
    written = {
        kind: client.post(f"/api/v1/paragraphs/{paragraph.id}/{kind}", json=body)
        for kind, paragraph, body in (
            ("comments", paragraphs[1], {"body": "Agreed, with care."}),
            (
                "amendments",
                paragraphs[0],
                {"replacement": "Care is a right.", "rationale": "Shorter."},
            ),
        )
    }
    assert all(a.status_code == 201 for a in written.values()), [a.text for a in written.values()]
    confirmation = client.post(
        "/account/confirmation", data={"csrf_token": form_token(client, "/account")}
    )
    assert confirmation.status_code in (200, 303)
    return {
        "user": user,
        "email": email,
        "name": name,
        "mine": mine.id,
        "sent": sent.id,
        "theirs": theirs.id,
        "comment": written["comments"].json()["id"],
        "amendment": written["amendments"].json()["id"],
        "document": made.document.id,
        "other_markers": [other_email, other_name, "zq-theirs"],
    }


def test_the_export_holds_everything_theirs_and_nothing_of_anyone_else(
    client: TestClient, db: Session, two_people: dict[str, Any]
) -> None:
    entries = _assert_zip(client.get("/api/v1/me/export"))
    data = json.loads(entries["data.json"])
    tables = data["tables"]
    user = two_people["user"]
    assert data["user_id"] == user.id
    [account] = tables["user"]
    assert account["email"] == two_people["email"]
    assert account["display_name"] == two_people["name"]
    assert "password_hash" not in account
    ids = {r["id"] for r in tables["contribution"]}
    assert ids == {two_people["mine"], two_people["sent"]}  # with the account, and before it
    assert all(
        "idempotency_key" not in r and "receipt_hash" not in r for r in tables["contribution"]
    )
    [attachment] = tables["attachment"]
    assert attachment["filename"] == "my report.pdf"
    assert entries[attachment["data"]["file"]] == PDF
    assert attachment["data"]["file"].startswith("attachments/attachment/")
    assert tables["endorsement"] == [
        {
            "contribution_id": two_people["theirs"],
            "user_id": user.id,
            "created_at": tables["endorsement"][0]["created_at"],
        }
    ]
    assert [r["contribution_id"] for r in tables["report"]] == [two_people["theirs"]]
    assert [r["id"] for r in tables["policy_comment"]] == [two_people["comment"]]
    assert [r["id"] for r in tables["policy_amendment"]] == [two_people["amendment"]]
    assert [r["document_id"] for r in tables["policy_team_member"]] == [two_people["document"]]
    assert [r["email"] for r in tables["invitation"]] == [two_people["email"]]
    assert all("token_hash" not in r for r in tables["invitation"] + tables["login_session"])
    assert tables["outbox"]
    assert all(r["recipient"] == two_people["email"] for r in tables["outbox"])
    assert tables["account_token"]
    assert all("token_hash" not in r for r in tables["account_token"])
    assert [r["action"] for r in tables["audit_event"]] == ["user.accept"]
    assert len(tables["login_session"]) == 1
    # Nothing of the other person: their address, name, files and rows.
    stored = db.exec(select(User).where(User.id == user.id)).one()
    hashes = list(db.exec(select(LoginSession.token_hash)))
    for name, body in entries.items():
        for marker in two_people["other_markers"]:
            assert marker.encode() not in body, (marker, name)
        assert (stored.password_hash or "-").encode() not in body
        for token_hash in hashes:
            assert token_hash.encode() not in body
    assert [n for n in entries if n.startswith("attachments/")] == [attachment["data"]["file"]]


def test_the_account_page_offers_it(client: TestClient, login_as: Any) -> None:
    login_as(Role.participant)
    page = client.get("/account").text
    assert 'action="/account/export"' in page
    assert "Download my data" in page


def test_the_link_is_for_its_owner_in_that_session_only(
    app: Any, client: TestClient, db: Session, login_as: Any
) -> None:
    owner = login_as(Role.participant)
    link = _ask_link(client)
    entries = _assert_zip(client.get(link))
    assert json.loads(entries["data.json"])["user_id"] == owner.id
    old_cookies = dict(client.cookies)

    with TestClient(app, headers={"Accept-Language": "en"}) as anonymous:
        for _ in range(2):  # and not kept by the page cache for the next one
            answer = anonymous.get(link)
            assert answer.status_code == 404
            assert answer.headers["content-type"].startswith("text/html")

    with TestClient(app, headers={"Accept-Language": "en"}) as stranger:
        _log_in(stranger, make_user(db.get_bind(), Role.secretariat).email)  # type: ignore[arg-type]
        assert stranger.get(link).status_code == 404

    # Tampered with, or expired.
    assert client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 404
    expired = data_export.LINK_MAX_AGE_S
    try:
        data_export.LINK_MAX_AGE_S = -1
        assert client.get(link).status_code == 404
    finally:
        data_export.LINK_MAX_AGE_S = expired

    # After logout: neither the browser nor a replayed cookie, nor the owner logged in again.
    out = client.post("/logout", data={"csrf_token": form_token(client, "/account")})
    assert out.status_code in (200, 303)
    assert client.get(link).status_code == 404
    with TestClient(app, headers={"Accept-Language": "en"}) as replay:
        replay.cookies.update(old_cookies)
        assert replay.get(link).status_code == 404
    _log_in(client, owner.email)
    assert client.get(link).status_code == 404
    _assert_zip(client.get(_ask_link(client)))


def test_asking_for_a_link_needs_the_csrf_token_and_an_account(
    client: TestClient, login_as: Any
) -> None:
    assert client.post("/account/export", follow_redirects=False).status_code in (401, 403)
    login_as(Role.participant)
    client.headers.pop("X-CSRF-Token", None)
    assert client.post("/account/export", follow_redirects=False).status_code == 403
    assert client.get("/account/export/not-a-token").status_code == 404


def test_the_api_needs_an_account(client: TestClient) -> None:
    assert client.get("/api/v1/me/export").status_code == 401


def test_exports_are_throttled_per_account(client: TestClient, db: Session, login_as: Any) -> None:
    login_as(Role.participant)
    for _ in range(data_export.EXPORTS_PER_HOUR):
        assert client.get("/api/v1/me/export").status_code == 200
    refused = client.get("/api/v1/me/export")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    link = _ask_link(client)
    assert client.get(link).status_code == 429
    assert db.exec(select(RateCounter).where(RateCounter.key.startswith("data-export:"))).first()
