"""Comments on paragraphs, as a drafting team uses them: threads and replies, resolving and
reopening by the right people only, open counts beside each paragraph, threads that follow a
merged paragraph, the authors' edit and delete rules, and forms that keep what was typed."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.models.policy_comments import PolicyComment
from app.models.users import Role, User
from app.services import policy
from app.services.policy import comments as service
from app.services.policy import extensions
from tests.conftest import form_token
from tests.policy.helpers import PARAGRAPHS, Paper, add_to_team, paper

Login = Callable[..., Any]


def _ids(db: Session, made: Paper) -> list[int]:
    return [p.id or 0 for p in policy.current_paragraphs(db, made.section.id or 0)]


def _team(
    db: Session, login_as: Login, role: str = "editor", name: str = "Ana"
) -> tuple[Paper, User]:
    made = paper(db)
    user = login_as(
        Role.caucus_rep if role == "caucus_rep" else Role.participant, display_name=name
    )
    add_to_team(db, made, user, role)
    return made, user


def _post(client: TestClient, paragraph_id: int, body: str, parent: int | None = None) -> Any:
    data: dict[str, Any] = {"body": body}
    if parent is not None:
        data["parent_id"] = parent
    return client.post(f"/api/v1/paragraphs/{paragraph_id}/comments", json=data)


def _age(db: Session, comment_id: int, hours: int) -> None:
    db.rollback()  # a fresh read: the comment was posted through the app
    row = db.get(PolicyComment, comment_id)
    assert row is not None
    row.created_at = row.created_at - timedelta(hours=hours)
    db.add(row)
    db.commit()


# -- threads and replies ------------------------------------------------------------------------


def test_a_thread_with_replies_at_two_levels(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    first = _ids(db, made)[0]
    top = _post(client, first, "Say *who* pays.")
    assert top.status_code == 201, top.text
    top_id = top.json()["id"]
    assert top.json()["thread_id"] == top_id
    assert "<em>who</em>" in top.json()["body_html"]
    reply = _post(client, first, "The state, mostly.", parent=top_id)
    assert reply.status_code == 201, reply.text
    deeper = _post(client, first, "And cities.", parent=reply.json()["id"])
    assert deeper.json()["thread_id"] == top_id
    listing = client.get(f"/api/v1/paragraphs/{first}/comments").json()
    assert listing["open_count"] == 3
    [thread] = listing["threads"]
    assert [c["body"] for c in thread["comments"]] == [
        "Say *who* pays.",
        "The state, mostly.",
        "And cities.",
    ]
    assert [c["parent_id"] for c in thread["comments"]] == [None, top_id, reply.json()["id"]]
    assert thread["comments"][0]["author"] == "Ana"
    # A reply must belong to a thread shown on the same paragraph.
    other = _post(client, _ids(db, made)[1], "Elsewhere", parent=top_id)
    assert other.status_code == 422
    assert "parent_id" in other.json()["errors"]


def test_empty_and_garbage_bodies_are_refused(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    first = _ids(db, made)[0]
    for body in ({"body": ""}, {"body": "   "}, {"body": 12}, {}, {"body": "x" * 10_001}):
        answer = client.post(f"/api/v1/paragraphs/{first}/comments", json=body)
        assert answer.status_code == 422, (body, answer.text)
    assert client.post(f"/api/v1/paragraphs/{first}/comments", content=b"{nope").status_code == 422
    assert _post(client, 999_999, "Lost").status_code == 404


# -- who may ------------------------------------------------------------------------------------


def test_outsiders_find_no_paragraph_and_caucus_reps_comment(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    first = _ids(db, made)[0]
    login_as(Role.participant)
    assert client.get(f"/api/v1/paragraphs/{first}/comments").status_code == 404
    assert _post(client, first, "Hello").status_code == 404
    assert client.get(f"/paragraphs/{first}/comments").status_code == 404
    rep = login_as(Role.caucus_rep)
    add_to_team(db, made, rep, "caucus_rep")
    assert _post(client, first, "From the youth caucus").status_code == 201


def test_resolve_and_reopen_by_author_editors_and_staff_only(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    first = _ids(db, made)[0]
    author = login_as(Role.caucus_rep, display_name="Rosa")
    add_to_team(db, made, author, "caucus_rep")
    thread = _post(client, first, "Name the caucuses.").json()["id"]
    reply = _post(client, first, "Agreed.", parent=thread).json()["id"]
    # Another caucus representative on the team (not the author, not an editor) may not.
    other = login_as(Role.caucus_rep)
    add_to_team(db, made, other, "caucus_rep")
    refused = client.post(f"/api/v1/comments/{thread}/resolution", json={"resolved": True})
    assert refused.status_code == 403
    # An editor may, naming the thread by any of its comments.
    editor = login_as(Role.participant, display_name="Elena")
    add_to_team(db, made, editor, "editor")
    done = client.post(f"/api/v1/comments/{reply}/resolution", json={"resolved": True})
    assert done.status_code == 200, done.text
    assert (done.json()["resolved"], done.json()["resolved_by"]) == (True, "Elena")
    again = client.post(f"/api/v1/comments/{thread}/resolution", json={"resolved": True})
    assert again.status_code == 409
    assert client.get(f"/api/v1/paragraphs/{first}/comments").json()["open_count"] == 0
    # Its author reopens it; the secretariat resolves it again.
    client.cookies.clear()
    login_as(Role.secretariat)
    reopened_by_staff = client.post(
        f"/api/v1/comments/{thread}/resolution", json={"resolved": False}
    )
    assert reopened_by_staff.status_code == 200
    assert reopened_by_staff.json()["resolved"] is False
    assert client.get(f"/api/v1/paragraphs/{first}/comments").json()["open_count"] == 2


def test_the_author_reopens_their_thread(client: TestClient, db: Session, login_as: Login) -> None:
    made, _ana = _team(db, login_as, role="caucus_rep")
    first = _ids(db, made)[0]
    thread = _post(client, first, "One more thing.").json()["id"]
    path = f"/api/v1/comments/{thread}/resolution"
    assert client.post(path, json={"resolved": True}).status_code == 200
    assert client.post(path, json={"resolved": False}).json()["resolved"] is False
    assert client.post(path, json={"resolved": False}).status_code == 409
    assert client.post(path, json={"resolved": "maybe"}).status_code == 422


# -- edit and delete ----------------------------------------------------------------------------


def test_authors_edit_their_own_within_the_window(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    first = _ids(db, made)[0]
    mine = _post(client, first, "Typo hre.").json()["id"]
    edited = client.patch(f"/api/v1/comments/{mine}", json={"body": "Typo here."})
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "Typo here."
    assert edited.json()["edited_at"] is not None
    assert client.patch(f"/api/v1/comments/{mine}", json={"body": " "}).status_code == 422
    _age(db, mine, 25)
    late = client.patch(f"/api/v1/comments/{mine}", json={"body": "Too late"})
    assert late.status_code == 409
    assert "24 hours" in late.json()["detail"]
    assert client.delete(f"/api/v1/comments/{mine}").status_code == 409
    # Someone else on the team may not touch it.
    other = login_as(Role.participant)
    add_to_team(db, made, other, "editor")
    assert client.patch(f"/api/v1/comments/{mine}", json={"body": "Mine now"}).status_code == 403
    assert client.delete(f"/api/v1/comments/{mine}").status_code == 403
    # The secretariat removes it as moderators, at any time.
    login_as(Role.secretariat)
    assert client.patch(f"/api/v1/comments/{mine}", json={"body": "No"}).status_code == 403
    assert client.delete(f"/api/v1/comments/{mine}").status_code == 204
    assert client.delete(f"/api/v1/comments/{mine}").status_code == 404


def test_a_deleted_comment_with_replies_stays_as_comment_deleted(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    first = _ids(db, made)[0]
    top = _post(client, first, "Start here.").json()["id"]
    reply = _post(client, first, "A reply.", parent=top).json()["id"]
    assert client.delete(f"/api/v1/comments/{top}").status_code == 204
    [thread] = client.get(f"/api/v1/paragraphs/{first}/comments").json()["threads"]
    shown = thread["comments"][0]
    assert (shown["deleted"], shown["body"], shown["author"]) == (True, None, None)
    assert client.patch(f"/api/v1/comments/{top}", json={"body": "Back"}).status_code == 409
    page = client.get(f"/paragraphs/{first}/comments").text
    assert "Comment deleted" in page
    assert "Start here." not in page
    # When its last reply goes, the deleted comment goes too, and the thread with it.
    assert client.delete(f"/api/v1/comments/{reply}").status_code == 204
    listing = client.get(f"/api/v1/paragraphs/{first}/comments").json()
    assert listing["threads"] == []
    db.rollback()
    assert db.get(PolicyComment, top) is None


# -- counts and merged paragraphs -------------------------------------------------------------


def test_open_counts_for_every_paragraph_in_one_query(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, ana = _team(db, login_as)
    first, second, third = _ids(db, made)
    a = _post(client, first, "One").json()["id"]
    _post(client, first, "Two", parent=a)
    b = _post(client, second, "Three").json()["id"]
    client.post(f"/api/v1/comments/{b}/resolution", json={"resolved": True})
    deleted = _post(client, third, "Gone").json()["id"]
    client.delete(f"/api/v1/comments/{deleted}")
    db.rollback()
    statements: list[str] = []
    from sqlalchemy import event

    engine = db.get_bind()

    def count(*args: Any) -> None:
        if str(args[2]).strip().upper() != "BEGIN":
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = service.open_counts(db, [first, second, third])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts == {first: 2, second: 0, third: 0}
    assert len(statements) == 1
    tools = extensions.tools_for(db, ana, made.document, [first, second, third])
    [tool] = [t for t in tools[first] if t.key == "comments"]
    assert (tool.label, tool.count) == ("Comments on paragraph 1 of section 1", 2)
    assert tool.href == f"/paragraphs/{first}/comments"
    assert [t.count for t in tools[third] if t.key == "comments"] == [0]


def test_a_thread_follows_its_paragraph_through_edits_and_merges(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    first, second, third = _ids(db, made)
    on_third = _post(client, third, "About the caucuses.").json()["id"]
    on_second = _post(client, second, "About funding.").json()["id"]
    # Editing the paragraph and another one keeps the threads where they were.
    edited = [PARAGRAPHS[0] + " Always.", PARAGRAPHS[1] + " Now.", PARAGRAPHS[2]]
    saved = client.put(
        f"/api/v1/sections/{made.section.id}",
        json={"body": "\n\n".join(edited), "base_version": 1},
    )
    assert saved.status_code == 200, saved.text
    assert [p["id"] for p in saved.json()["paragraphs"]] == [first, second, third]
    assert client.get(f"/api/v1/paragraphs/{second}/comments").json()["open_count"] == 1
    # Merging the third paragraph into the second: its thread shows under the second.
    merged = [edited[0], edited[1] + " " + edited[2]]
    saved = client.put(
        f"/api/v1/sections/{made.section.id}",
        json={"body": "\n\n".join(merged), "base_version": 2},
    )
    assert [p["id"] for p in saved.json()["paragraphs"]] == [first, second], saved.text
    listing = client.get(f"/api/v1/paragraphs/{second}/comments").json()
    assert listing["merged_from"] == [third]
    assert {t["id"] for t in listing["threads"]} == {on_second, on_third}
    db.rollback()
    assert service.open_counts(db, [first, second]) == {first: 0, second: 2}
    # The merged-away paragraph's own address leads to where its thread went.
    assert client.get(f"/api/v1/paragraphs/{third}/comments").json()["paragraph_id"] == second
    page = client.get(f"/paragraphs/{third}/comments", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, f"/paragraphs/{second}/comments")
    html = client.get(f"/paragraphs/{second}/comments").text
    assert "merged into this one" in html
    # A reply to the merged thread stays in it; a new comment sent to the old address lands on
    # the paragraph it went into.
    reply = _post(client, second, "Still relevant.", parent=on_third).json()
    assert (reply["thread_id"], reply["paragraph_id"]) == (on_third, third)
    assert _post(client, third, "Late.").json()["paragraph_id"] == second


def test_comments_on_a_removed_paragraph_are_read_not_added_to(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    _first, _second, third = _ids(db, made)
    _post(client, third, "Keep this paragraph?")
    client.put(
        f"/api/v1/sections/{made.section.id}",
        json={"body": "\n\n".join(PARAGRAPHS[:2]), "base_version": 1},
    )
    assert len(client.get(f"/api/v1/paragraphs/{third}/comments").json()["threads"]) == 1
    assert _post(client, third, "Too late").status_code == 409
    page = client.get(f"/paragraphs/{third}/comments").text
    assert "was removed from the text" in page
    assert 'action="/paragraphs/' not in page


# -- the pages ----------------------------------------------------------------------------------


def _first_thread(db: Session, login_as: Login) -> tuple[int, str]:
    """A paper with Ana on its team, logged in: its first paragraph and that thread's page."""
    made, _ana = _team(db, login_as)
    first = _ids(db, made)[0]
    return first, f"/paragraphs/{first}/comments"


def _form(client: TestClient, page: str, **data: Any) -> dict[str, Any]:
    return {"csrf_token": form_token(client, page), **data}


def test_the_thread_page_by_forms(client: TestClient, db: Session, login_as: Login) -> None:
    _first, page = _first_thread(db, login_as)
    html = client.get(page).text
    assert 'lang="en"' in html
    assert PARAGRAPHS[0] in html
    assert "No open comments" in html
    posted = client.post(page, data=_form(client, page, body="Who pays?"), follow_redirects=False)
    assert posted.status_code == 303, posted.text
    new_id = int(re.search(r"#c-(\d+)$", posted.headers["location"]).group(1))  # type: ignore[union-attr]
    html = client.get(posted.headers["location"]).text
    assert f'id="c-{new_id}"' in html
    assert "autofocus" in html
    assert re.search(r"<h3[^>]*>\s*<span class=\"comment-author\">Ana</span>", html)
    assert "Reply to Ana&#39;s comment" in html or "Reply to Ana's comment" in html
    assert 'aria-label="Resolve the thread started by Ana">Resolve</button>' in html
    # A reply through the thread's form; then resolve it: folded into a <details> with a count.
    reply = client.post(
        page,
        data=_form(client, page, body="The state.", parent_id=new_id, thread=new_id),
        follow_redirects=False,
    )
    assert reply.status_code == 303
    resolved = client.post(
        f"/comments/{new_id}/resolution",
        data=_form(client, page, resolved="true"),
        follow_redirects=False,
    )
    assert resolved.status_code == 303
    html = client.get(page).text
    assert "<details" in html
    assert "1 resolved thread" in html
    assert "Open comments (0)" in html
    again = client.post(
        f"/comments/{new_id}/resolution",
        data=_form(client, page, resolved="true"),
    )
    assert "already resolved" in again.text


def test_a_refused_form_keeps_the_text_and_says_why(
    client: TestClient, db: Session, login_as: Login
) -> None:
    first, page = _first_thread(db, login_as)
    empty = client.post(page, data=_form(client, page, body="   "))
    assert empty.status_code == 422
    assert "There is a problem" in empty.text
    top = _post(client, first, "Top").json()["id"]
    long = "x" * 10_001
    bad = client.post(page, data=_form(client, page, body=long, parent_id=top, thread=top))
    assert bad.status_code == 422
    assert long in bad.text
    assert f"e-r{top}-body" in bad.text
    garbage = client.post(
        page, data=_form(client, page, body="Fine", parent_id="abc", thread="zzz")
    )
    assert garbage.status_code == 422
    assert "Fine" in garbage.text
    edit = f"/comments/{top}/edit"
    assert client.get(edit).status_code == 200
    refused = client.post(edit, data=_form(client, edit, body=""))
    assert refused.status_code == 422
    ok = client.post(edit, data=_form(client, edit, body="Top, edited"), follow_redirects=False)
    assert ok.status_code == 303
    assert "Top, edited" in client.get(page).text
    gone = client.post(f"/comments/{top}/delete", data=_form(client, page), follow_redirects=False)
    assert gone.status_code == 303
    assert "Top, edited" not in client.get(page).text


def test_the_document_page_links_each_paragraph_to_its_thread(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made, _ana = _team(db, login_as)
    first, second, _third = _ids(db, made)
    _post(client, second, "Who trains them?")
    html = client.get(f"/documents/{made.document.id}").text
    links = re.findall(r'<a href="/paragraphs/(\d+)/comments" data-tool="comments">([^<]+)', html)
    assert [int(pid) for pid, _label in links] == _ids(db, made)
    assert dict(links)[str(second)].strip() == "Comments on paragraph 2 of section 1"
    assert f'href="/paragraphs/{second}/comments" data-tool="comments">' in html
    assert '<span class="count">(1)</span>' in html
    assert str(first) in dict(links)


def _hidden(html: str, form_start: str) -> dict[str, str]:
    """The hidden fields of the form whose opening tag contains `form_start`, as a browser
    sends them."""
    start = html.index(form_start)
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _bodies(db: Session) -> list[str]:
    return [c.body for c in db.exec(select(PolicyComment).order_by(col(PolicyComment.id)))]


def test_a_second_tap_or_a_resent_form_posts_the_comment_once(
    client: TestClient, db: Session, login_as: Login
) -> None:
    _first, page = _first_thread(db, login_as)
    html = client.get(page).text
    new_form = _hidden(html, f'action="{page}" class="stack">')
    assert len(new_form["idempotency_key"]) >= 8
    answers = [
        client.post(page, data={**new_form, "body": "Who pays?"}, follow_redirects=False)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    db.rollback()
    assert _bodies(db) == ["Who pays?"]

    # The next page has other keys, one per form: a new comment and a reply are two comments.
    html = client.get(page).text
    top = db.exec(select(PolicyComment)).one().id
    again, reply = (
        _hidden(html, f'action="{page}" class="stack">'),
        _hidden(html, f'id="reply-{top}"'),
    )
    assert (
        len({new_form["idempotency_key"], again["idempotency_key"], reply["idempotency_key"]}) == 3
    )
    client.post(page, data={**again, "body": "And who decides?"})
    client.post(page, data={**reply, "body": "The city."})
    db.rollback()
    assert sorted(_bodies(db)) == [
        "And who decides?",
        "The city.",
        "Who pays?",
    ]

    # A refused form comes back with its key: the corrected one, sent twice, posts once.
    fresh = _hidden(client.get(page).text, f'action="{page}" class="stack">')
    refused = client.post(page, data={**fresh, "body": "  "})
    assert refused.status_code == 422
    kept = _hidden(refused.text, f'action="{page}" class="stack">')
    assert kept["idempotency_key"] == fresh["idempotency_key"]
    for _ in range(2):
        client.post(page, data={**kept, "body": "Corrected"}, follow_redirects=False)
    db.rollback()
    assert _bodies(db).count("Corrected") == 1
