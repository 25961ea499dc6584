"""Two editors at once lose nothing: every save carries the version it was based on; a stale
save of another item merges, a stale save of the same item gets 409 with both texts."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests.minutes.helpers import meeting


def _draft(client: TestClient, db: Session, login_as: Callable[..., Any]) -> dict[str, Any]:
    world = meeting(db)
    login_as(Role.secretariat)
    body = client.post(f"/api/v1/sessions/{world.session.id}/minutes").json()
    return dict(body)


def test_stale_saves_of_different_items_merge(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _draft(client, db, login_as)
    mid, base = body["id"], body["version"]
    first, second = body["blocks"][0]["turns"][0], body["blocks"][1]["turns"][0]
    url = f"/api/v1/minutes/{mid}/items/turn"
    one = client.put(f"{url}/{first['id']}", json={"base_version": base, "points": ["Covid"]})
    assert one.status_code == 200, one.text
    # The second editor opened the page at the same version and edits another turn.
    two = client.put(f"{url}/{second['id']}", json={"base_version": base, "points": ["Libraries"]})
    assert two.status_code == 200, two.text
    blocks = two.json()["blocks"]
    assert blocks[0]["turns"][0]["points"] == ["Covid"]
    assert blocks[1]["turns"][0]["points"] == ["Libraries"]
    assert two.json()["version"] == base + 2


def test_a_stale_save_of_the_same_item_gets_both_texts_and_overwrites_nothing(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _draft(client, db, login_as)
    mid, base = body["id"], body["version"]
    turn = body["blocks"][0]["turns"][0]
    url = f"/api/v1/minutes/{mid}/items/turn/{turn['id']}"
    assert client.put(url, json={"base_version": base, "points": ["Theirs"]}).status_code == 200
    stale = client.put(url, json={"base_version": base, "points": ["Mine"]})
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["current"]["points"] == ["Theirs"]
    assert problem["yours"]["points"] == ["Mine"]
    assert problem["version"] == base + 1
    assert problem["minutes"]["blocks"][0]["turns"][0]["points"] == ["Theirs"]
    # Combining both and saving on the version the conflict gave goes through.
    both = client.put(url, json={"base_version": problem["version"], "points": ["Theirs", "Mine"]})
    assert both.status_code == 200
    assert both.json()["blocks"][0]["turns"][0]["points"] == ["Theirs", "Mine"]


def test_deleting_what_someone_changed_meanwhile_is_refused(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _draft(client, db, login_as)
    mid, base = body["id"], body["version"]
    block = body["blocks"][1]
    turn = block["turns"][0]
    client.put(
        f"/api/v1/minutes/{mid}/items/turn/{turn['id']}",
        json={"base_version": base, "points": ["New point"]},
    )
    gone = client.delete(f"/api/v1/minutes/{mid}/items/block/{block['id']}?base_version={base}")
    assert gone.status_code == 409
    fresh = client.get(f"/api/v1/minutes/{mid}").json()
    assert fresh["blocks"][1]["turns"][0]["points"] == ["New point"]


def test_the_editor_page_shows_both_texts_and_keeps_what_was_typed(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    from tests.conftest import form_token

    body = _draft(client, db, login_as)
    mid, base = body["id"], body["version"]
    turn = body["blocks"][0]["turns"][0]
    client.put(
        f"/api/v1/minutes/{mid}/items/turn/{turn['id']}",
        json={"base_version": base, "points": ["Their point"]},
    )
    token = form_token(client, f"/minutes/{mid}/edit")
    page = client.post(
        f"/minutes/{mid}/items/turn/{turn['id']}",
        data={
            "csrf_token": token,
            "base_version": str(base),
            "speaker_name": "Rosa Pavanelli",
            "points": "My typed point\nAnother one",
            "quote": "",
        },
    )
    assert page.status_code == 409
    assert "Their point" in page.text
    assert "My typed point\nAnother one</textarea>" in page.text
    assert f'name="base_version" value="{base + 1}"' in page.text
    fresh = client.get(f"/api/v1/minutes/{mid}").json()
    assert fresh["blocks"][0]["turns"][0]["points"] == ["Their point"]


def test_items_are_added_reordered_by_buttons_and_saved_without_javascript(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    from tests.conftest import form_token

    body = _draft(client, db, login_as)
    mid = body["id"]
    heading = body["key_points"][0]["id"]
    token = form_token(client, f"/minutes/{mid}/edit")
    for text in ("Care as a right", "Cities as ecosystems"):
        added = client.post(
            f"/minutes/{mid}/items/point",
            data={
                "csrf_token": token,
                "base_version": "1",
                "parent_id": str(heading),
                "text": text,
            },
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text
    points = client.get(f"/api/v1/minutes/{mid}").json()["key_points"][0]["points"]
    assert [p["text"] for p in points] == ["Care as a right", "Cities as ecosystems"]
    moved = client.post(
        f"/minutes/{mid}/items/point/{points[1]['id']}/move",
        data={"csrf_token": token, "direction": "up"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    points = client.get(f"/api/v1/minutes/{mid}").json()["key_points"][0]["points"]
    assert [p["text"] for p in points] == ["Cities as ecosystems", "Care as a right"]
    empty = client.post(
        f"/minutes/{mid}/items/decision",
        data={"csrf_token": token, "base_version": "3", "text": "  "},
    )
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    turn = body["blocks"][0]["turns"][0]
    linked = client.put(
        f"/api/v1/minutes/{mid}/items/point/{points[0]['id']}",
        json={"base_version": 4, "turn_ids": [turn["id"]]},
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["key_points"][0]["points"][0]["turn_ids"] == [turn["id"]]
