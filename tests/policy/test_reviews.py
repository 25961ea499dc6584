"""Caucus sign-off: the stage gate as a table of cases, who may review (role × caucus × stage),
stale reviews after a save and their confirmation, one event per verdict, a note kept whole,
If-Match, and ten identical PUTs at once. The pages and forms: test_review_pages.py."""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from app import i18n
from app.models.caucuses import CaucusCreate
from app.models.policy import (
    PolicyDocument,
    PolicySection,
    SectionCreate,
    TeamMemberIn,
)
from app.models.policy_reviews import ReviewEvent, ReviewIn, SectionReview
from app.models.users import Role, User
from app.services import caucuses as caucus_service
from app.services import policy
from app.services.policy import reviews
from tests import factories
from tests.conftest import logout
from tests.policy.helpers import Paper, paper, person

Login = Callable[..., User]


@dataclass
class Team:
    made: Paper
    second: PolicySection
    youth: int
    feminism: int
    accessibility: int


def _caucus_id(db: Session, code: str) -> int:
    return factories.caucus(db, code).id or 0


def _join(db: Session, made: Paper, user: User, role: str, caucus_id: int | None = None) -> None:
    policy.add_member(
        db,
        actor=made.staff,
        document=made.document,
        data=TeamMemberIn.model_validate(
            {"user_id": user.id, "role": role, "caucus_id": caucus_id}
        ),
    )


def _team(db: Session) -> Team:
    made = paper(db)
    second = policy.create_section(
        db,
        actor=made.staff,
        document=made.document,
        data=SectionCreate(title="Funding", body="Care is funded by public budgets."),
    )
    return Team(
        made,
        second,
        _caucus_id(db, "youth"),
        _caucus_id(db, "feminism"),
        _caucus_id(db, "accessibility"),
    )


def _review(db: Session, team: Team, section: PolicySection, caucus_id: int, verdict: str) -> None:
    """A verdict by a representative of the caucus (made for it, on the drafting team)."""
    rep = person(db, Role.caucus_rep, name=f"Rep {caucus_id} {section.id} {verdict}")
    _join(db, team.made, rep, "caucus_rep", caucus_id)
    place = reviews.review_place(
        db, section_id=section.id or 0, caucus_id=caucus_id, user_id=rep.id
    )
    note = "" if verdict == "endorse" else "Say more about young carers."
    reviews.give_review(
        db, place=place, actor=rep, data=ReviewIn.model_validate({"verdict": verdict, "note": note})
    )


def _edit(db: Session, section: PolicySection, text: str, actor: User) -> None:
    fresh = policy.get_section(db, section.id or 0)
    db.refresh(fresh)
    policy.save_section(db, actor=actor, section=fresh, base_version=fresh.version, body=text)
    db.commit()


def _set_stage(db: Session, document: PolicyDocument, stage: str) -> None:
    db.execute(
        update(PolicyDocument).where(col(PolicyDocument.id) == document.id).values(stage=stage)
    )
    db.commit()


# -- the stage gate ---------------------------------------------------------------------------

# Two sections (1 "Care as a right", 2 "Funding"); the document requires the youth and feminism
# caucuses unless a case says otherwise. Each step: (section number, caucus, verdict), or
# ("edit", section number) for a save after the reviews, or ("require", caucus codes).
ALL_ENDORSED = [
    ("1", "youth", "endorse"),
    ("1", "feminism", "endorse"),
    ("2", "youth", "endorse"),
    ("2", "feminism", "endorse"),
]
GATE = [
    (
        "objection blocks even when current",
        [*ALL_ENDORSED, ("1", "youth", "object")],
        [("1", "youth", "objection")],
    ),
    ("missing review blocks", ALL_ENDORSED[:3], [("2", "feminism", "missing")]),
    (
        "stale review blocks",
        [*ALL_ENDORSED, ("edit", "1")],
        [("1", "youth", "stale"), ("1", "feminism", "stale")],
    ),
    ("concerns current passes", [*ALL_ENDORSED, ("2", "feminism", "concerns")], []),
    ("endorse current passes", ALL_ENDORSED, []),
    (
        "stale objection is still an objection",
        [*ALL_ENDORSED, ("2", "youth", "object"), ("edit", "2")],
        [("2", "youth", "objection"), ("2", "feminism", "stale")],
    ),
    (
        "caucus not required does not block",
        [("require", ("youth",)), ("1", "youth", "endorse"), ("2", "youth", "endorse")],
        [],
    ),
    (
        "a required caucus removed stops blocking",
        [
            ("require", ("youth", "feminism", "accessibility")),
            *ALL_ENDORSED,
            ("1", "accessibility", "object"),
            ("require", ("youth", "feminism")),
        ],
        [],
    ),
    (
        "nothing reviewed: every cell is missing",
        [],
        [
            ("1", "youth", "missing"),
            ("1", "feminism", "missing"),
            ("2", "youth", "missing"),
            ("2", "feminism", "missing"),
        ],
    ),
]


@pytest.mark.parametrize(("steps", "expected"), [g[1:] for g in GATE], ids=[g[0] for g in GATE])
def test_the_stage_gate(db: Session, steps: list[Any], expected: list[Any]) -> None:
    team = _team(db)
    codes = {"youth": team.youth, "feminism": team.feminism, "accessibility": team.accessibility}
    sections = {"1": team.made.section, "2": team.second}
    document = team.made.document
    reviews.set_required_caucuses(
        db, document=document, actor=team.made.staff, caucus_ids=[team.youth, team.feminism]
    )
    for step in steps:
        if step[0] == "edit":
            _edit(db, sections[step[1]], "Care is a right, everywhere.", team.made.staff)
        elif step[0] == "require":
            wanted = [codes[c] for c in step[1]]
            reviews.set_required_caucuses(
                db, document=document, actor=team.made.staff, caucus_ids=wanted
            )
        else:
            number, code, verdict = step
            _review(db, team, sections[number], codes[code], verdict)
    db.commit()
    names = {c: i18n.localized(factories.caucus(db, c).name)[0] for c in codes}
    found = [(b.number, b.caucus, b.reason) for b in reviews.blockers(db, document)]
    assert found == [(n, names[c], reason) for n, c, reason in expected]
    titles = {"1": "Care as a right", "2": "Funding"}
    for b in reviews.blockers(db, document):
        assert b.title == titles[b.number]
        assert b.section_id == sections[b.number].id


# -- who may review: role × caucus × stage ------------------------------------------------------

ROLES = ["anonymous", "participant", "feminism rep", "youth rep", "editor", "secretariat"]
STAGES = ["drafting", "caucus_review", "adopted"]
# (role, the caucus whose cell is reviewed) -> the status in drafting, caucus review, adopted.
# Off the drafting team the document does not exist (404); on it, only the caucus's own
# representatives review its cells (403 for anyone else, staff included); the last stage
# refuses every review (409).
EXPECTED = {
    ("anonymous", "youth"): (401, 401, 401),
    ("anonymous", "feminism"): (401, 401, 401),
    ("participant", "youth"): (404, 404, 404),
    ("participant", "feminism"): (404, 404, 404),
    ("feminism rep", "youth"): (403, 403, 403),
    ("feminism rep", "feminism"): (200, 200, 409),
    ("youth rep", "youth"): (200, 200, 409),
    ("youth rep", "feminism"): (403, 403, 403),
    ("editor", "youth"): (403, 403, 403),
    ("editor", "feminism"): (403, 403, 403),
    ("secretariat", "youth"): (403, 403, 403),
    ("secretariat", "feminism"): (403, 403, 403),
}


def _as(client: TestClient, db: Session, login_as: Login, team: Team, role: str) -> None:
    if role == "anonymous":
        logout(client)
        client.headers.update(
            {"X-CSRF-Token": client.get("/api/v1/auth/csrf").json()["csrf_token"]}
        )
        return
    kinds = {"participant": Role.participant, "secretariat": Role.secretariat}
    user = login_as(kinds.get(role, Role.caucus_rep if "rep" in role else Role.participant))
    if role == "youth rep":
        _join(db, team.made, user, "caucus_rep", team.youth)
    elif role == "feminism rep":
        _join(db, team.made, user, "caucus_rep", team.feminism)
    elif role == "editor":
        _join(db, team.made, user, "editor")


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_review(
    client: TestClient, db: Session, login_as: Login, role: str, stage: str
) -> None:
    team = _team(db)
    _set_stage(db, team.made.document, stage)
    _as(client, db, login_as, team, role)
    for code, caucus_id in (("youth", team.youth), ("feminism", team.feminism)):
        url = f"/api/v1/sections/{team.made.section.id}/reviews/{caucus_id}"
        response = client.put(url, json={"verdict": "object", "note": "Not yet."})
        wanted = EXPECTED[(role, code)][STAGES.index(stage)]
        assert response.status_code == wanted, (role, code, stage, response.text)
        if wanted == 200:
            assert response.json()["state"] == "object"
            assert response.json()["stale"] is False
        else:
            assert response.headers["content-type"].startswith("application/problem+json")
    rows = factories.query(db, select(SectionReview))
    assert len(rows) == sum(
        EXPECTED[(role, code)][STAGES.index(stage)] == 200 for code in ("youth", "feminism")
    )


def test_a_caucus_the_document_does_not_require_has_no_review(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team = _team(db)
    other = caucus_service.create_caucus(
        db,
        actor=team.made.staff,
        data=CaucusCreate.model_validate({"code": "migrants", "name": {"en": "Migrants caucus"}}),
    )
    db.commit()
    rep = login_as(Role.caucus_rep)
    _join(db, team.made, rep, "caucus_rep", other.id)
    url = f"/sections/{team.made.section.id}/reviews/{other.id}"
    assert client.put("/api/v1" + url, json={"verdict": "endorse"}).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get("/api/v1" + url).status_code == 404


# -- stale reviews, confirmation, events ----------------------------------------------------------


def _youth_rep(client: TestClient, db: Session, login_as: Login) -> tuple[Team, User]:
    team = _team(db)
    rep = login_as(Role.caucus_rep, display_name="Yara Youth")
    _join(db, team.made, rep, "caucus_rep", team.youth)
    return team, rep


def _events(db: Session, team: Team) -> list[ReviewEvent]:
    return factories.query(
        db,
        select(ReviewEvent)
        .join(SectionReview, col(SectionReview.id) == col(ReviewEvent.review_id))
        .where(col(SectionReview.section_id) == team.made.section.id)
        .order_by(col(ReviewEvent.id)),
    )


def _cell(client: TestClient, team: Team, caucus_id: int) -> dict[str, Any]:
    matrix = client.get(f"/api/v1/documents/{team.made.document.id}/reviews").json()
    return next(
        c
        for c in matrix["cells"]
        if c["section_id"] == team.made.section.id and c["caucus_id"] == caucus_id
    )


def test_a_save_makes_the_review_stale_until_it_is_confirmed(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    url = f"/api/v1/sections/{team.made.section.id}/reviews/{team.youth}"
    given = client.put(url, json={"verdict": "endorse", "note": ""})
    assert given.status_code == 200, given.text
    assert given.json() | {"updated_at": None} == {
        "section_id": team.made.section.id,
        "caucus_id": team.youth,
        "state": "endorse",
        "stale": False,
        "revision": 1,
        "section_version": 1,
        "note": "",
        "reviewer": "Yara Youth",
        "updated_at": None,
    }
    _edit(db, team.made.section, "Care is a right of every person, everywhere.", team.made.staff)
    cell = _cell(client, team, team.youth)
    assert (cell["state"], cell["stale"], cell["revision"], cell["section_version"]) == (
        "endorse",
        True,
        1,
        2,
    )
    page = client.get(f"/sections/{team.made.section.id}/reviews/{team.youth}").text
    assert "given on an earlier revision (version 1; now version 2)" in page
    assert "What changed since the review (version 1 to 2)" in page
    assert re.search(r"<ins><span class=\"visually-hidden\">inserted: </span>[^<]*everywhere", page)
    dashboard = client.get(f"/documents/{team.made.document.id}").text
    assert "given on an earlier revision" in dashboard
    confirmed = client.put(url, json={"verdict": "endorse"})
    assert (confirmed.json()["stale"], confirmed.json()["revision"]) == (False, 2)
    events = _events(db, team)
    assert [(e.from_status, e.to_status, e.revision) for e in events] == [
        ("none", "endorse", 1),
        ("endorse", "endorse", 2),
    ]
    assert reviews.blockers(db, team.made.document)[0].number == "1"  # feminism, accessibility


def test_each_verdict_given_confirmed_or_changed_is_one_event(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, rep = _youth_rep(client, db, login_as)
    url = f"/api/v1/sections/{team.made.section.id}/reviews/{team.youth}"
    steps = [
        ({"verdict": "endorse"}, 200, 1),
        ({"verdict": "endorse"}, 200, 1),  # the same again: nothing new to record
        ({"verdict": "concerns", "note": "  "}, 422, 1),  # a note is required
        ({"verdict": "object"}, 422, 1),
        ({"verdict": "concerns", "note": "Name young carers."}, 200, 2),
        ({"verdict": "concerns", "note": "Name young carers and students."}, 200, 3),
        ({"verdict": "object", "note": "Young carers are missing."}, 200, 4),
        ({"verdict": "maybe"}, 422, 4),
    ]
    for body, status, count in steps:
        response = client.put(url, json=body)
        assert response.status_code == status, (body, response.text)
        assert len(_events(db, team)) == count, body
    problem = client.put(url, json={"verdict": "concerns"}).json()
    assert "note" in problem["errors"], problem
    _edit(db, team.made.section, "Care is a right of every person, at any age.", team.made.staff)
    assert (
        client.put(url, json={"verdict": "object", "note": "Young carers are missing."}).json()[
            "revision"
        ]
        == 2
    )
    events = _events(db, team)
    assert [(e.action, e.revision, e.note) for e in events] == [
        ("endorse", 1, ""),
        ("concerns", 1, "Name young carers."),
        ("concerns", 1, "Name young carers and students."),
        ("object", 1, "Young carers are missing."),
        ("object", 2, "Young carers are missing."),
    ]
    assert {e.actor_id for e in events} == {rep.id}
    detail = client.get(url).json()
    assert detail["cell"]["state"] == "object"
    assert [(e["from_state"], e["to_state"], e["revision"]) for e in detail["events"]] == [
        ("object", "object", 2),
        ("concerns", "object", 1),
        ("concerns", "concerns", 1),
        ("endorse", "concerns", 1),
        ("none", "endorse", 1),
    ]
    assert {e["actor"] for e in detail["events"]} == {"Yara Youth"}
    history = client.get(f"/sections/{team.made.section.id}/reviews/{team.youth}").text
    listed = history[history.index("History of this review") :]
    assert listed.index("Objection, confirmed on version 2") < listed.index(
        "Changed to “Objection”, on version 1"
    )
    assert "Endorsed, on version 1" in listed


def test_a_long_note_is_kept_whole(client: TestClient, db: Session, login_as: Login) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    note = "Young carers. " * 280  # 3,920 characters: more than an event's reason holds
    url = f"/api/v1/sections/{team.made.section.id}/reviews/{team.youth}"
    assert client.put(url, json={"verdict": "object", "note": note}).status_code == 200
    assert _events(db, team)[0].note == note.strip()
    assert client.put(url, json={"verdict": "object", "note": note + "x" * 200}).status_code == 422


def test_if_match_refuses_a_verdict_on_text_the_reviewer_did_not_read(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    url = f"/api/v1/sections/{team.made.section.id}/reviews/{team.youth}"
    _edit(db, team.made.section, "Care is a right, at any age.", team.made.staff)
    stale = client.put(url, json={"verdict": "endorse"}, headers={"If-Match": '"v1"'})
    assert stale.status_code == 409
    assert "version 2" in stale.json()["detail"]
    assert (
        client.put(url, json={"verdict": "endorse"}, headers={"If-Match": '"v2"'}).json()[
            "revision"
        ]
        == 2
    )


def test_ten_identical_puts_at_once_leave_one_review(
    client: TestClient, db: Session, login_as: Login
) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    url = f"/api/v1/sections/{team.made.section.id}/reviews/{team.youth}"
    start = threading.Barrier(10)
    statuses: list[int] = []

    def put() -> None:
        start.wait()
        statuses.append(client.put(url, json={"verdict": "endorse", "note": ""}).status_code)

    threads = [threading.Thread(target=put) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == [200] * 10
    count = factories.query(db, select(func.count()).select_from(SectionReview))
    assert count == [1]
    assert len(_events(db, team)) == 1
