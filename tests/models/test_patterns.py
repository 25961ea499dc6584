"""Pattern rules on input fields hold in the API too (SQLModel's `regex=` was silently ignored:
the API took a caucus code "Bad Code!", a name of spaces, a phone "abc", a blank remark)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from app.services import live
from tests import factories

CASES = [
    ("/api/v1/caucuses", {"code": "Bad Code!", "name": {"en": "X"}}, "code"),
    ("/api/v1/speakers", {"name": "   "}, "name"),
    ("/api/v1/speakers", {"name": "Ana", "phone": "abc"}, "phone"),
    ("/api/v1/organisations", {"name": "  ", "type": "network"}, "name"),
]


@pytest.mark.parametrize(("path", "body", "field"), CASES, ids=[c[2] + c[0] for c in CASES])
def test_the_api_refuses_what_the_pattern_forbids(
    client: TestClient, login_as: Callable[..., Any], path: str, body: dict[str, Any], field: str
) -> None:
    login_as(Role.secretariat)
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    assert f"body.{field}" in response.json()["errors"]


def test_a_blank_live_remark_is_refused_as_empty(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    session = factories.session(db, factories.forum(db))
    live.set_open(db, actor=factories.staff(db), session=session, open_=True)
    login_as(Role.participant)
    response = client.post(f"/api/v1/sessions/{session.id}/live/remarks", json={"body": "   "})
    assert response.status_code == 422, response.text
    assert response.json()["errors"]["body.body"] == ["This field is required."]
