"""The live window of a session and its feed of remarks and questions."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests import factories
from tests.conftest import form_token


def test_remarks_need_an_open_window(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.participant)
    closed = client.post(f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "Hola"})
    assert closed.status_code == 409
    assert "not open" in closed.json()["detail"]

    login_as(Role.secretariat)
    state = client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True}).json()
    assert state["is_open"] is True

    login_as(Role.participant, display_name="Lucía")
    posted = client.post(
        f"/api/v1/sessions/{session.id}/live/remarks",
        json={"body": "(chat) See PSI briefing on care", "kind": "remark"},
    )
    assert posted.status_code == 201
    assert posted.json()["channel"] == "live"
    assert posted.json()["author"] == "Lucía"


def test_feed_polling_returns_only_newer_items_and_a_new_poller(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.secretariat)
    client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True})
    first = client.post(
        f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "First"}
    ).json()
    page = client.get(f"/sessions/{session.id}/live").text
    assert "First" in page
    assert 'role="log"' in page
    assert f"after={first['id']}" in page

    client.post(
        f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "Second", "kind": "question"}
    )
    poll = client.get(
        f"/sessions/{session.id}/live/feed?after={first['id']}", headers={"HX-Request": "true"}
    ).text
    assert "Second" in poll
    assert "First" not in poll
    assert 'hx-swap-oob="beforeend:#live-feed"' in poll
    nothing = client.get(f"/sessions/{session.id}/live/feed?after={first['id'] + 1}").text
    assert "hx-swap-oob" not in nothing
    assert 'id="live-poller"' in nothing


def test_participant_posts_through_the_form_without_javascript(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.secretariat)
    token = form_token(client, f"/sessions/{session.id}/live")
    client.post(f"/sessions/{session.id}/live/open", data={"csrf_token": token})
    login_as(Role.participant)
    token = form_token(client, f"/sessions/{session.id}/live")
    key = re.search(
        r'name="idempotency_key" value="([^"]+)"', client.get(f"/sessions/{session.id}/live").text
    )
    assert key
    data = {
        "csrf_token": token,
        "body": "Una pregunta",
        "kind": "question",
        "idempotency_key": key.group(1),
    }
    response = client.post(
        f"/sessions/{session.id}/live/remarks", data=data, follow_redirects=False
    )
    assert response.status_code == 303
    client.post(f"/sessions/{session.id}/live/remarks", data=data)  # a retry: not stored twice
    page = client.get(f"/sessions/{session.id}/live").text
    assert page.count("Una pregunta") == 1
    empty = client.post(
        f"/sessions/{session.id}/live/remarks", data={"csrf_token": token, "body": "  "}
    )
    assert empty.status_code == 422


def test_secretariat_pins_hides_and_marks_for_minutes(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.secretariat)
    client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True})
    remark = client.post(
        f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "Key point"}
    ).json()
    for action in ("pin", "for_minutes"):
        assert (
            client.post(
                f"/api/v1/contributions/{remark['id']}/moderation", json={"action": action}
            ).status_code
            == 200
        )
    page = client.get(f"/sessions/{session.id}/live").text
    assert "Pinned" in page
    assert "For the minutes" in page
    client.post(
        f"/api/v1/contributions/{remark['id']}/moderation",
        json={"action": "hide", "reason": "Off topic"},
    )
    login_as(Role.participant)
    assert "Key point" not in client.get(f"/sessions/{session.id}/live").text


def test_a_second_app_instance_sees_remarks_posted_through_the_first(
    client: TestClient, db: Session, settings, login_as
) -> None:  # type: ignore[no-untyped-def]
    """Two instances behind a load balancer share only the database: an anonymous reader on
    instance B, whose page cache already holds the feed, sees a remark posted on instance A."""
    from app.db import make_engine
    from app.main import create_app

    forum = factories.forum(db)
    session = factories.session(db, forum)
    other_engine = make_engine(settings.database_url)
    try:
        with TestClient(create_app(settings, other_engine)) as reader:
            url = f"/sessions/{session.id}/live/feed?after=0"
            assert "Across instances" not in reader.get(url).text  # now cached on B
            login_as(Role.secretariat)
            client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True})
            posted = client.post(
                f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "Across instances"}
            )
            assert posted.status_code == 201
            assert "Across instances" in reader.get(url).text
    finally:
        other_engine.dispose()


def _open_with_remark(client: TestClient, db: Session, login_as, body: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.secretariat)
    client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True})
    login_as(Role.participant)
    posted = client.post(f"/api/v1/sessions/{session.id}/live/remarks", json={"body": body})
    assert posted.status_code == 201
    return session.id, posted.json()


def test_links_in_remarks_are_links_in_the_page_the_poll_and_the_api(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    """Issue 10, defect 7: a remark's addresses were shown as plain text."""
    body = "Veja https://example.org/plano?ano=2024&x=1 *agora*\nou www.example.net"
    session_id, posted = _open_with_remark(client, db, login_as, body)
    rel = 'rel="nofollow ugc noopener noreferrer"'
    link = f'<a href="https://example.org/plano?ano=2024&amp;x=1" {rel}>'
    assert link in posted["body_html"]
    assert "*agora*<br>" in posted["body_html"]  # a remark is text: no Markdown
    assert posted["body"] == body
    page = client.get(f"/sessions/{session_id}/live").text
    assert link in page
    assert f'<a href="http://www.example.net" {rel}>' in page
    polled = client.get(f"/sessions/{session_id}/live/feed?after=0").text
    assert link in polled
    listed = client.get(f"/api/v1/sessions/{session_id}/live/remarks").json()
    assert listed[0]["body_html"] == posted["body_html"]


def test_the_empty_feed_notice_is_always_there_for_the_poll_to_hide(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    """Issue 10, defect 7: the poll deleted #live-empty out of band on every poll that brought
    remarks, so from the second one on (or on a page that had remarks) htmx had no target."""
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.secretariat)
    client.put(f"/api/v1/sessions/{session.id}/live", json={"is_open": True})
    empty = client.get(f"/sessions/{session.id}/live").text
    assert re.search(r'<p class="hint" id="live-empty">', empty)
    client.post(f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "Primeira"})
    loaded = client.get(f"/sessions/{session.id}/live").text
    assert '<p class="hint" id="live-empty" hidden>' in loaded
    for after in (0, 0):  # every poll that brings remarks replaces it, hidden: it stays there
        polled = client.get(f"/sessions/{session.id}/live/feed?after={after}").text
        assert '<p class="hint" id="live-empty" hidden hx-swap-oob="true"></p>' in polled
        assert 'hx-swap-oob="delete"' not in polled
    nothing_new = client.get(f"/sessions/{session.id}/live/feed?after=999999").text
    assert "live-empty" not in nothing_new


def test_the_text_field_label_is_true_without_javascript(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    """Issue 10, defect 7: "Your remark" stayed when "Question" was chosen. Without JavaScript
    the label names both; live.js names the chosen one (tests/browser/test_live_browser.py)."""
    session_id, _ = _open_with_remark(client, db, login_as, "Olá")
    page = client.get(f"/sessions/{session_id}/live?lang=pt").text
    label = re.search(r'<label for="f-body">(.*?)</label>', page, re.S)
    assert label, page
    assert "Seu comentário ou pergunta" in label.group(1)
    assert 'data-follows="f-kind"' in label.group(1)
    assert 'data-label-question="Sua pergunta"' in label.group(1)
    assert '<script src="/static/js/live.js" defer></script>' in page
