"""One-per-user actions under a double click (issue 15, "Trust"): twenty identical requests
at once, through the HTML form (its CSRF field, as a browser sends it) and through the JSON API,
leave exactly one row, and every answer is the one a single request gets — a success, or the
conflict the API documents for a repeat (a second report, a second pin, minutes a session
already has) — never a 500 or an error page. A database unique key backs each action; these
tests check that the handlers turn the race it settles into the normal answer, on SQLite (one
writer at a time) and on PostgreSQL (real concurrent transactions).

The requests go through one client from twenty threads: the app runs the handlers in its worker
threads, each with its own database connection, as a served instance does."""

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from app.config import get_settings
from app.models.audit import AuditEvent
from app.models.caremap import EvidencePin
from app.models.caucuses import CaucusMember
from app.models.contributions import Contribution, Endorsement, Report
from app.models.minutes import Minutes
from app.models.policy import DraftingMember
from app.models.policy_amendments import Amendment
from app.models.policy_reviews import DocumentCaucus, ReviewEvent, SectionReview
from app.models.policy_sources import ParagraphSource
from app.models.users import Role, User
from app.services import live, policy
from tests import factories
from tests.conftest import form_token, logout
from tests.policy.helpers import add_to_team, paper, person
from tests.policy.sources_world import world as sources_world
from tests.policy.test_reviews import _join, _youth_rep
from tests.routers.test_caremap import small_territory, stored_run

Login = Callable[..., User]
N = 20
WAYS = ["form", "api"]


def at_once(send: Callable[[], httpx.Response], n: int = N) -> list[httpx.Response]:
    """`n` identical requests released together, each from its own thread."""
    start = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        start.wait()
        return send()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def statuses(responses: list[httpx.Response]) -> list[int]:
    return sorted(r.status_code for r in responses)


def count(db: Session, model: Any, *where: Any) -> int:
    n = factories.query(db, select(func.count()).select_from(model).where(*where))
    return int(n[0])


def as_browser(client: TestClient, page: str) -> str:
    """The CSRF field of the page's form; the API's header is dropped, as a browser has none."""
    token = form_token(client, page)
    client.headers.pop("X-CSRF-Token", None)
    return token


def post_form(client: TestClient, url: str, data: dict[str, Any]) -> httpx.Response:
    return client.post(url, data=data, follow_redirects=False)


def same_redirects(responses: list[httpx.Response]) -> set[str]:
    assert statuses(responses) == [303] * N, [(r.status_code, r.text[:300]) for r in responses]
    return {r.headers["location"] for r in responses}


# -- a participant's own marks: endorsing, reporting ----------------------------------------------


@pytest.mark.parametrize("way", WAYS)
def test_endorsing(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    item = factories.contribution(db, factories.forum(db))
    login_as(Role.participant)
    if way == "form":
        page = f"/contributions/{item.id}"
        data = {"csrf_token": as_browser(client, page), "endorse": "true"}
        done = at_once(lambda: post_form(client, f"{page}/endorse", data))
        assert same_redirects(done) == {page}
    else:
        done = at_once(lambda: client.put(f"/api/v1/contributions/{item.id}/endorsement"))
        assert statuses(done) == [200] * N
        assert {(r.json()["endorsed"], r.json()["endorsement_count"]) for r in done} == {(True, 1)}
    assert count(db, Endorsement, col(Endorsement.contribution_id) == item.id) == 1
    assert factories.reload(db, item).endorsement_count == 1


@pytest.mark.parametrize("way", WAYS)
def test_reporting(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    item = factories.contribution(db, factories.forum(db))
    login_as(Role.participant)
    if way == "form":
        page = f"/contributions/{item.id}"
        data = {"csrf_token": as_browser(client, page), "reason": "spam", "note": ""}
        done = at_once(lambda: post_form(client, f"{page}/report", data))
        assert same_redirects(done) == {page}
        # The person is told their report is in, whichever of their clicks they see last.
        notice = client.get(page).text
        assert (
            "Thank you. The moderators will review your report." in notice
            or "You have already reported this contribution." in notice
        )
    else:
        url = f"/api/v1/contributions/{item.id}/reports"
        done = at_once(lambda: client.post(url, json={"reason": "spam"}))
        # The API documents a second report as a conflict with its own message.
        assert statuses(done) == [204] + [409] * (N - 1)
        repeats = [r for r in done if r.status_code == 409]
        assert {r.json()["detail"] for r in repeats} == {
            "You have already reported this contribution."
        }
    assert count(db, Report, col(Report.contribution_id) == item.id) == 1
    assert factories.reload(db, item).open_reports == 1


# -- submissions retried with their idempotency key ---------------------------------------------


@pytest.mark.parametrize("way", WAYS)
def test_submitting_a_proposal(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    forum = factories.forum(db)
    login_as(Role.participant)
    fields = {"forum_id": forum.id, "language": "en", "title": "Crèches", "body": "Ten words."}
    if way == "form":
        page = "/contributions/new"
        html = client.get(page).text
        key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
        assert key, "the form carries its idempotency key"
        data = fields | {"idempotency_key": key.group(1), "csrf_token": as_browser(client, page)}
        done = at_once(lambda: post_form(client, page, data))
        assert len(same_redirects(done)) == 1
    else:
        headers = {"Idempotency-Key": "twenty-clicks-0001"}
        done = at_once(lambda: client.post("/api/v1/contributions", json=fields, headers=headers))
        assert statuses(done) == [200] * (N - 1) + [201]  # 200: the earlier result, replayed
        assert len({r.json()["id"] for r in done}) == 1
    assert count(db, Contribution, col(Contribution.forum_id) == forum.id) == 1


@pytest.mark.parametrize("way", WAYS)
def test_posting_a_live_remark(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    session = factories.session(db, factories.forum(db))
    live.set_open(db, actor=factories.staff(db), session=session, open_=True)
    db.commit()
    login_as(Role.participant)
    page = f"/sessions/{session.id}/live"
    if way == "form":
        key = re.search(r'name="idempotency_key" value="([^"]+)"', client.get(page).text)
        assert key
        data = {
            "body": "Una pregunta",
            "kind": "question",
            "idempotency_key": key.group(1),
            "csrf_token": as_browser(client, page),
        }
        done = at_once(lambda: post_form(client, f"{page}/remarks", data))
        assert same_redirects(done) == {f"{page}#live-form"}
    else:
        body = {"body": "Una pregunta", "kind": "question", "idempotency_key": "remark-key-0001"}
        done = at_once(lambda: client.post(f"/api/v1{page}/remarks", json=body))
        assert statuses(done) == [200] * (N - 1) + [201]
    assert count(db, Contribution, col(Contribution.session_id) == session.id) == 1


# -- registering one address --------------------------------------------------------------------


@pytest.fixture
def registrations_unlimited(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Twenty registrations from one address would meet the per-address limit first, which is
    not what these tests are about (tests/routers/test_registration.py checks it)."""
    monkeypatch.setenv("TOWNHALL_REGISTER_MAX_PER_IP", str(10 * N))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize("way", WAYS)
def test_registering(
    client: TestClient, db: Session, registrations_unlimited: None, way: str
) -> None:
    email = f"ana.{way}@example.org"
    fields = {"display_name": "Ana Souza", "email": email, "password": "a long enough password"}
    if way == "form":
        data = fields | {"csrf_token": as_browser(client, "/register"), "accept_privacy": "true"}
        done = at_once(lambda: post_form(client, "/register", data))
        assert len(same_redirects(done)) == 1
    else:
        headers = {"X-CSRF-Token": client.get("/api/v1/auth/csrf").json()["csrf_token"]}
        body = fields | {"accept_privacy": True}
        done = at_once(lambda: client.post("/api/v1/auth/register", json=body, headers=headers))
        # The same answer whether or not the address had an account by then.
        assert statuses(done) == [202] * N
    assert count(db, User, col(User.email) == email) == 1


# -- a caucus's review of a section -------------------------------------------------------------


@pytest.mark.parametrize("way", WAYS)
def test_reviewing_a_section(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    team, _rep = _youth_rep(client, db, login_as)
    section_id = team.made.section.id
    if way == "form":
        page = f"/sections/{section_id}/reviews/{team.youth}"
        data = {
            "verdict": "endorse",
            "note": "",
            "seen": "1",
            "csrf_token": as_browser(client, page),
        }
        done = at_once(lambda: post_form(client, page, data))
        assert same_redirects(done) == {f"/documents/{team.made.document.id}#reviews"}
    else:
        url = f"/api/v1/sections/{section_id}/reviews/{team.youth}"
        done = at_once(lambda: client.put(url, json={"verdict": "endorse", "note": ""}))
        assert statuses(done) == [200] * N
    assert count(db, SectionReview, col(SectionReview.section_id) == section_id) == 1
    # One verdict given: one event, however many times it was sent.
    assert count(db, ReviewEvent) == 1


# -- the secretariat's and editors' one-per-pair choices ------------------------------------------


@pytest.mark.parametrize("way", WAYS)
def test_adding_to_the_drafting_team(
    client: TestClient, db: Session, login_as: Login, way: str
) -> None:
    made = paper(db)
    newcomer = person(db, name="Nadia Newcomer")
    login_as(Role.secretariat)
    document_id = made.document.id
    if way == "form":
        page = f"/documents/{document_id}"
        data = {
            "email": newcomer.email,
            "role": "editor",
            "caucus_id": "",
            "csrf_token": as_browser(client, page),
        }
        done = at_once(lambda: post_form(client, f"{page}/team", data))
        assert same_redirects(done) == {f"{page}#team"}
    else:
        url = f"/api/v1/documents/{document_id}/team"
        body = {"user_id": newcomer.id, "role": "editor"}
        done = at_once(lambda: client.post(url, json=body))
        assert statuses(done) == [200] * (N - 1) + [201]  # 201 made, 200 found as asked
    assert (
        count(
            db,
            DraftingMember,
            col(DraftingMember.document_id) == document_id,
            col(DraftingMember.user_id) == newcomer.id,
        )
        == 1
    )


@pytest.mark.parametrize("way", WAYS)
def test_adding_a_caucus_member(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    caucus = factories.caucus(db, "youth")
    speaker = factories.speaker(db)
    login_as(Role.secretariat)
    if way == "form":
        page = f"/caucuses/{caucus.id}"
        data = {
            "speaker_id": speaker.id,
            "is_representative": "true",
            "csrf_token": as_browser(client, page),
        }
        done = at_once(lambda: post_form(client, f"{page}/members", data))
        assert same_redirects(done) == {f"{page}#members"}
    else:
        url = f"/api/v1/caucuses/{caucus.id}/members"
        body = {"speaker_id": speaker.id, "is_representative": True}
        done = at_once(lambda: client.put(url, json=body))
        assert statuses(done) == [200] * N
    assert (
        count(
            db,
            CaucusMember,
            col(CaucusMember.caucus_id) == caucus.id,
            col(CaucusMember.speaker_id) == speaker.id,
        )
        == 1
    )


@pytest.mark.parametrize("way", WAYS)
def test_choosing_the_required_caucuses(
    client: TestClient, db: Session, login_as: Login, way: str
) -> None:
    made = paper(db)
    youth = factories.caucus(db, "youth").id
    document_id = made.document.id
    login_as(Role.secretariat)
    if way == "form":
        page = f"/documents/{document_id}/caucuses"
        data = {"caucus_ids": [youth], "csrf_token": as_browser(client, page)}
        done = at_once(lambda: post_form(client, page, data))
        assert same_redirects(done) == {f"/documents/{document_id}#reviews"}
    else:
        url = f"/api/v1/documents/{document_id}/caucuses"
        done = at_once(lambda: client.put(url, json={"caucus_ids": [youth]}))
        assert statuses(done) == [200] * N
    rows = factories.query(
        db, select(DocumentCaucus).where(col(DocumentCaucus.document_id) == document_id)
    )
    assert [r.caucus_id for r in rows] == [youth]
    # One change made: one line in the action log.
    chosen = col(AuditEvent.action) == "policy.required_caucuses"
    assert count(db, AuditEvent, chosen, col(AuditEvent.object_id) == document_id) == 1


@pytest.mark.parametrize("way", WAYS)
def test_linking_a_paragraph_source(
    client: TestClient, db: Session, login_as: Login, way: str
) -> None:
    made = sources_world(db)
    editor = login_as(Role.participant, display_name="Elena Editor")
    _join(db, made.paper, editor, "editor")
    pid, cid = made.paragraphs[1], made.contribution.id
    fields = {"target_kind": "contribution", "target_id": cid, "outcome": "incorporated"}
    if way == "form":
        page = f"/paragraphs/{pid}/sources"
        data = fields | {"target": "", "reason": "", "csrf_token": as_browser(client, page)}
        done = at_once(lambda: post_form(client, page, data))
        assert len(same_redirects(done)) == 1
    else:
        done = at_once(lambda: client.post(f"/api/v1/paragraphs/{pid}/sources", json=fields))
        assert statuses(done) == [200] * (N - 1) + [201]
    assert count(db, ParagraphSource, col(ParagraphSource.paragraph_id) == pid) == 1


@pytest.mark.parametrize("way", WAYS)
def test_pinning_evidence(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    run = stored_run(db, small_territory(db))
    item = factories.contribution(db, factories.forum(db))
    login_as(Role.secretariat)
    fields = {"run_id": run.id, "care_group": "older_persons", "metric": "gap"}
    if way == "form":
        page = "/caremap/pins/new"
        data = fields | {
            "target": f"contribution:{item.id}",
            "csrf_token": as_browser(client, page),
        }
        done = at_once(lambda: post_form(client, "/caremap/pins", data))
        # As documented for a second pin: the form again, saying it is pinned already (409).
        assert statuses(done) == [303] + [409] * (N - 1)
        assert all("already pinned" in r.text for r in done if r.status_code == 409)
    else:
        body = fields | {"target_kind": "contribution", "target_id": item.id}
        done = at_once(lambda: client.post("/api/v1/caremap/pins", json=body))
        assert statuses(done) == [201] + [409] * (N - 1)
        assert {r.json()["detail"] for r in done if r.status_code == 409} == {
            "This panel is already pinned there."
        }
    assert count(db, EvidencePin, col(EvidencePin.target_id) == item.id) == 1


@pytest.mark.parametrize("way", WAYS)
def test_starting_the_minutes(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    session = factories.session(db, factories.forum(db))
    login_as(Role.secretariat)
    page = f"/sessions/{session.id}/minutes"
    if way == "form":
        data = {"language": "en", "csrf_token": as_browser(client, page)}
        done = at_once(lambda: post_form(client, page, data))
        # Every click lands in the one draft's editor.
        assert len(same_redirects(done)) == 1
    else:
        done = at_once(lambda: client.post(f"/api/v1{page}", json={}))
        # As documented: 409 when the session has minutes already.
        assert statuses(done) == [201] + [409] * (N - 1)
        assert {r.json()["detail"] for r in done if r.status_code == 409} == {
            "This session already has minutes."
        }
    assert count(db, Minutes, col(Minutes.session_id) == session.id) == 1


def test_a_repeated_report_form_is_a_notice_not_an_error_page(
    client: TestClient, db: Session, login_as: Login
) -> None:
    item = factories.contribution(db, factories.forum(db))
    login_as(Role.participant)
    page = f"/contributions/{item.id}"
    data = {"csrf_token": as_browser(client, page), "reason": "spam", "note": ""}
    assert post_form(client, f"{page}/report", data).status_code == 303
    client.get(page)  # the first notice, read
    again = post_form(client, f"{page}/report", data)
    assert again.status_code == 303
    assert again.headers["location"] == page
    assert "You have already reported this contribution." in client.get(page).text
    logout(client)


# -- adding to the minutes, proposing an amendment: an idempotency key per form -----------------


def _key(html: str, form_start: str) -> str:
    start = html.index(form_start)
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html[start:])
    assert found
    return found.group(1)


@pytest.mark.parametrize("way", WAYS)
def test_adding_a_decision_to_the_minutes(
    client: TestClient, db: Session, login_as: Login, way: str
) -> None:
    session = factories.session(db, factories.forum(db))
    login_as(Role.secretariat)
    made = client.post(f"/api/v1/sessions/{session.id}/minutes").json()
    mid, version = made["id"], made["version"]
    if way == "form":
        page = f"/minutes/{mid}/edit"
        key = _key(client.get(page).text, '<form id="new-decision-"')
        data = {"text": "Publish the map", "base_version": version, "idempotency_key": key}
        data["csrf_token"] = as_browser(client, page)
        done = at_once(lambda: post_form(client, f"/minutes/{mid}/items/decision", data))
        assert len(same_redirects(done)) == 1
    else:
        body = {"text": "Publish the map", "base_version": version}
        headers = {"Idempotency-Key": "decision-0001"}
        url = f"/api/v1/minutes/{mid}/items/decision"
        done = at_once(lambda: client.post(url, json=body, headers=headers))
        # A copy that looked before the first had stored its key still says 201.
        assert set(statuses(done)) <= {200, 201}
        assert 201 in statuses(done)
    decisions = client.get(f"/api/v1/minutes/{mid}").json()["decisions"]
    assert [d["text"] for d in decisions] == ["Publish the map"]


@pytest.mark.parametrize("way", WAYS)
def test_proposing_an_amendment(client: TestClient, db: Session, login_as: Login, way: str) -> None:
    made = paper(db)
    add_to_team(db, made, login_as(Role.caucus_rep), "caucus_rep")
    pid = policy.current_paragraphs(db, made.section.id or 0)[0].id
    if way == "form":
        page = f"/paragraphs/{pid}/amendments/new"
        key = _key(client.get(page).text, f'action="/paragraphs/{pid}/amendments"')
        data = {"replacement": "Care for all.", "idempotency_key": key}
        data["csrf_token"] = as_browser(client, page)
        done = at_once(lambda: post_form(client, f"/paragraphs/{pid}/amendments", data))
        assert len(same_redirects(done)) == 1
    else:
        body = {"replacement": "Care for all.", "idempotency_key": "amendment-0001"}
        url = f"/api/v1/paragraphs/{pid}/amendments"
        done = at_once(lambda: client.post(url, json=body))
        assert set(statuses(done)) <= {200, 201}
        assert 201 in statuses(done)
        assert len({r.json()["id"] for r in done}) == 1
    assert count(db, Amendment, col(Amendment.paragraph_id) == pid) == 1
