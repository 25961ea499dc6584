"""Stages to adoption: every default stage in turn with the caucuses' sign-off in place, the gate
of caucus review (objection, missing, stale) as a table of cases, returning with a reason,
one event and one snapshot per move, two moves at once, the secretariat's stage list and its
rules, and the working text locked once adopted. Through HTTP, as the secretariat would."""

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.models.caucuses import Caucus
from app.models.policy import SectionCreate
from app.models.policy_amendments import AmendmentCreate
from app.models.policy_reviews import DocumentCaucus, SectionReview
from app.models.policy_stages import DocumentSnapshot, StageEvent
from app.models.users import Role
from app.services import policy
from app.services.policy import amendments
from tests import factories
from tests.conftest import form_token
from tests.policy.helpers import Paper, paper

Login = Callable[..., Any]
DEFAULT = ["drafting", "caucus_review", "policy_council", "committee", "world_council", "adopted"]


@pytest.fixture
def made(db: Session) -> Paper:
    """The paper with two sections, every required caucus's endorsement of each current
    revision written directly (the review service is another part's)."""
    found = paper(db)
    policy.create_section(
        db,
        actor=found.staff,
        document=found.document,
        data=SectionCreate(title="Workers", body="Decent work."),
    )
    sign_off(db, found)
    return found


def caucuses(db: Session, document_id: int) -> dict[str, Caucus]:
    ids = factories.query(
        db,
        select(col(DocumentCaucus.caucus_id)).where(col(DocumentCaucus.document_id) == document_id),
    )
    rows = factories.query(db, select(Caucus).where(col(Caucus.id).in_(ids)))
    return {c.code: c for c in rows}


def sign_off(db: Session, made: Paper, verdict: str = "endorse") -> None:
    db.commit()
    for numbered in policy.tree(db, made.document.id or 0):
        section = numbered.section
        for caucus in caucuses(db, made.document.id or 0).values():
            found = db.execute(
                select(SectionReview).where(
                    col(SectionReview.section_id) == section.id,
                    col(SectionReview.caucus_id) == caucus.id,
                )
            ).scalar_one_or_none()
            review = found or SectionReview(
                document_id=made.document.id or 0,
                section_id=section.id or 0,
                caucus_id=caucus.id or 0,
                status=verdict,
            )
            review.status, review.revision = verdict, section.version
            db.add(review)
    db.commit()


def move(
    client: TestClient, document_id: int, action: str = "advance", reason: str = "", **extra: Any
) -> Any:
    return client.post(
        f"/api/v1/documents/{document_id}/transitions",
        json={"action": action, "reason": reason, **extra},
    )


def events(db: Session, document_id: int) -> list[StageEvent]:
    return factories.query(
        db,
        select(StageEvent)
        .where(col(StageEvent.document_id) == document_id)
        .order_by(col(StageEvent.id)),
    )


def snapshot_rows(db: Session, document_id: int) -> list[DocumentSnapshot]:
    return factories.query(
        db,
        select(DocumentSnapshot)
        .where(col(DocumentSnapshot.document_id) == document_id)
        .order_by(col(DocumentSnapshot.number)),
    )


def test_advance_through_every_default_stage_to_adoption(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    stages = client.get(f"/api/v1/documents/{doc}/stages").json()
    assert [s["key"] for s in stages] == DEFAULT
    assert [s["current"] for s in stages] == [True] + [False] * 5
    assert [s["name"] for s in stages][:2] == ["Drafting", "Caucus review"]
    for n, key in enumerate(DEFAULT[1:], start=1):
        answer = move(client, doc, reason=f"Step {n}")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "document_id": doc,
            "stage": key,
            "stage_name": client.get(f"/api/v1/documents/{doc}/stages").json()[n]["name"],
            "snapshot": n,
        }
    # Expected by hand: one event per move, naming its snapshot; one snapshot per move.
    assert [
        (e.action, e.from_status, e.to_status, e.snapshot_number, e.reason) for e in events(db, doc)
    ] == [
        ("advance", "drafting", "caucus_review", 1, "Step 1"),
        ("advance", "caucus_review", "policy_council", 2, "Step 2"),
        ("advance", "policy_council", "committee", 3, "Step 3"),
        ("advance", "committee", "world_council", 4, "Step 4"),
        ("advance", "world_council", "adopted", 5, "Step 5"),
    ]
    frozen = snapshot_rows(db, doc)
    assert [(s.number, s.from_stage, s.stage, s.public) for s in frozen] == [
        (1, "drafting", "caucus_review", False),
        (2, "caucus_review", "policy_council", True),
        (3, "policy_council", "committee", True),
        (4, "committee", "world_council", True),
        (5, "world_council", "adopted", True),
    ]
    assert frozen[-1].stage_name["en"] == "Adopted"
    assert set(frozen[-1].stage_name) == {"en", "es", "pt"}
    assert [s["number"] for s in frozen[-1].sections] == ["1", "2"]
    # Nothing after the last stage.
    last = move(client, doc)
    assert last.status_code == 409
    assert len(snapshot_rows(db, doc)) == 5


# The gate, by hand: (what one caucus did on section 1, whether the move is refused, reason)
GATE = [
    ("endorse", False, None),
    ("concerns", False, None),
    ("object", True, "objection"),
    ("missing", True, "missing"),
    ("stale", True, "stale"),
]


@pytest.mark.parametrize(("done", "refused", "reason"), GATE, ids=[g[0] for g in GATE])
def test_the_caucus_review_gate(
    client: TestClient,
    db: Session,
    made: Paper,
    login_as: Login,
    done: str,
    refused: bool,
    reason: str | None,
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    assert move(client, doc).status_code == 200  # into caucus review
    accessibility = caucuses(db, doc)["accessibility"]
    review = db.execute(
        select(SectionReview).where(
            col(SectionReview.section_id) == made.section.id,
            col(SectionReview.caucus_id) == accessibility.id,
        )
    ).scalar_one()
    if done == "missing":
        db.delete(review)
    elif done == "stale":
        review.revision = made.section.version - 1
    elif done in ("object", "concerns"):
        review.status = done
    if done != "missing":
        db.add(review)
    db.commit()
    answer = move(client, doc, from_stage="caucus_review")
    if not refused:
        assert answer.status_code == 200, answer.text
        return
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["blockers"] == [
        {
            "section_id": made.section.id,
            "number": "1",
            "title": "Care as a right",
            "caucus_id": accessibility.id,
            "caucus": body["blockers"][0]["caucus"],
            "reason": reason,
        }
    ]
    assert "Accessibility" in body["blockers"][0]["caucus"]
    # The sentence names the section and the caucus too.
    assert "1 Care as a right" in body["detail"]
    assert body["blockers"][0]["caucus"] in body["detail"]
    assert len(snapshot_rows(db, doc)) == 1
    assert client.get(f"/api/v1/documents/{doc}/stages").json()[1]["current"] is True


def test_return_needs_a_reason_and_freezes_a_snapshot(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    assert move(client, doc, "return", "Why not").status_code == 409  # nothing before drafting
    assert move(client, doc).status_code == 200
    refused = move(client, doc, "return", "   ")
    assert refused.status_code == 422
    assert "reason" in refused.json()["errors"]
    back = move(client, doc, "return", "The youth caucus asked for another round.")
    assert back.status_code == 200
    assert back.json()["stage"] == "drafting"
    assert back.json()["snapshot"] == 2
    last = events(db, doc)[-1]
    assert (last.action, last.to_status, last.reason, last.snapshot_number) == (
        "return",
        "drafting",
        "The youth caucus asked for another round.",
        2,
    )


def test_only_the_secretariat_moves_a_document(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    doc = made.document.id or 0
    login_as(Role.participant)
    assert move(client, doc).status_code == 404
    assert len(snapshot_rows(db, doc)) == 0


def test_two_advances_at_once_move_it_one_stage(
    client: TestClient, engine: Engine, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    results: list[int] = []
    barrier = threading.Barrier(2)

    def go() -> None:
        barrier.wait()
        results.append(move(client, doc, from_stage="drafting").status_code)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    assert len(snapshot_rows(db, doc)) == 1
    assert len(events(db, doc)) == 1
    assert client.get(f"/api/v1/documents/{doc}/stages").json()[1]["current"] is True


NAMES = {"en": "Regional hearing", "es": "Audiencia regional", "pt": "Audiência regional"}


def _listed(client: TestClient, doc: int) -> list[dict[str, Any]]:
    return [
        {
            "key": s["key"],
            "name": {"en": s["name"]},
            "public": s["public"],
            "needs_signoff": s["needs_signoff"],
        }
        for s in client.get(f"/api/v1/documents/{doc}/stages").json()
    ]


def test_configuring_stages_keeps_the_past_in_place(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    assert move(client, doc).status_code == 200  # now in caucus review
    stages = _listed(client, doc)
    # Add a stage after the current one, drop the committee, make the World Council not public.
    wanted = [
        *stages[:2],
        {"name": NAMES, "public": True},
        stages[2],
        {**stages[4], "public": False},
        stages[5],
    ]
    answer = client.put(f"/api/v1/documents/{doc}/stages", json={"stages": wanted})
    assert answer.status_code == 200, answer.text
    got = answer.json()
    assert [s["key"] for s in got] == [
        "drafting",
        "caucus_review",
        "regional_hearing",
        "policy_council",
        "world_council",
        "adopted",
    ]
    assert got[2]["name"] == "Regional hearing"
    assert got[2]["public"] is True
    assert got[4]["public"] is False
    assert got[1]["current"] is True
    client.headers["Accept-Language"] = "es"
    assert client.get(f"/api/v1/documents/{doc}/stages").json()[2]["name"] == "Audiencia regional"
    client.headers["Accept-Language"] = "en"
    stages = _listed(client, doc)
    for refused in (
        [stages[1], stages[0], *stages[2:]],  # the past reordered
        [stages[0], *stages[2:]],  # the current stage removed
        [stages[1], *stages[2:]],  # an earlier stage removed
        [*stages, {"key": "adopted", "name": {"en": "Again"}}],  # a key twice
        stages[:2],  # nothing left after the current stage: adopted without a move
    ):
        answer = client.put(f"/api/v1/documents/{doc}/stages", json={"stages": refused})
        assert answer.status_code == 422, (refused, answer.text)
    assert [s["key"] for s in _listed(client, doc)] == [s["key"] for s in stages]
    # The next move goes to the new stage, and its snapshot is public as configured.
    sign_off(db, made)
    assert move(client, doc).json()["stage"] == "regional_hearing"
    assert snapshot_rows(db, doc)[-1].public is True
    assert snapshot_rows(db, doc)[-1].stage_name["pt"] == "Audiência regional"


def test_the_stages_form_works_with_empty_fields(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    page = client.get(f"/documents/{doc}/stages")
    assert page.status_code == 200
    assert 'name="s0.name.es"' in page.text
    assert 'value="Redacción"' in page.text
    form = dict(re.findall(r'name="([^"]+)"[^>]*?value="([^"]*)"', page.text))
    form = {
        k: v for k, v in form.items() if not k.endswith((".public", ".needs_signoff", ".remove"))
    }
    form["s0.public"] = ""
    form["s2.public"] = "true"
    form["s5.remove"] = "true"  # drop the last stage…
    form["s6.name.en"] = "Final vote"  # …and add another, with its other names empty
    form["s6.name.es"] = ""
    form["s6.order"] = ""
    form["csrf_token"] = form_token(client, f"/documents/{doc}/stages")
    done = client.post(f"/documents/{doc}/stages", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text[:2000]
    keys = [s["key"] for s in client.get(f"/api/v1/documents/{doc}/stages").json()]
    assert keys == [
        "drafting",
        "caucus_review",
        "policy_council",
        "committee",
        "world_council",
        "final_vote",
    ]
    # A row with no name left is refused on the form, which keeps what was typed.
    form["s1.name.en"] = form["s1.name.es"] = form["s1.name.pt"] = ""
    form["csrf_token"] = form_token(client, f"/documents/{doc}/stages")
    again = client.post(f"/documents/{doc}/stages", data=form, follow_redirects=False)
    assert again.status_code == 422
    assert 'id="f-s1-name"' in again.text
    assert "field-error" in again.text


def test_the_stage_panel_and_a_refusal_on_the_page(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    page = client.get(f"/documents/{doc}").text
    assert re.search(
        r'<li class="is-current" aria-current="step">\s*'
        r'<p class="step-state">Current stage</p>\s*<h3>Drafting</h3>',
        page,
    )
    assert "Move to “Caucus review”" in page
    token = form_token(client, f"/documents/{doc}")
    moved = client.post(
        f"/documents/{doc}/transitions",
        data={"action": "advance", "reason": "", "from_stage": "drafting", "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/documents/{doc}#stage"
    review = (
        db.execute(select(SectionReview).where(col(SectionReview.section_id) == made.section.id))
        .scalars()
        .first()
    )
    assert review is not None
    review.status = "object"
    db.add(review)
    db.commit()
    token = form_token(client, f"/documents/{doc}")
    refused = client.post(
        f"/documents/{doc}/transitions",
        data={
            "action": "advance",
            "reason": "Ready",
            "from_stage": "caucus_review",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 409
    assert f'href="/documents/{doc}#s-{made.section.id}"' in refused.text
    assert f'href="/sections/{made.section.id}/reviews/{review.caucus_id}"' in refused.text
    assert "objection" in refused.text
    assert ">Ready</textarea>" in refused.text
    # A stale form (the document moved since) is refused, not applied a second time.
    stale = client.post(
        f"/documents/{doc}/transitions",
        data={"action": "advance", "reason": "", "from_stage": "drafting", "csrf_token": token},
    )
    assert stale.status_code == 409
    assert len(snapshot_rows(db, doc)) == 1


def test_the_working_text_is_locked_once_adopted(
    client: TestClient, db: Session, made: Paper, login_as: Login
) -> None:
    login_as(Role.secretariat)
    doc = made.document.id or 0
    paragraph = policy.current_paragraphs(db, made.section.id or 0)[0]
    pending = amendments.propose(
        db,
        actor=made.staff,
        paragraph=paragraph,
        data=AmendmentCreate(replacement="Care is a right.", rationale="Shorter."),
    )
    for _ in DEFAULT[1:]:
        assert move(client, doc).status_code == 200
    section = client.get(f"/api/v1/sections/{made.section.id}").json()
    saved = client.put(
        f"/api/v1/sections/{made.section.id}",
        json={"body": "Changed.", "base_version": section["version"]},
    )
    assert saved.status_code == 409
    assert "adopted" in saved.json()["detail"]
    added = client.post(f"/api/v1/documents/{doc}/sections", json={"title": "More", "body": "x"})
    assert added.status_code == 409
    reverted = client.post(f"/api/v1/sections/{made.section.id}/revert", json={"revision": 1})
    assert reverted.status_code == 409
    accepted = client.post(
        f"/api/v1/amendments/{pending.id}/decision", json={"action": "accept", "reason": ""}
    )
    assert accepted.status_code == 409
    assert client.get(f"/api/v1/amendments/{pending.id}").json()["status"] == "pending"
    page = client.get(f"/documents/{doc}").text
    assert "its text is final" in page
    assert f'href="/sections/{made.section.id}/edit"' not in page
    assert client.get(f"/api/v1/sections/{made.section.id}").json()["body"] == section["body"]
