"""Autosave while typing (htmx): each pause saves the item and answers with a status line and the
form's new base version; a refused autosave (someone else's change, a rule broken) saves nothing,
says why, and leaves the form, with what was typed, as it is."""

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests.conftest import form_token
from tests.minutes.helpers import meeting

HTMX = {"HX-Request": "true"}


def _editor(client: TestClient, db: Session, login_as: Callable[..., Any]) -> dict[str, Any]:
    world = meeting(db)
    login_as(Role.secretariat)
    body = dict(client.post(f"/api/v1/sessions/{world.session.id}/minutes").json())
    body["token"] = form_token(client, f"/minutes/{body['id']}/edit")
    return body


def _autosave(client: TestClient, url: str, fields: dict[str, str]) -> Any:
    return client.post(url, data=fields | {"autosave": "1"}, headers=HTMX)


def test_the_editor_autosaves_existing_items_while_typing(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _editor(client, db, login_as)
    mid, turn = body["id"], body["blocks"][0]["turns"][0]
    page = client.get(f"/minutes/{mid}/edit").text
    action = f"/minutes/{mid}/items/turn/{turn['id']}"
    form = re.search(rf'<form method="post" action="{action}"[^>]*>', page)
    assert form is not None
    assert 'hx-trigger="input changed delay:3s, change"' in form.group(0)
    assert f'hx-post="/minutes/{mid}/items/turn/{turn["id"]}"' in form.group(0)
    # The new-item forms are not autosaved (each pause would add another item).
    assert f'action="/minutes/{mid}/items/turn" hx-post' not in page

    url = f"/minutes/{mid}/items/turn/{turn['id']}"
    fields = {"csrf_token": body["token"], "base_version": str(body["version"])}
    first = _autosave(client, url, fields | {"speaker_name": "Rosa", "points": "Care is work"})
    assert first.status_code == 200
    assert "Saved automatically" in first.text
    assert "<html" not in first.text, "a status line, not a page"
    version = body["version"] + 1
    assert f'value="{version}" id="bv-turn-{turn["id"]}" hx-swap-oob="true"' in first.text
    # The next pause is based on the version just saved: not taken for someone else's change.
    again = {"base_version": str(version), "speaker_name": "Rosa", "points": "Care is work\nPaid"}
    second = _autosave(client, url, fields | again)
    assert "Saved automatically" in second.text
    saved = client.get(f"/api/v1/minutes/{mid}").json()["blocks"][0]["turns"][0]
    assert saved["points"] == ["Care is work", "Paid"]
    # No "Saved." banner waits for the next page: autosaves do not flash.
    assert "Saved." not in client.get(f"/minutes/{mid}/edit").text


def test_a_refused_autosave_says_why_and_changes_nothing(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _editor(client, db, login_as)
    mid, base = body["id"], body["version"]
    turn, heading = body["blocks"][0]["turns"][0], body["key_points"][0]
    client.put(
        f"/api/v1/minutes/{mid}/items/turn/{turn['id']}",
        json={"base_version": base, "points": ["Their point"]},
    )
    stale = _autosave(
        client,
        f"/minutes/{mid}/items/turn/{turn['id']}",
        {"csrf_token": body["token"], "base_version": str(base), "points": "My point"},
    )
    assert stale.status_code == 200
    assert "someone else changed this item" in stale.text
    assert "hx-swap-oob" not in stale.text, "the stale base stays, so Save shows both texts"
    blank = _autosave(
        client,
        f"/minutes/{mid}/items/heading/{heading['id']}",
        {"csrf_token": body["token"], "base_version": str(base + 1), "title": ""},
    )
    assert "Not saved yet" in blank.text
    now = client.get(f"/api/v1/minutes/{mid}").json()
    assert now["blocks"][0]["turns"][0]["points"] == ["Their point"]
    assert now["key_points"][0]["title"] == heading["title"]
    assert now["version"] == base + 1


def test_autosave_speaks_the_editors_language(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _editor(client, db, login_as)
    mid, turn = body["id"], body["blocks"][0]["turns"][0]
    saved = client.post(
        f"/minutes/{mid}/items/turn/{turn['id']}?lang=pt",
        data={
            "csrf_token": body["token"],
            "base_version": str(body["version"]),
            "points": "Cuidado",
            "autosave": "1",
        },
        headers=HTMX | {"Accept-Language": "pt-BR"},
    )
    assert "Salvo automaticamente" in saved.text
