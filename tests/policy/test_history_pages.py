"""The history pages as a drafting team reads them: revisions, a word-level diff, blame, and
restoring a revision; odd query strings answer 4xx (or the default page), never 500."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role, User
from app.services import policy
from tests.conftest import form_token, make_user
from tests.policy.helpers import PARAGRAPHS, Paper, add_to_team, paper

Login = Callable[..., Any]


def _save(db: Session, made: Paper, user: User, body: str, note: str = "") -> int:
    section = policy.get_section(db, made.section.id or 0)
    db.refresh(section)
    done = policy.save_section(
        db, actor=user, section=section, base_version=section.version, body=body, note=note
    )
    return done.section.version


@pytest.fixture
def two_editors(client: TestClient, db: Session, engine: Any, login_as: Login) -> dict[str, Any]:
    """Ana edits the first paragraph, then Bruno the third; Ana reads the pages."""
    made = paper(db)
    bruno = make_user(engine, Role.participant, display_name="Bruno Editor")
    add_to_team(db, made, bruno)
    ana = login_as(Role.participant, display_name="Ana Editor")
    add_to_team(db, made, ana)
    first = [PARAGRAPHS[0].replace("every person", "every single person"), *PARAGRAPHS[1:]]
    v2 = _save(db, made, ana, "\n\n".join(first), note="Stronger wording")
    third = [*first[:2], "The caucuses review and amend this text."]
    v3 = _save(db, made, bruno, "\n\n".join(third))
    return {"paper": made, "ana": ana, "bruno": bruno, "v2": v2, "v3": v3, "sid": made.section.id}


def test_history_lists_revisions_newest_first(
    client: TestClient, two_editors: dict[str, Any]
) -> None:
    sid = two_editors["sid"]
    page = client.get(f"/sections/{sid}/history")
    assert page.status_code == 200, page.text
    rows = re.findall(r'<tr id="r-(\d+)"', page.text)
    assert rows == ["3", "2", "1"]
    assert "Ana Editor" in page.text
    assert "Bruno Editor" in page.text
    assert "Stronger wording" in page.text
    assert "<time datetime=" in page.text
    assert f'action="/sections/{sid}/diff"' in page.text
    assert 'name="from"' in page.text
    assert f"/sections/{sid}/revert?revision=1" in page.text
    document = client.get(f"/documents/{two_editors['paper'].document.id}/history")
    assert document.status_code == 200, document.text
    assert "Care as a right" in document.text
    table = document.text[document.text.index("<tbody>") :]
    assert table.index("Bruno Editor") < table.index("Ana Editor")


def test_the_history_is_paged_past_fifty(client: TestClient, db: Session, login_as: Login) -> None:
    made = paper(db)
    ana = login_as(Role.participant, display_name="Ana Editor")
    add_to_team(db, made, ana)
    for n in range(55):
        _save(db, made, ana, f"Care is a right, draft {n}.")
    first = client.get(f"/sections/{made.section.id}/history")
    rows = re.findall(r'<tr id="r-(\d+)"', first.text)
    assert (len(rows), rows[0], rows[-1]) == (50, "56", "7")
    assert f"/sections/{made.section.id}/history?before=7" in first.text
    second = client.get(f"/sections/{made.section.id}/history?before=7")
    assert re.findall(r'<tr id="r-(\d+)"', second.text) == ["6", "5", "4", "3", "2", "1"]
    assert 'rel="next"' not in second.text
    document = client.get(f"/documents/{made.document.id}/history")
    cursor = re.search(r'history\?before=(\d+)" rel="next"', document.text)
    assert cursor is not None
    older = client.get(f"/documents/{made.document.id}/history?before={cursor.group(1)}")
    assert older.status_code == 200
    assert 'rel="next"' not in older.text


def test_the_diff_marks_inserted_and_deleted_words_in_words_too(
    client: TestClient, two_editors: dict[str, Any]
) -> None:
    sid = two_editors["sid"]
    page = client.get(f"/sections/{sid}/diff?from=1&to=3")
    assert page.status_code == 200, page.text
    assert '<ins><span class="visually-hidden">inserted: </span>single </ins>' in page.text
    assert "<del><span" in page.text
    assert "deleted: </span>" in page.text
    assert page.text.count("Paragraph changed") == 2
    assert 'lang="en"' in page.text
    # The default pair is the latest change; links step to the pair before it.
    latest = client.get(f"/sections/{sid}/diff")
    assert "Changes from revision 2 to revision 3" in latest.text
    assert f"/sections/{sid}/diff?from=1&amp;to=2" in latest.text


def test_the_diff_labels_added_and_removed_paragraphs_and_the_title(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    ana = login_as(Role.participant, display_name="Ana Editor")
    add_to_team(db, made, ana)
    section = policy.get_section(db, made.section.id or 0)
    policy.save_section(
        db,
        actor=ana,
        section=section,
        base_version=1,
        body="\n\n".join([PARAGRAPHS[0], PARAGRAPHS[2], "Zebras juggle quietly."]),
        title="Care as a human right",
    )
    page = client.get(f"/sections/{made.section.id}/diff?from=1&to=2")
    assert page.status_code == 200, page.text
    assert "Paragraph added" in page.text
    assert "Paragraph removed" in page.text
    assert "Title changed" in page.text
    assert "inserted: </span>human " in page.text


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("from=abc&to=2", 400, "by their numbers"),
        ("from=1&to=%20", 200, "Changes from revision 1"),
        ("from=&to=", 200, "Changes from revision 2 to revision 3"),
        ("from=3&to=1", 400, "must be older"),
        ("from=1&to=99", 404, "has no revision 99"),
        ("from=0&to=1", 400, "by their numbers"),
        ("from=-4", 400, "by their numbers"),
        ("from=1e3", 400, "by their numbers"),
        ("from=99999999999999999999", 400, "by their numbers"),
        ("to=" + "9" * 41, 400, ""),
        ("from=2&to=2", 200, "compared with itself"),
    ],
)
def test_bad_revision_numbers_get_a_clear_page(
    client: TestClient, two_editors: dict[str, Any], query: str, status: int, says: str
) -> None:
    page = client.get(f"/sections/{two_editors['sid']}/diff?{query}")
    assert page.status_code == status, page.text
    assert says in page.text
    if status >= 400 and says:
        assert 'action="/sections/' in page.text  # the compare form, to choose again


@pytest.mark.parametrize("query", ["before=abc", "before=0", "before=", "before=-1", "x=1"])
def test_odd_history_queries_never_fail(
    client: TestClient, two_editors: dict[str, Any], query: str
) -> None:
    for url in (
        f"/sections/{two_editors['sid']}/history?{query}",
        f"/documents/{two_editors['paper'].document.id}/history?{query}",
    ):
        assert client.get(url).status_code in (200, 400), url


def test_blame_names_each_paragraphs_author(
    client: TestClient, two_editors: dict[str, Any]
) -> None:
    sid = two_editors["sid"]
    page = client.get(f"/sections/{sid}/blame")
    assert page.status_code == 200, page.text
    rows = re.findall(r'<tr id="p-\d+">(.*?)</tr>', page.text, re.S)
    assert len(rows) == 3
    assert "every single person" in rows[0]
    assert "Ana Editor" in rows[0]
    assert f"/sections/{sid}/diff?from=1&amp;to=2#d-" in rows[0]
    assert "Factory" in rows[1]
    assert f"/sections/{sid}/history#r-1" in rows[1]
    assert "review and amend" in rows[2]
    assert "Bruno Editor" in rows[2]
    assert f"/sections/{sid}/diff?from=2&amp;to=3#d-" in rows[2]


def test_an_editor_restores_a_revision_as_a_new_one(
    client: TestClient, db: Session, two_editors: dict[str, Any]
) -> None:
    sid = two_editors["sid"]
    confirm = client.get(f"/sections/{sid}/revert?revision=1")
    assert confirm.status_code == 200, confirm.text
    assert "What would change" in confirm.text
    assert "Revision 1 was saved by Factory, <time datetime=" in confirm.text
    assert "<del>" in confirm.text
    token = form_token(client, f"/sections/{sid}/revert?revision=1")
    done = client.post(
        f"/sections/{sid}/revert",
        data={"csrf_token": token, "revision": "1", "note": "Back to the agreed text"},
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/sections/{sid}/history")
    history = client.get(f"/sections/{sid}/history")
    assert "Revision 1 restored" in history.text
    assert "revert of revision 1" in history.text
    assert "Back to the agreed text" in history.text
    db.rollback()
    section = policy.get_section(db, sid)
    db.refresh(section)
    assert section.version == 4
    assert [p.text for p in policy.current_paragraphs(db, sid)] == PARAGRAPHS
    # Restoring what it already reads saves nothing, and says so.
    again = client.post(f"/sections/{sid}/revert", data={"csrf_token": token, "revision": "4"})
    assert "already reads as revision 4" in again.text
    db.rollback()
    db.refresh(section)
    assert section.version == 4


def test_a_bad_restore_form_gets_an_answer_not_a_failure(
    client: TestClient, two_editors: dict[str, Any]
) -> None:
    sid = two_editors["sid"]
    token = form_token(client, f"/sections/{sid}/revert?revision=1")
    long_note = client.post(
        f"/sections/{sid}/revert", data={"csrf_token": token, "revision": "1", "note": "x" * 1001}
    )
    assert long_note.status_code == 422
    assert 'name="note"' in long_note.text
    for revision in ("", "abc", "99", "0"):
        answer = client.post(
            f"/sections/{sid}/revert", data={"csrf_token": token, "revision": revision}
        )
        assert answer.status_code == 404, (revision, answer.status_code)
    for query in ("?revision=abc", "?revision=99", "?revision=0"):
        assert client.get(f"/sections/{sid}/revert{query}").status_code in (400, 404)
    for query in ("", "?revision=", "?revision=%20"):
        undo = client.get(f"/sections/{sid}/revert{query}")
        assert undo.status_code == 200
        assert "Restore revision 2 of section 1" in undo.text


def test_outside_the_team_the_pages_do_not_exist(
    client: TestClient, two_editors: dict[str, Any], login_as: Login
) -> None:
    sid = two_editors["sid"]
    login_as(Role.participant)
    for url in (
        f"/sections/{sid}/history",
        f"/sections/{sid}/diff?from=1&to=2",
        f"/sections/{sid}/blame",
        f"/sections/{sid}/revert?revision=1",
        f"/documents/{two_editors['paper'].document.id}/history",
    ):
        assert client.get(url).status_code == 404, url
    refused = client.post(
        f"/sections/{sid}/revert",
        data={"csrf_token": form_token(client, "/"), "revision": "1"},
    )
    assert refused.status_code == 404
