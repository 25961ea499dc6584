"""The demo's policy paper: "Caring Systems" in drafting, organised around the UNDP brief's
eight key points (as sections 3.1 to 3.8) and opened by the headline from the future, co-drafted
by two demo caucus representatives whose revisions show in its history; marked as a demo draft;
visible to its drafting team and the secretariat only; a second load changes nothing."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.demo import load
from app.demo.policy_text import POINTS
from app.models.policy import PolicyDocument, SectionRevision
from app.models.users import Role


def _paper(client: TestClient) -> dict[str, Any]:
    listed = client.get("/api/v1/documents/1")
    assert listed.status_code == 200, listed.text
    return dict(listed.json())


def test_the_demo_paper_follows_the_eight_key_points(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    load(db)
    login_as(Role.secretariat)
    paper = _paper(client)
    assert paper["title"]["en"].startswith("Caring Systems")
    assert paper["stage"] == "caucus_review"  # carried there by the part 2 demo
    sections = paper["sections"]
    numbers = {s["number"]: s["title"] for s in sections}
    assert numbers["1"] == "Vision"
    assert [numbers[f"3.{n}"] for n in range(1, 9)] == [title for title, _ in POINTS]
    vision = client.get(f"/api/v1/sections/{sections[0]['id']}").json()
    assert "Demo draft" in vision["body"]
    assert "2042" in vision["body"]
    # Both demo editors revised sections: their names are in the history.
    planning = next(s for s in sections if s["title"] == "Planning around care")
    revisions = client.get(f"/api/v1/sections/{planning['id']}/revisions").json()
    assert len(revisions) == 2
    assert {r["author"] for r in revisions} == {
        "Demo editor (accessibility caucus)",
        "Demo editor (feminism caucus)",
    }


def test_the_paper_is_for_its_team_and_staff_and_loads_once(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    load(db)
    assert client.get("/api/v1/documents/1").status_code == 404
    login_as(Role.participant)
    assert client.get("/api/v1/documents/1").status_code == 404
    before = db.execute(select(func.count()).select_from(SectionRevision)).scalar_one()
    load(db)
    assert db.execute(select(func.count()).select_from(SectionRevision)).scalar_one() == before
    assert db.execute(select(func.count()).select_from(PolicyDocument)).scalar_one() == 1


def test_the_paper_has_an_outdated_and_a_pending_amendment_and_a_thread(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    load(db)
    login_as(Role.secretariat)
    listed = client.get("/api/v1/documents/1/amendments")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    items = body["items"] if isinstance(body, dict) else body
    assert [a["status"] for a in items] == ["pending", "pending"]
    assert sorted(bool(a["outdated"]) for a in items) == [False, True]
    sections = _paper(client)["sections"]
    caregivers = next(s for s in sections if s["title"] == "Caregivers first")
    paragraph = client.get(f"/api/v1/sections/{caregivers['id']}").json()["paragraphs"][0]
    thread = client.get(f"/api/v1/paragraphs/{paragraph['id']}/comments").json()
    assert "young carers" in str(thread)
    assert "youth caucus for a sentence" in str(thread)
    page = client.get(f"/paragraphs/{paragraph['id']}/comments")
    assert page.status_code == 200
