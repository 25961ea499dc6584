"""The demo paper in caucus review: snapshot 1 frozen when drafting closed (not public: caucus
review is a working stage), a matrix partly filled with the accessibility caucus's objection and
the feminism caucus's endorsement with concerns, paragraphs fed by demo proposals, chat remarks
and a minutes point, and a listening report whose figures follow from those links."""

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.demo import load
from app.demo.policy_review_text import LINKS, PROPOSALS
from app.models.contributions import Contribution
from app.models.forums import Forum
from app.models.policy import PolicyDocument
from app.models.policy_reviews import SectionReview
from app.models.users import Role


def _sections(client: TestClient) -> dict[str, dict[str, Any]]:
    paper = client.get("/api/v1/documents/1").json()
    return {s["title"]: s for s in paper["sections"]}


def test_the_paper_is_in_caucus_review_with_a_frozen_drafting_snapshot(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    load(db)
    login_as(Role.secretariat)
    paper = client.get("/api/v1/documents/1").json()
    assert paper["stage"] == "caucus_review"
    listed = client.get("/api/v1/documents/1/snapshots")
    assert listed.status_code == 200, listed.text
    snapshots = listed.json()
    assert [(s["number"], s["from_stage"], s["stage"], s["public"]) for s in snapshots] == [
        (1, "drafting", "caucus_review", False)
    ]
    frozen = client.get("/api/v1/documents/1/snapshots/1").json()
    assert [s["title"] for s in frozen["sections"]][:2] == ["Vision", "Why care"]
    # Nobody outside the team reads a working stage's snapshot.
    client.post("/api/v1/auth/logout")
    assert client.get("/documents/1/v/1").status_code == 404


def test_the_matrix_has_the_objection_and_the_concerns(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    load(db)
    login_as(Role.secretariat)
    sections = _sections(client)
    matrix = client.get("/api/v1/documents/1/reviews")
    assert matrix.status_code == 200, matrix.text
    body = matrix.json()
    assert len(body["caucus_ids"]) == 3
    given = [c for c in body["cells"] if c["state"] != "none"]
    assert len(given) == 5
    objection = next(c for c in given if c["state"] == "object")
    assert objection["section_id"] == sections["Infrastructure"]["id"]
    assert "accessible routes" in objection["note"]
    concerns = next(c for c in given if c["state"] == "concerns")
    assert concerns["section_id"] == sections["Caregivers first"]["id"]
    assert body["counts"]["object"] == 1
    assert body["counts"]["concerns"] == 1
    assert body["counts"]["endorse"] == 3
    page = client.get("/documents/1")
    assert page.status_code == 200
    assert "Objection" in page.text
    # Each given by the caucus's representative on the team, not by the secretariat.
    reviewers = db.execute(select(SectionReview.reviewer_id)).scalars().all()
    assert len(set(reviewers)) == 3


def test_sources_and_the_listening_report_follow_from_the_demo(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    load(db)
    login_as(Role.secretariat)
    sections = _sections(client)
    infrastructure = client.get(f"/api/v1/sections/{sections['Infrastructure']['id']}").json()
    first = infrastructure["paragraphs"][0]["id"]
    fed = client.get(f"/api/v1/paragraphs/{first}/sources")
    assert fed.status_code == 200, fed.text
    kinds = Counter(s["target_kind"] for s in fed.json())
    assert kinds == {"contribution": 3}  # a proposal and two chat remarks
    planning = client.get(f"/api/v1/sections/{sections['Planning around care']['id']}").json()
    points = client.get(f"/api/v1/paragraphs/{planning['paragraphs'][0]['id']}/sources").json()
    assert [s["target_kind"] for s in points] == ["minutes_point"]

    # Expected figures, from the demo's own data: each linked contribution by its best outcome,
    # the forum's other published contributions not yet considered.
    forum_id = db.get(PolicyDocument, 1).forum_id  # type: ignore[union-attr]
    uclg = db.get(Forum, forum_id)
    assert uclg is not None
    published = db.execute(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.forum_id == forum_id, Contribution.status == "published")
    ).scalar_one()
    linked = {source: outcome for _t, _i, source, outcome, _r in LINKS if source[0] != "point"}
    expected = Counter(linked.values())
    expected["not_considered"] = published - len(linked)
    report = client.get("/api/v1/documents/1/listening-report")
    assert report.status_code == 200, report.text
    body = report.json()
    totals = body["outcomes"]
    assert body["total"] == published
    for outcome in ("incorporated", "partly_incorporated", "merged", "not_taken_up"):
        assert totals[outcome] == expected[outcome], outcome
    assert totals["not_considered"] == expected["not_considered"]
    assert published == len(PROPOSALS) + 5  # the six proposals and the Town Hall's five remarks


def test_a_second_load_changes_nothing(db: Session) -> None:
    load(db)
    counts = [
        db.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Contribution, SectionReview)
    ]
    load(db)
    assert [
        db.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Contribution, SectionReview)
    ] == counts
