"""Stored HTML (issue 9, finding 13): a contribution's HTML is made once, when it is written;
lists, pages and the API show the stored HTML and never render Markdown on read, so five
bodies of 20,000 `[` cost their authors a render each and readers nothing."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.lib import markup
from app.models.contributions import Contribution
from app.models.users import Role
from tests import factories

BRACKETS = "[" * 20000


def refuse_rendering(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fails any Markdown rendering from here on, and records the attempts."""
    attempts: list[str] = []

    def refuse() -> Any:
        attempts.append("render")
        raise AssertionError("Markdown rendered on read")

    monkeypatch.setattr(markup, "_markdown", refuse)
    monkeypatch.setattr(markup, "_linked_text", refuse)
    return attempts


def test_five_pathological_bodies_are_listed_without_rendering(
    client: TestClient, db: Session, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    forum = factories.forum(db)
    login_as(Role.participant)
    for n in range(5):
        body = {
            "forum_id": forum.id,
            "title": f"Colchetes {n}",
            "body": BRACKETS,
            "language": "pt",
        }
        assert client.post("/api/v1/contributions", json=body).status_code == 201
    stored = factories.query(db, select(Contribution))
    assert [c.body_html for c in stored] == [markup.store(BRACKETS)] * 5

    attempts = refuse_rendering(monkeypatch)
    listed = client.get("/api/v1/contributions", params={"limit": 20})
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert len(items) == 5
    assert {item["body_html"] for item in items} == {stored[0].body_html}
    one = client.get(f"/api/v1/contributions/{stored[0].id}")
    assert one.json()["body_html"] == stored[0].body_html
    assert client.get(f"/contributions/{stored[0].id}").status_code == 200
    assert client.get("/contributions").status_code == 200
    assert attempts == []


def test_the_page_shows_the_stored_html(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, body="Ver **isto** e [o plano](https://example.org)")
    attempts = refuse_rendering(monkeypatch)
    page = client.get(f"/contributions/{item.id}").text
    assert 'Ver <strong>isto</strong> e <a href="https://example.org"' in page
    assert item.body_html in page
    assert attempts == []
