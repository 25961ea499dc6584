"""Amendments to paragraphs: the workflow table, acceptance credited in a new revision that
keeps a concurrent edit, outdated amendments and their rebase, merging, and the pages."""

import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from app.db import open_session
from app.models.policy import SectionRevision
from app.models.policy_amendments import (
    Amendment,
    AmendmentCreate,
    AmendmentDecision,
    AmendmentEvent,
)
from app.models.users import Role, User
from app.services import policy
from app.services.errors import Conflict, InvalidInput, PermissionDenied
from app.services.policy import amendments as service
from app.services.policy.extensions import tools_for
from tests.conftest import form_token
from tests.policy.helpers import PARAGRAPHS, Paper, add_to_team, paper, person

Login = Callable[..., Any]


def _ids(db: Session, made: Paper) -> list[int]:
    return [p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0)]


def _propose(db: Session, made: Paper, author: User, n: int = 0, text: str = "") -> Amendment:
    paragraph = policy.current_paragraphs(db, made.section.id or 0)[n]
    return service.propose(
        db,
        actor=author,
        paragraph=paragraph,
        data=AmendmentCreate(
            replacement=text or "Care is a universal right of every person.", rationale="Clearer."
        ),
    )


def _team(db: Session) -> tuple[Paper, User, User]:
    made = paper(db)
    editor = person(db, name="Ana Editor")
    rep = person(db, Role.caucus_rep, name="Bea Rep")
    add_to_team(db, made, editor, "editor")
    add_to_team(db, made, rep, "caucus_rep")
    return made, editor, rep


def _act(db: Session, made: Paper, actor: User, amendment: Amendment, action: str) -> None:
    service.decide(
        db,
        actor=actor,
        document=made.document,
        amendment=amendment,
        data=AmendmentDecision.model_validate({"action": action, "reason": "Because."}),
        editors=service.editor_ids(db, made.document.id or 0),
    )


# Each status × action → the outcome, written out: a status, or the error a person is given.
TABLE = [
    ("pending", "accept", "accepted"),
    ("pending", "reject", "rejected"),
    ("pending", "withdraw", "withdrawn"),
    ("accepted", "accept", Conflict),
    ("accepted", "reject", Conflict),
    ("accepted", "withdraw", Conflict),
    ("rejected", "accept", Conflict),
    ("rejected", "reject", Conflict),
    ("rejected", "withdraw", Conflict),
    ("withdrawn", "accept", Conflict),
    ("withdrawn", "reject", Conflict),
    ("withdrawn", "withdraw", Conflict),
    ("merged", "accept", Conflict),
    ("merged", "reject", Conflict),
    ("merged", "withdraw", Conflict),
]


@pytest.mark.parametrize(("status", "action", "outcome"), TABLE)
def test_the_workflow_table(db: Session, status: str, action: str, outcome: Any) -> None:
    made, editor, rep = _team(db)
    amendment = _propose(db, made, rep)
    if status != "pending":
        amendment.status = status  # type: ignore[assignment]
        db.add(amendment)
        db.commit()
    actor = rep if action == "withdraw" else editor
    if isinstance(outcome, str):
        _act(db, made, actor, amendment, action)
        db.refresh(amendment)
        assert amendment.status == outcome
        actions = [
            e.action
            for e in db.execute(
                select(AmendmentEvent).where(col(AmendmentEvent.amendment_id) == amendment.id)
            ).scalars()
        ]
        assert actions == ["propose", action]
    else:
        with pytest.raises(outcome):
            _act(db, made, actor, amendment, action)


def test_who_may_take_each_action(db: Session) -> None:
    made, editor, rep = _team(db)
    amendment = _propose(db, made, rep)
    with pytest.raises(PermissionDenied):  # a caucus representative does not decide
        _act(db, made, rep, amendment, "accept")
    with pytest.raises(PermissionDenied):  # only the author withdraws
        _act(db, made, editor, amendment, "withdraw")
    with pytest.raises(InvalidInput):  # a rejection says why
        service.decide(
            db,
            actor=editor,
            document=made.document,
            amendment=amendment,
            data=AmendmentDecision(action="reject"),
            editors={editor.id or 0},
        )
    assert amendment.status == "pending"


def test_accepting_credits_the_amender_and_keeps_a_concurrent_edit(db: Session) -> None:
    made, editor, rep = _team(db)
    first, second, third = _ids(db, made)
    amendment = _propose(db, made, rep, 0)
    # Meanwhile someone edits another paragraph, from the version the amendment was made on.
    body = "\n\n".join([PARAGRAPHS[0], PARAGRAPHS[1], "The caucuses review this text twice."])
    policy.save_section(db, actor=editor, section=made.section, base_version=1, body=body)
    _act(db, made, editor, amendment, "accept")
    db.refresh(amendment)
    assert (amendment.status, amendment.revision) == ("accepted", 3)
    now = policy.current_paragraphs(db, made.section.id or 0)
    assert [(p.id, p.text) for p in now] == [
        (first, "Care is a universal right of every person."),
        (second, PARAGRAPHS[1]),
        (third, "The caucuses review this text twice."),
    ]
    revision = policy.get_revision(db, made.section.id or 0, 3)
    assert revision is not None
    assert revision.note == f"Amendment #{amendment.id} by Bea Rep"
    assert revision.author_id == editor.id


def test_an_outdated_amendment_is_refused_until_rebased(db: Session) -> None:
    made, editor, rep = _team(db)
    amendment = _propose(db, made, rep, 1)
    body = "\n\n".join([PARAGRAPHS[0], "Public authorities fund care services.", PARAGRAPHS[2]])
    policy.save_section(db, actor=editor, section=made.section, base_version=1, body=body)
    shown = service.amendment_public(db, amendment)
    assert shown.outdated
    assert {"op": "delete", "text": " and train care workers"} in [
        r.model_dump() for r in shown.base_changes
    ]
    with pytest.raises(Conflict, match="changed since"):
        _act(db, made, editor, amendment, "accept")
    service.rebase(
        db,
        actor=rep,
        amendment=amendment,
        data=service.AmendmentRebase(replacement="Public authorities fund care services well."),
        editors=service.editor_ids(db, made.document.id or 0),
    )
    db.refresh(amendment)
    assert (amendment.base_text, amendment.base_version) == (
        "Public authorities fund care services.",
        2,
    )
    assert not service.amendment_public(db, amendment).outdated
    _act(db, made, editor, amendment, "accept")
    texts = [p.text for p in policy.current_paragraphs(db, made.section.id or 0)]
    assert texts[1] == "Public authorities fund care services well."
    actions = [e.action for e in service.events(db, amendment)]
    assert actions == ["propose", "rebase", "accept"]


def test_merging_two_amendments_credits_both_authors(db: Session) -> None:
    made, editor, rep = _team(db)
    other = person(db, name="Carla Member")
    add_to_team(db, made, other, "caucus_rep")
    one = _propose(db, made, rep, 0, "Care is a right of every person.")
    two = _propose(db, made, other, 0, "Care is a right at every age.")
    combined = service.merge(
        db,
        actor=editor,
        document=made.document,
        paragraph=policy.current_paragraphs(db, made.section.id or 0)[0],
        data=service.AmendmentMerge(
            amendment_ids=[one.id or 0, two.id or 0], text="Care is a right of all, at every age."
        ),
        editors=service.editor_ids(db, made.document.id or 0),
    )
    for folded in (one, two):
        db.refresh(folded)
        assert (folded.status, folded.merged_into_id) == ("merged", combined.id)
    assert (combined.status, combined.revision) == ("accepted", 2)
    revision = db.execute(
        select(SectionRevision).where(
            col(SectionRevision.section_id) == made.section.id, col(SectionRevision.number) == 2
        )
    ).scalar_one()
    assert revision.note == f"Amendments #{one.id}, #{two.id} by Bea Rep, Carla Member, merged"
    assert revision.paragraphs[0]["text"] == "Care is a right of all, at every age."


def test_the_api(client: TestClient, db: Session, login_as: Login) -> None:
    made = paper(db)
    rep = login_as(Role.caucus_rep)
    add_to_team(db, made, rep, "caucus_rep")
    pid = _ids(db, made)[0]
    bad = client.post(f"/api/v1/paragraphs/{pid}/amendments", json={"replacement": "  "})
    assert bad.status_code == 422
    made_one = client.post(
        f"/api/v1/paragraphs/{pid}/amendments",
        json={"replacement": "Care is a right of all.", "rationale": "Shorter."},
    )
    assert made_one.status_code == 201, made_one.text
    body = made_one.json()
    assert body["status"] == "pending"
    assert not body["outdated"]
    assert {"op": "insert", "text": "all"} in body["changes"]
    aid = body["id"]
    listed = client.get(f"/api/v1/documents/{made.document.id}/amendments?status=pending")
    assert [a["id"] for a in listed.json()] == [aid]
    assert client.get(f"/api/v1/documents/{made.document.id}/amendments?status=").status_code == 200
    refused = client.post(f"/api/v1/amendments/{aid}/decision", json={"action": "accept"})
    assert refused.status_code == 403
    editor = login_as(Role.participant)
    db.rollback()  # a fresh read: the account was made on another connection
    add_to_team(db, made, editor, "editor")
    no_reason = client.post(f"/api/v1/amendments/{aid}/decision", json={"action": "reject"})
    assert no_reason.status_code == 422
    done = client.post(
        f"/api/v1/amendments/{aid}/decision", json={"action": "reject", "reason": "Too short."}
    )
    assert (done.status_code, done.json()["decision_reason"]) == (200, "Too short.")
    again = client.post(f"/api/v1/amendments/{aid}/decision", json={"action": "accept"})
    assert again.status_code == 409
    login_as(Role.participant)  # not on the team: the document does not exist for them
    assert client.get(f"/api/v1/amendments/{aid}").status_code == 404
    assert (
        client.post(f"/api/v1/paragraphs/{pid}/amendments", json={"replacement": "x"}).status_code
        == 404
    )


def test_the_pages_without_javascript(client: TestClient, db: Session, login_as: Login) -> None:
    made = paper(db)
    rep = login_as(Role.caucus_rep)
    add_to_team(db, made, rep, "caucus_rep")
    pid = _ids(db, made)[0]
    page = client.get(f"/paragraphs/{pid}/amendments/new")
    assert page.status_code == 200
    assert PARAGRAPHS[0] in page.text
    assert 'lang="en"' in page.text
    token = form_token(client, f"/paragraphs/{pid}/amendments/new")
    kept = client.post(
        f"/paragraphs/{pid}/amendments",
        data={"csrf_token": token, "replacement": " ", "rationale": "My reasons"},
    )
    assert kept.status_code == 422
    assert "My reasons" in kept.text
    sent = client.post(
        f"/paragraphs/{pid}/amendments",
        data={"csrf_token": token, "replacement": "Care is a right of all.", "rationale": "Why"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    url = sent.headers["location"]
    shown = client.get(url)
    assert shown.status_code == 200
    assert re.search(r"<ins><span class=\"visually-hidden\">[^<]*</span>all</ins>", shown.text)
    assert "Withdraw my amendment" in shown.text
    listing = client.get(f"/documents/{made.document.id}/amendments?status=&section=")
    assert listing.status_code == 200
    assert url in listing.text
    db.rollback()
    tools = tools_for(db, rep, made.document, [pid])[pid]
    amend = next(t for t in tools if t.key == "amendments")
    assert (amend.count, amend.href) == (
        1,
        f"/documents/{made.document.id}/amendments?paragraph={pid}",
    )
    assert any(t.key == "amend" for t in tools)
    document_page = client.get(f"/documents/{made.document.id}").text
    assert f'href="/paragraphs/{pid}/amendments/new"' in document_page
    assert "Propose an amendment to “Care is a right of every person, at…”" in document_page


def test_accepting_while_others_save_loses_nothing(engine: Engine, db: Session) -> None:
    """Editors accept three amendments of three paragraphs while three people save other
    edits of the section, all at once: every amendment is accepted in a revision holding its
    text, and every save is kept (on PostgreSQL the accepts hold the section's row)."""
    body = "\n\n".join(f"Paragraph {n} of the care paper." for n in range(6))
    made = paper(db, body=body)
    editor = person(db, name="Ana Editor")
    add_to_team(db, made, editor, "editor")
    ids = _ids(db, made)
    proposed = [
        _propose(db, made, editor, n, f"Paragraph {n} of the care paper, amended.")
        for n in range(3)
    ]
    start = threading.Barrier(6)
    errors: list[BaseException] = []

    def accept(n: int) -> None:
        try:
            with open_session(engine, write=True) as own:
                start.wait(timeout=30)
                amendment = own.get(Amendment, proposed[n].id)
                document = own.get(type(made.document), made.document.id)
                assert amendment is not None
                assert document is not None
                service.decide(
                    own,
                    actor=editor,
                    document=document,
                    amendment=amendment,
                    data=AmendmentDecision(action="accept"),
                    editors={editor.id or 0},
                )
        except BaseException as exc:
            errors.append(exc)

    def save(n: int) -> None:
        try:
            with open_session(engine, write=True) as own:
                texts = [f"Paragraph {k} of the care paper." for k in range(6)]
                texts[n] = f"Paragraph {n} of the care paper, saved by hand."
                start.wait(timeout=30)
                policy.save_section(
                    own, actor=editor, section=made.section, base_version=1, body="\n\n".join(texts)
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=save, args=(n,)) for n in range(3, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    db.rollback()
    now = {p.id: p.text for p in policy.current_paragraphs(db, made.section.id or 0)}
    for n in range(3):
        assert now[ids[n]] == f"Paragraph {n} of the care paper, amended."
        assert now[ids[n + 3]] == f"Paragraph {n + 3} of the care paper, saved by hand."
    for amendment in proposed:
        db.refresh(amendment)
        assert amendment.status == "accepted"
        revision = policy.get_revision(db, made.section.id or 0, amendment.revision or 0)
        assert revision is not None
        assert revision.note == f"Amendment #{amendment.id} by Ana Editor"
        texts = {p["id"]: p["text"] for p in revision.paragraphs}
        assert texts[amendment.paragraph_id] == amendment.replacement


def _amendments(db: Session) -> list[str]:
    db.rollback()  # a fresh read: the requests wrote through the app
    return list(db.scalars(select(Amendment.replacement).order_by(col(Amendment.id))))


def test_a_second_tap_or_a_retry_sends_the_amendment_once(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    rep = login_as(Role.caucus_rep)
    add_to_team(db, made, rep, "caucus_rep")
    pid = _ids(db, made)[0]
    html = client.get(f"/paragraphs/{pid}/amendments/new").text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert len(hidden["idempotency_key"]) >= 8
    # A refused form comes back with its key; the corrected one, sent twice, is sent once.
    refused = client.post(f"/paragraphs/{pid}/amendments", data={**hidden, "replacement": " "})
    assert refused.status_code == 422
    assert f'name="idempotency_key" value="{hidden["idempotency_key"]}"' in refused.text
    form = {**hidden, "replacement": "Care is a right of all.", "rationale": "Why"}
    sent = [
        client.post(f"/paragraphs/{pid}/amendments", data=form, follow_redirects=False)
        for _ in range(2)
    ]
    assert [s.status_code for s in sent] == [303, 303]
    assert sent[0].headers["location"] == sent[1].headers["location"]
    assert _amendments(db) == ["Care is a right of all."]
    # The next form has another key: another amendment.
    again = client.get(f"/paragraphs/{pid}/amendments/new").text
    assert hidden["idempotency_key"] not in again

    url = f"/api/v1/paragraphs/{pid}/amendments"
    body = {"replacement": "Care is a right of each person."}
    first = client.post(url, json=body, headers={"Idempotency-Key": "amend-1"})
    retry = client.post(url, json=body, headers={"Idempotency-Key": "amend-1"})
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["id"] == first.json()["id"]
    assert _amendments(db) == ["Care is a right of all.", "Care is a right of each person."]
