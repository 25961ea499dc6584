"""The policy documents' JSON API as a drafting team uses it: 201, 200, 409, 428, 404, 403."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests.conftest import csrf_header, logout
from tests.policy.helpers import BODY, PARAGRAPHS, Paper, add_to_team, paper

Login = Callable[..., Any]


def _editor(client: TestClient, db: Session, login_as: Login, role: str = "editor") -> Paper:
    made = paper(db)
    user = login_as(Role.caucus_rep if role == "caucus_rep" else Role.participant)
    add_to_team(db, made, user, role)
    return made


def test_the_secretariat_creates_a_document_and_adds_a_team(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = paper(db)
    rep = login_as(Role.caucus_rep)
    login_as(Role.secretariat)
    forum_id = made.document.forum_id
    created = client.post(
        "/api/v1/documents",
        json={"forum_id": forum_id, "title": {"en": "Care paper"}, "language": "es"},
    )
    assert created.status_code == 201, created.text
    document = created.json()
    assert (document["stage"], document["language"], document["sections"]) == ("drafting", "es", [])
    team = f"/api/v1/documents/{document['id']}/team"
    youth = client.get("/api/v1/caucuses").json()[0]["id"]
    added = client.post(team, json={"user_id": rep.id, "role": "caucus_rep", "caucus_id": youth})
    assert added.status_code == 201, added.text
    assert added.json()["role"] == "caucus_rep"
    again = client.post(team, json={"user_id": rep.id, "role": "editor"})
    assert (again.status_code, again.json()["role"]) == (200, "editor")
    assert client.post(team, json={"user_id": rep.id, "role": "caucus_rep"}).status_code == 422
    unknown = client.post(team, json={"user_id": 999_999, "role": "editor"})
    assert unknown.status_code == 422
    assert "user_id" in unknown.json()["errors"]
    bad_forum = {"forum_id": 999_999, "title": {"en": "x"}, "language": "en"}
    assert client.post("/api/v1/documents", json=bad_forum).status_code == 422


def test_only_the_team_and_staff_see_a_document(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = _editor(client, db, login_as, "caucus_rep")
    url = f"/api/v1/documents/{made.document.id}"
    section = f"/api/v1/sections/{made.section.id}"
    body = client.get(url).json()
    assert [s["number"] for s in body["sections"]] == ["1"]
    assert body["team"][0]["role"] == "caucus_rep"
    assert client.get(section).status_code == 200
    login_as(Role.participant)
    for path in (url, section, section + "/revisions", section + "/blame", section + "/diff"):
        assert client.get(path).status_code == 404, path
    put = client.put(section, json={"body": "x", "base_version": 1})
    assert put.status_code == 404
    logout(client)
    client.headers.update(csrf_header(client))
    assert client.get(url).status_code == 404
    assert client.put(section, json={"body": "x", "base_version": 1}).status_code == 401


def test_a_team_editor_may_not_change_the_team(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = _editor(client, db, login_as)
    team = f"/api/v1/documents/{made.document.id}/team"
    answer = client.post(team, json={"user_id": made.staff.id, "role": "editor"})
    assert answer.status_code == 403


def test_sections_are_numbered_as_a_tree(client: TestClient, db: Session, login_as: Login) -> None:
    made = _editor(client, db, login_as)
    url = f"/api/v1/documents/{made.document.id}/sections"
    second = client.post(url, json={"title": "Financing", "body": "Who pays."})
    assert second.status_code == 201, second.text
    assert second.headers["ETag"] == '"v1"'
    child = client.post(url, json={"title": "Taxes", "body": "", "parent_id": second.json()["id"]})
    assert child.json()["number"] == "2.1"
    first = client.post(url, json={"title": "Preamble", "body": "Why.", "position": 1})
    assert first.json()["number"] == "1"
    tree = client.get(f"/api/v1/documents/{made.document.id}").json()["sections"]
    assert [(s["number"], s["title"], s["depth"]) for s in tree] == [
        ("1", "Preamble", 1),
        ("2", "Care as a right", 1),
        ("3", "Financing", 1),
        ("3.1", "Taxes", 2),
    ]
    foreign = client.post(url, json={"title": "X", "parent_id": 999_999})
    assert foreign.status_code == 422
    assert "parent_id" in foreign.json()["errors"]


def test_a_save_keeps_paragraph_ids_and_answers_the_new_version(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = _editor(client, db, login_as)
    url = f"/api/v1/sections/{made.section.id}"
    read = client.get(url)
    assert read.headers["ETag"] == '"v1"'
    section = read.json()
    assert section["body"] == BODY
    ids = [p["id"] for p in section["paragraphs"]]
    edited = BODY.replace("every age", "every age and ability")
    saved = client.put(url, json={"body": edited, "base_version": 1, "note": "ability"})
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["merged"]) == (2, False)
    assert saved.headers["ETag"] == '"v2"'
    assert [p["id"] for p in saved.json()["paragraphs"]] == ids
    # The same save again changes nothing and makes no revision.
    again = client.put(url, json={"body": edited, "base_version": 2})
    assert again.json()["version"] == 2


def test_concurrent_saves_merge_or_conflict(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = _editor(client, db, login_as)
    url = f"/api/v1/sections/{made.section.id}"
    first = BODY.replace("every age", "every age and ability")
    assert client.put(url, json={"body": first, "base_version": 1}).status_code == 200
    # Based on version 1, another paragraph: merged, and both changes are in.
    other = BODY.replace("train care workers", "pay care workers fairly")
    merged = client.put(url, headers={"If-Match": '"v1"'}, json={"body": other})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged"] is True
    assert "every age and ability" in merged.json()["body"]
    assert "pay care workers fairly" in merged.json()["body"]
    # Based on version 1, the first paragraph again: a conflict, nothing stored.
    clash = BODY.replace("every age", "all ages")
    refused = client.put(url, json={"body": clash, "base_version": 1})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["version"] == 3
    assert problem["body"] == merged.json()["body"]
    (conflict,) = problem["conflicts"]
    assert conflict["paragraph_id"] == merged.json()["paragraphs"][0]["id"]
    assert (conflict["base"], conflict["ours"]) == (PARAGRAPHS[0], clash.split("\n\n")[0])
    assert "every age and ability" in conflict["theirs"]
    assert client.get(url).json()["version"] == 3


def test_a_save_without_a_base_version_is_428_and_an_unknown_one_409(
    client: TestClient, db: Session, login_as: Login
) -> None:
    made = _editor(client, db, login_as)
    url = f"/api/v1/sections/{made.section.id}"
    missing = client.put(url, json={"body": "Anything"})
    assert missing.status_code == 428
    assert "base_version" in missing.json()["detail"]
    bad_tag = client.put(url, headers={"If-Match": "*"}, json={"body": "Anything"})
    assert bad_tag.status_code == 428
    future = client.put(url, json={"body": "Anything", "base_version": 7})
    assert future.status_code == 409
    assert future.json()["conflicts"] == []
    assert client.put(url, json={"body": "x", "base_version": 0}).status_code == 422


def test_history_diff_blame_and_revert(client: TestClient, db: Session, login_as: Login) -> None:
    made = _editor(client, db, login_as)
    url = f"/api/v1/sections/{made.section.id}"
    edited = BODY.replace("every age", "every age and ability")
    client.put(url, json={"body": edited, "base_version": 1, "title": "Care, a right"})
    revisions = client.get(url + "/revisions").json()
    assert [r["number"] for r in revisions] == [2, 1]
    assert revisions[0]["author"] == "Test participant"
    diff = client.get(url + "/diff", params={"from": 1, "to": 2}).json()
    first = diff["paragraphs"][0]
    assert first["change"] == "changed"
    assert {"op": "insert", "text": " and ability"} in first["runs"]
    assert [p["change"] for p in diff["paragraphs"][1:]] == ["same", "same"]
    assert {"op": "delete", "text": " as"} in diff["title"]
    assert client.get(url + "/diff", params={"from": 1, "to": 9}).status_code == 404
    blame = client.get(url + "/blame").json()
    assert [b["version"] for b in blame] == [2, 1, 1]
    assert blame[0]["author"] == "Test participant"
    reverted = client.post(url + "/revert", json={"revision": 1})
    assert reverted.status_code == 200, reverted.text
    assert (reverted.json()["version"], reverted.json()["body"]) == (3, BODY)
    assert reverted.json()["title"] == "Care as a right"
    assert client.get(url + "/revisions").json()[0]["reverted_from"] == 1
    assert client.post(url + "/revert", json={"revision": 99}).status_code == 404
