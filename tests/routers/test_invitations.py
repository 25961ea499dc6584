"""Invitations reach the invited person by e-mail, in the language chosen for them, and two
people accepting one invitation at the same moment never meet a server error."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlmodel import col

from app.db import open_session
from app.models.users import Role, User
from tests.conftest import form_token, logout
from tests.routers.test_account_email import link, mails


def _invite(client: TestClient, email: str, **extra: Any) -> Any:
    data = {"csrf_token": form_token(client, "/users"), "email": email, "role": "participant"}
    return client.post("/users/invite", data=data | extra, follow_redirects=False)


def _accept(client: TestClient, path: str, name: str) -> Any:
    data = {
        "csrf_token": form_token(client, "/login"),
        "display_name": name,
        "password": "a long enough password",
        "accept_privacy": "true",
    }
    return client.post(path, data=data, follow_redirects=False)


def test_the_invitation_is_emailed_in_the_chosen_language(
    client: TestClient, engine: Engine, login_as: Any
) -> None:
    login_as(Role.secretariat, display_name="Lucía Pérez")
    page = _invite(client, "elana@example.org", locale="pt")
    assert page.status_code == 201
    assert "We have sent the invitation to elana@example.org by e-mail." in page.text
    [mail] = mails(engine, "elana@example.org")
    assert mail.kind == "invitation"
    assert mail.subject == "Lucía Pérez convida você para o Town Hall"
    assert "como Participante." in mail.body_text
    shown = re.search(r'value="(http://testserver/invitations/[^"]+)"', page.text)
    assert shown
    assert shown.group(1) in mail.body_text  # the same one-time link
    logout(client)
    done = _accept(client, link(mail), "Elana Wong")
    assert done.status_code == 303
    # The new account confirms its address like any other.
    [_, confirm] = mails(engine, "elana@example.org")
    assert confirm.kind == "confirm_email"


def test_a_second_simultaneous_accept_gets_a_clear_answer(
    client: TestClient, engine: Engine, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people open the link and press the button at the same moment: both requests found
    the invitation open and no account for the address, and the second one's insert meets the
    unique index after the first committed (on PostgreSQL this is what two concurrent requests
    do; the test makes the second one read before the first commits)."""
    from app.services import users as user_service

    login_as(Role.admin)
    _invite(client, "twice@example.org")
    path = link(mails(engine, "twice@example.org")[0])
    token = path.rsplit("/", 1)[1]
    with open_session(engine, write=False) as db:
        stale = user_service.find_invitation(db, token)
    logout(client)
    assert _accept(client, path, "First").status_code == 303

    logout(client)
    monkeypatch.setattr(user_service, "find_invitation", lambda db, token: stale)
    monkeypatch.setattr(user_service, "find_by_email", lambda db, email: None)
    second = _accept(client, path, "Second")
    assert second.status_code == 422
    assert "An account with this e-mail address already exists." in second.text
    assert 'value="Second"' in second.text
    with open_session(engine, write=False) as db:
        names = db.execute(
            select(col(User.display_name)).where(col(User.email) == "twice@example.org")
        ).scalars()
        assert list(names) == ["First"]
        assert db.execute(select(func.count()).select_from(User)).scalar_one() == 2
