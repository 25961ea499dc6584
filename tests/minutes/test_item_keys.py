"""An item added twice by the same tap is added once: the editor's add forms and the API carry
an idempotency key, so a second tap on a slow link, a browser resending a form after a lost
answer or an API client retrying adds nothing more, and says what is there."""

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.models.audit import AuditEvent
from app.models.users import Role
from tests.minutes.helpers import meeting


def _draft(client: TestClient, db: Session, login_as: Callable[..., Any]) -> dict[str, Any]:
    world = meeting(db)
    login_as(Role.secretariat)
    return dict(client.post(f"/api/v1/sessions/{world.session.id}/minutes").json())


def _hidden(html: str, form_id: str) -> dict[str, str]:
    """The hidden fields of one form of the page, as a browser sends them."""
    start = html.index(f'<form id="{form_id}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _audit_rows(db: Session) -> int:
    db.rollback()  # a fresh read: the requests wrote through the app
    return len(db.exec(select(AuditEvent)).all())


def _decisions(client: TestClient, mid: int) -> list[str]:
    return [d["text"] for d in client.get(f"/api/v1/minutes/{mid}").json()["decisions"]]


def test_an_add_form_sent_twice_adds_one_item(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    mid = _draft(client, db, login_as)["id"]
    editor = f"/minutes/{mid}/edit"
    action = f"/minutes/{mid}/items/decision"
    form = _hidden(client.get(editor).text, "new-decision-")
    assert len(form["idempotency_key"]) >= 8
    answers = [
        client.post(action, data={**form, "text": "Publish the care map"}, follow_redirects=False)
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [303, 303]
    assert _decisions(client, mid) == ["Publish the care map"]

    # The page shown next has new keys: another decision is another item.
    page = client.get(editor).text
    again = _hidden(page, "new-decision-")
    assert again["idempotency_key"] != form["idempotency_key"]
    assert _hidden(page, "new-action-")["idempotency_key"] != again["idempotency_key"]
    client.post(action, data={**again, "text": "Meet again in May"})
    assert _decisions(client, mid) == ["Publish the care map", "Meet again in May"]


def test_a_refused_add_keeps_its_key_and_the_corrected_one_is_added_once(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    mid = _draft(client, db, login_as)["id"]
    form = _hidden(client.get(f"/minutes/{mid}/edit").text, "new-heading-")
    action = f"/minutes/{mid}/items/heading"
    refused = client.post(action, data={**form, "title": "   "})
    assert refused.status_code == 422
    kept = _hidden(refused.text, "new-heading-")
    assert kept["idempotency_key"] == form["idempotency_key"]
    for _ in range(2):
        client.post(action, data={**kept, "title": "Care and the city"}, follow_redirects=False)
    body = client.get(f"/api/v1/minutes/{mid}").json()
    assert [h["title"] for h in body["key_points"]].count("Care and the city") == 1


def test_an_api_retry_answers_200_and_adds_nothing(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    body = _draft(client, db, login_as)
    mid, base = body["id"], body["version"]
    url = f"/api/v1/minutes/{mid}/items/decision"
    data = {"base_version": base, "text": "Fund the nurseries"}
    first = client.post(url, json=data, headers={"Idempotency-Key": "retry-1"})
    assert first.status_code == 201, first.text
    logged = _audit_rows(db)
    retry = client.post(url, json=data, headers={"Idempotency-Key": "retry-1"})
    assert retry.status_code == 200, retry.text
    assert _audit_rows(db) == logged  # nothing was done, so nothing is in the action log
    assert retry.json()["version"] == first.json()["version"]
    in_body = client.post(url, json=data | {"idempotency_key": "body-key-1"})
    assert in_body.status_code == 201
    assert client.post(url, json=data | {"idempotency_key": "body-key-1"}).status_code == 200
    assert _decisions(client, mid) == ["Fund the nurseries", "Fund the nurseries"]

    # A deleted item is not brought back by a late retry of its add.
    decision = client.get(f"/api/v1/minutes/{mid}").json()["decisions"][0]
    version = client.get(f"/api/v1/minutes/{mid}").json()["version"]
    gone = client.delete(f"{url}/{decision['id']}", params={"base_version": version})
    assert gone.status_code in (200, 204), gone.text
    assert client.post(url, json=data, headers={"Idempotency-Key": "retry-1"}).status_code == 200
    assert _decisions(client, mid) == ["Fund the nurseries"]

    # The same key from another editor is their own.
    login_as(Role.admin)
    theirs = client.post(url, json=data, headers={"Idempotency-Key": "retry-1"})
    assert theirs.status_code == 201
    assert len(_decisions(client, mid)) == 2
