"""The secretariat's tools: dismissing unfounded reports, decisions that say which item and
what the sender gets, bulk decisions, queue filters, filing a contribution, the official
answer, and the items marked for a session's minutes."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from app.models.contributions import ContributionTheme, ModerationEvent, Report
from app.models.outbox import OutboxMessage
from app.models.users import Role
from tests import factories
from tests.conftest import form_token, make_user


def _report(db: Session, engine: Any, item: Any, count: int = 1) -> None:
    for _ in range(count):
        reporter = make_user(engine, Role.participant)
        db.add(Report(contribution_id=item.id, reporter_id=reporter.id, reason="spam"))
    item.open_reports = count
    db.add(item)
    db.commit()


def _post(client: TestClient, url: str, data: dict[str, Any], page: str = "/moderation") -> Any:
    token = form_token(client, page)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_a_moderator_dismisses_unfounded_reports_and_the_item_stays_published(
    client: TestClient, db: Session, engine: Any, login_as: Any
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(db, forum, title="Libraries as care hubs")
    _report(db, engine, item, count=2)
    login_as(Role.secretariat)
    queue = client.get("/moderation").text
    assert "Libraries as care hubs" in queue
    assert "Dismiss the reports and keep it" in queue
    response = _post(
        client,
        f"/contributions/{item.id}/moderate",
        {"action": "dismiss_reports", "next": "/moderation"},
    )
    assert response.status_code == 303
    factories.reload(db, item)
    assert (item.status, item.open_reports) == ("published", 0)
    reports = factories.query(db, select(Report))
    assert [(r.resolved, r.dismissed) for r in reports] == [(True, True), (True, True)]
    events = factories.query(db, select(ModerationEvent))
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("dismiss_reports", "published", "published")
    ]
    page = client.get("/moderation").text
    assert "Libraries as care hubs" not in page.split("Moderation queue", 1)[1].split("</main>")[0]
    # The notice names the item it is about, with a link to it.
    assert re.search(
        r"Decision recorded \(Dismiss the reports and keep it\): "
        rf'<a href="/contributions/{item.id}">Libraries as care hubs</a>',
        page,
    )


def test_a_hide_that_removes_the_reports_marks_them_resolved_not_dismissed(
    client: TestClient, db: Session, engine: Any, login_as: Any
) -> None:
    item = factories.contribution(db, factories.forum(db))
    _report(db, engine, item)
    login_as(Role.secretariat)
    _post(
        client,
        f"/contributions/{item.id}/moderate",
        {"action": "hide", "reason": "Advertising", "next": "/moderation"},
    )
    assert [(r.resolved, r.dismissed) for r in factories.query(db, select(Report))] == [
        (True, False)
    ]


def test_a_reject_without_reason_shows_the_error_on_its_card_and_keeps_the_typed_text(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    first = factories.contribution(db, forum, status="pending", title="First one")
    second = factories.contribution(db, forum, status="pending", title="Second one")
    login_as(Role.secretariat)
    response = _post(
        client,
        f"/contributions/{second.id}/moderate",
        {"action": "reject", "reason": "   ", "next": "/moderation"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/moderation#moderate-{second.id}"
    page = client.get("/moderation").text
    card = page[page.index(f'id="moderate-{second.id}"') :]
    card = card[: card.index("</form>")]
    assert "Give a reason" in card
    assert 'aria-invalid="true"' in card
    other = page[page.index(f'id="moderate-{first.id}"') :]
    assert "Give a reason" not in other[: other.index("</form>")]
    # Nothing was applied, and the top of the page carries no error of it.
    assert page.index("Give a reason") > page.index(f'id="moderate-{second.id}"')
    factories.reload(db, second)
    assert second.status == "pending"
    # A reason typed then refused for another cause (here: the state changed meanwhile) stays.
    factories.reload(db, first)
    first.status = "rejected"
    db.add(first)
    db.commit()
    page = _kept_page(client, db, first.id)
    assert "Well argued" in page


def _kept_page(client: TestClient, db: Session, item_id: int) -> str:
    response = _post(
        client,
        f"/contributions/{item_id}/moderate",
        {"action": "accept", "reason": "Well argued", "next": f"/contributions/{item_id}"},
        page=f"/contributions/{item_id}",
    )
    assert response.headers["location"] == f"/contributions/{item_id}#moderate-{item_id}"
    page = client.get(f"/contributions/{item_id}").text
    form = page[page.index(f'id="moderate-{item_id}"') :]
    form = form[: form.index("</form>")]
    assert "does not apply" in form
    return form


def test_the_reason_field_says_what_each_kind_of_sender_gets(
    client: TestClient, db: Session, engine: Any, login_as: Any
) -> None:
    forum = factories.forum(db)
    author = make_user(engine, Role.participant)
    mailed = factories.contribution(
        db, forum, status="pending", channel="email", author_email="ana@example.org"
    )
    by_account = factories.contribution(db, forum, status="pending", author_id=author.id)
    transcribed = factories.contribution(db, forum, status="pending", channel="transcribed")
    login_as(Role.secretariat)
    page = client.get("/moderation").text

    def label(item: Any) -> str:
        form = page[page.index(f'id="moderate-{item.id}"') :]
        return form[: form.index("</label>")]

    assert "e-mailed to the sender" in label(mailed)
    assert "shown to the author" not in page
    assert "the author sees it on the contribution's page" in label(by_account)
    assert "nobody is notified" in label(transcribed)


def test_an_emailed_sender_gets_the_decision_and_reason_by_email_in_their_language(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    item = factories.contribution(
        db,
        forum,
        status="pending",
        channel="email",
        language="pt",
        title="Creches no bairro",
        author_name="Joana",
        author_email="joana@example.org",
    )
    # Made first: the outbox's sender thread writes as soon as a decision enqueues a mail.
    other = factories.contribution(
        db, forum, channel="email", author_email="b@example.org", title="Other"
    )
    login_as(Role.secretariat)
    _post(
        client,
        f"/contributions/{item.id}/moderate",
        {"action": "reject", "reason": "Repete a proposta 12.", "next": "/moderation"},
    )
    mails = factories.query(db, select(OutboxMessage))
    assert [m.recipient for m in mails] == ["joana@example.org"]
    mail = mails[0]
    assert mail.locale == "pt"
    assert "Creches no bairro" in mail.body_text
    assert "Repete a proposta 12." in mail.body_text
    assert "Rejeitad" in mail.subject or "Rejeitad" in mail.body_text
    # A pin or a mark for the minutes is nothing the sender needs to hear about.
    _post(client, f"/contributions/{other.id}/moderate", {"action": "pin", "next": "/moderation"})
    assert len(factories.query(db, select(OutboxMessage))) == 1


def test_a_web_proposal_by_an_account_is_not_emailed(
    client: TestClient, db: Session, engine: Any, login_as: Any
) -> None:
    author = make_user(engine, Role.participant)
    item = factories.contribution(
        db, factories.forum(db), status="pending", author_id=author.id, author_email=None
    )
    login_as(Role.secretariat)
    _post(client, f"/contributions/{item.id}/moderate", {"action": "accept", "next": "/moderation"})
    assert factories.query(db, select(OutboxMessage)) == []


def test_bulk_decision_applies_to_each_ticked_item_with_its_own_event(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    items = [
        factories.contribution(db, forum, status="pending", title=f"Item {n}") for n in range(3)
    ]
    done_already = factories.contribution(db, forum, status="rejected", title="Decided before")
    login_as(Role.secretariat)
    page = client.get("/moderation").text
    assert 'form="bulk"' in page
    assert 'action="/moderation/decisions"' in page
    ids = [items[0].id, items[2].id, done_already.id]
    token = form_token(client, "/moderation")
    response = client.post(
        "/moderation/decisions",
        data={"csrf_token": token, "ids": ids, "action": "accept", "next": "/moderation"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    statuses = [factories.reload(db, i).status for i in items]
    assert statuses == ["published", "pending", "published"]
    events = factories.query(db, select(ModerationEvent))
    assert sorted(e.contribution_id for e in events) == sorted([items[0].id, items[2].id])
    notice = client.get("/moderation").text
    assert "2 of 3 items" in notice
    assert "Not applied to “Decided before”" in notice


def test_bulk_reject_without_reason_applies_nothing_and_says_so_on_its_form(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    items = [factories.contribution(db, forum, status="pending") for _ in range(2)]
    login_as(Role.secretariat)
    token = form_token(client, "/moderation")
    response = client.post(
        "/moderation/decisions",
        data={"csrf_token": token, "ids": [i.id for i in items], "action": "reject"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/moderation#bulk"
    page = client.get("/moderation").text
    bulk = page[page.index('id="bulk"') :]
    bulk = bulk[: bulk.index("</form>")]
    assert "Give a reason" in bulk
    # The ticked boxes stay ticked.
    assert page.count("checked") >= 2
    assert [factories.reload(db, i).status for i in items] == ["pending", "pending"]


def test_bulk_decisions_through_the_api(client: TestClient, db: Session, login_as: Any) -> None:
    forum = factories.forum(db)
    a = factories.contribution(db, forum, status="pending")
    b = factories.contribution(db, forum, status="published")
    login_as(Role.secretariat)
    response = client.post(
        "/api/v1/moderation/decisions", json={"ids": [a.id, b.id], "action": "accept"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["done"] == [a.id]
    assert [r["id"] for r in body["refused"]] == [b.id]
    assert "does not apply" in body["refused"][0]["detail"]


def test_the_queue_filters_by_forum_and_session(
    client: TestClient, db: Session, login_as: Any
) -> None:
    one = factories.forum(db)
    other = factories.forum(db, title={"en": "Other forum"})
    session = factories.session(db, one)
    factories.contribution(db, one, status="pending", title="In the session", session_id=session.id)
    factories.contribution(db, one, status="pending", title="In the forum only")
    factories.contribution(db, other, status="pending", title="Elsewhere")
    login_as(Role.secretariat)
    everything = client.get("/moderation").text
    assert all(t in everything for t in ("In the session", "In the forum only", "Elsewhere"))
    by_forum = client.get(f"/moderation?forum_id={one.id}").text
    assert "Elsewhere" not in by_forum
    assert "In the forum only" in by_forum
    assert 'name="session_id"' in by_forum  # the forum's sessions become a filter
    by_session = client.get(f"/moderation?forum_id={one.id}&session_id={session.id}").text
    assert "In the session" in by_session
    assert "In the forum only" not in by_session
    api = client.get(f"/api/v1/moderation/queue?session_id={session.id}").json()
    assert [i["title"] for i in api["items"]] == ["In the session"]


def test_the_secretariat_files_a_contribution_and_the_history_shows_each_change(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    care = factories.theme(db, forum, code="3")
    budget = factories.theme(db, forum, code="7")
    session = factories.session(db, forum)
    caucus = factories.caucus(db, "youth")
    item = factories.contribution(db, forum, title="Filed")
    db.add(ContributionTheme(contribution_id=item.id, theme_id=care.id))
    db.commit()
    login_as(Role.secretariat)
    page = f"/contributions/{item.id}"
    assert f'action="/contributions/{item.id}/edit"' in client.get(page).text
    response = _post(
        client,
        f"/contributions/{item.id}/edit",
        {
            "theme_ids": ["", str(budget.id)],
            "session_id": str(session.id),
            "caucus_id": str(caucus.id),
        },
        page=page,
    )
    assert response.status_code == 303
    factories.reload(db, item)
    assert (item.session_id, item.caucus_id) == (session.id, caucus.id)
    themes = factories.query(db, select(ContributionTheme.theme_id))
    assert themes == [budget.id]
    events = factories.query(db, select(ModerationEvent))
    assert [e.action for e in events] == ["set_themes", "set_session", "set_caucus"]
    assert events[0].changes == {"themes": [["3"], ["7"]]}
    html = client.get(page).text
    history = html[html.index('id="history-title"') :]
    assert "Themes changed" in history
    assert "3 → 7" in history
    assert "Session changed" in history
    assert "Caucus lens changed" in history
    # Clearing the session and the caucus lens, and every theme.
    _post(
        client,
        f"/contributions/{item.id}/edit",
        {"theme_ids": "", "session_id": "", "caucus_id": ""},
        page=page,
    )
    factories.reload(db, item)
    assert (item.session_id, item.caucus_id) == (None, None)
    assert factories.query(db, select(ContributionTheme.theme_id)) == []


def test_filing_with_a_theme_of_another_forum_is_refused_on_the_form(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    foreign = factories.theme(db, factories.forum(db, title={"en": "Other"}), code="9")
    item = factories.contribution(db, forum)
    login_as(Role.secretariat)
    page = f"/contributions/{item.id}"
    response = _post(
        client,
        f"/contributions/{item.id}/edit",
        {"theme_ids": ["", str(foreign.id)], "session_id": "", "caucus_id": ""},
        page=page,
    )
    assert response.headers["location"] == f"{page}#edit"
    form = client.get(page).text
    form = form[form.index('id="edit"') :]
    assert "Choose themes of this forum." in form[: form.index("</form>")]
    assert factories.query(db, select(ModerationEvent)) == []


def test_an_official_answer_is_shown_to_everyone_and_in_the_api_as_sanitised_html(
    client: TestClient, db: Session, login_as: Any
) -> None:
    item = factories.contribution(db, factories.forum(db), title="Answered")
    login_as(Role.secretariat)
    page = f"/contributions/{item.id}"
    text = "We will **fund it** in 2027. <script>alert(1)</script>"
    response = _post(client, f"/contributions/{item.id}/answer", {"answer": text}, page=page)
    assert response.status_code == 303
    factories.reload(db, item)
    assert item.answer == text
    assert "<strong>fund it</strong>" in item.answer_html
    assert "<script>" not in item.answer_html
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    html = client.get(page).text
    assert "Official answer" in html
    assert "<strong>fund it</strong>" in html
    assert "<script>alert" not in html
    api = client.get(f"/api/v1/contributions/{item.id}").json()
    assert "<strong>fund it</strong>" in api["answer_html"]
    assert api["answered_at"]
    events = client.get(f"/api/v1/contributions/{item.id}/events").json()
    assert [e["action"] for e in events] == ["answer"]


def test_an_empty_official_answer_is_refused_on_its_form(
    client: TestClient, db: Session, login_as: Any
) -> None:
    item = factories.contribution(db, factories.forum(db))
    login_as(Role.secretariat)
    page = f"/contributions/{item.id}"
    response = _post(client, f"/contributions/{item.id}/answer", {"answer": "  "}, page=page)
    assert response.headers["location"] == f"{page}#answer"
    html = client.get(page).text
    form = html[html.index('id="answer"') :]
    assert 'aria-invalid="true"' in form[: form.index("</form>")]
    assert factories.reload(db, item).answer is None


def test_the_items_for_the_minutes_are_listed_per_session_for_staff(
    client: TestClient, db: Session, login_as: Any
) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    factories.contribution(
        db,
        forum,
        session_id=session.id,
        kind="remark",
        title="",
        body="Marked remark",
        for_minutes=True,
    )
    factories.contribution(db, forum, session_id=session.id, title="Not marked")
    factories.contribution(
        db, forum, session_id=session.id, title="Hidden marked", status="hidden", for_minutes=True
    )
    login_as(Role.secretariat)
    assert (
        f'href="/sessions/{session.id}/for-minutes"' in client.get(f"/sessions/{session.id}").text
    )
    html = client.get(f"/sessions/{session.id}/for-minutes").text
    assert "Marked remark" in html
    assert "Not marked" not in html
    assert "Hidden marked" not in html
    api = client.get(f"/api/v1/sessions/{session.id}/for-minutes").json()
    assert [i["body"] for i in api] == ["Marked remark"]
