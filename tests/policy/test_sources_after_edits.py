"""Sources through later edits: a paragraph merged into another gives that paragraph its
sources (its page, the next snapshot), and a link on a paragraph since removed no longer counts
in the working text's listening report, as a snapshot no longer holds it."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.forums import Forum
from app.models.policy_sources import ParagraphSource
from app.models.users import Role
from app.services import policy
from tests import factories
from tests.policy.helpers import PARAGRAPHS, paper
from tests.policy.test_stages import move, sign_off

Login = Callable[..., Any]


def _link(db: Session, document_id: int, paragraph_id: int, contribution_id: int) -> None:
    db.add(
        ParagraphSource(
            document_id=document_id,
            paragraph_id=paragraph_id,
            target_kind="contribution",
            target_id=contribution_id,
            outcome="incorporated",
        )
    )
    db.commit()


def _save(db: Session, made: Any, body: str) -> None:
    section = policy.get_section(db, made.section.id or 0)
    policy.save_section(
        db, actor=made.staff, section=section, base_version=section.version, body=body
    )


def test_a_merged_paragraph_brings_its_sources_into_the_next_snapshot(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    forum = db.get(Forum, made.document.forum_id)
    fed = factories.contribution(db, forum, title="Train the care workers")
    first, second, _third = (p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0))
    _link(db, made.document.id or 0, second, fed.id or 0)
    # The first two paragraphs become one: the first keeps its id, the second is merged away.
    _save(db, made, f"{PARAGRAPHS[0]} {PARAGRAPHS[1]}\n\n{PARAGRAPHS[2]}")
    assert policy.current_paragraphs(db, made.section.id or 0)[0].id == first
    sign_off(db, made)
    login_as(Role.secretariat)
    doc = made.document.id or 0
    assert move(client, doc).status_code == 200
    snapshot = client.get(f"/api/v1/documents/{doc}/snapshots/1").json()
    frozen = snapshot["sections"][0]["paragraphs"][0]
    assert frozen["id"] == first
    assert [s["title"] for s in frozen["sources"]] == ["Train the care workers"]
    listed = client.get(f"/api/v1/paragraphs/{first}/sources").json()
    assert [s["target_id"] for s in listed] == [fed.id]


def test_a_removed_paragraph_no_longer_counts_in_the_working_report(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    forum = db.get(Forum, made.document.forum_id)
    kept = factories.contribution(db, forum, title="Care as a right")
    dropped = factories.contribution(db, forum, title="A caucus clause")
    first, _second, third = (p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0))
    _link(db, made.document.id or 0, first, kept.id or 0)
    _link(db, made.document.id or 0, third, dropped.id or 0)
    login_as(Role.secretariat)
    doc = made.document.id or 0
    before = client.get(f"/api/v1/documents/{doc}/listening-report").json()["outcomes"]
    assert (before["incorporated"], before["not_considered"]) == (2, 0)
    _save(db, made, f"{PARAGRAPHS[0]}\n\n{PARAGRAPHS[1]}")  # the third paragraph goes
    after = client.get(f"/api/v1/documents/{doc}/listening-report").json()["outcomes"]
    assert (after["incorporated"], after["not_considered"]) == (1, 1)
