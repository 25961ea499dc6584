"""Caucus pages and a representative's workspace (issue 10, design): a caucus shows the accounts
that represent it beside its member speakers; its representatives (and the secretariat) have a
workspace with the contributions seen through its lens, the sessions where it spoke, and the
reviews waiting for it, a block that appears only when something waits."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.models.users import Role, UserCaucusLink
from app.services import caucuses
from tests import factories
from tests.conftest import logout, make_user


def _represent(db: Session, user_id: int | None, caucus_id: int | None) -> None:
    assert user_id is not None
    assert caucus_id is not None
    db.add(UserCaucusLink(user_id=user_id, caucus_id=caucus_id))
    db.commit()


def test_a_caucus_shows_its_representatives_and_its_member_speakers(
    client: TestClient, db: Session, engine: Engine
) -> None:
    youth = factories.caucus(db, "youth")
    rep = make_user(engine, Role.caucus_rep, display_name="Lucía Ferreira")
    gone = make_user(engine, Role.caucus_rep, display_name="Former Rep", is_active=False)
    other = make_user(engine, Role.caucus_rep, display_name="Feminist Rep")
    _represent(db, rep.id, youth.id)
    _represent(db, gone.id, youth.id)
    _represent(db, other.id, factories.caucus(db, "feminism").id)
    speaker = factories.speaker(db, "Kwame Mensah")
    caucuses.set_member(
        db, actor=factories.staff(db), caucus=youth, speaker_id=speaker.id, is_representative=False
    )
    html = client.get(f"/caucuses/{youth.id}").text
    reps = html[html.index('id="representatives"') : html.index('id="members"')]
    assert "Lucía Ferreira" in reps
    assert "Former Rep" not in html  # a deactivated account speaks for no one
    assert "Feminist Rep" not in html
    members = html[html.index('id="members"') :]
    assert "Member speakers" in members
    assert "Kwame Mensah" in members
    assert "/workspace" not in html  # not for a visitor


@pytest.fixture
def world(db: Session, engine: Engine) -> Iterator[dict[str, Any]]:
    youth = factories.caucus(db, "youth")
    feminism = factories.caucus(db, "feminism")
    forum = factories.forum(db)
    factories.contribution(db, forum, title="Youth care councils", caucus_id=youth.id)
    factories.contribution(db, forum, title="Budgets for care", caucus_id=feminism.id)
    factories.contribution(
        db, forum, title="Held in moderation", caucus_id=youth.id, status="pending"
    )
    session = factories.session(db, forum, title={"en": "Young carers speak"})
    speaker = factories.speaker(db, "Kwame Mensah")
    caucuses.set_member(
        db, actor=factories.staff(db), caucus=youth, speaker_id=speaker.id, is_representative=True
    )
    factories.segment(db, session, speaker_ids=[speaker.id])
    return {"youth": youth, "feminism": feminism}


def test_a_representative_works_from_the_caucus_workspace(
    client: TestClient, db: Session, login_as: Callable[..., Any], world: dict[str, Any]
) -> None:
    youth = world["youth"]
    rep = login_as(Role.caucus_rep, display_name="Lucía Ferreira")
    _represent(db, rep.id, youth.id)
    mine = client.get("/me/caucus", follow_redirects=False)
    assert mine.status_code == 303
    assert mine.headers["location"] == f"/caucuses/{youth.id}/workspace"
    assert f'href="/caucuses/{youth.id}/workspace"' in client.get(f"/caucuses/{youth.id}").text
    page = client.get(f"/caucuses/{youth.id}/workspace")
    assert page.status_code == 200
    html = page.text
    lens = html[html.index('id="contributions"') : html.index('id="spoke"')]
    assert "Youth care councils" in lens
    assert "Budgets for care" not in lens  # another caucus's lens
    assert "Held in moderation" not in lens
    assert "Young carers speak" in html[html.index('id="spoke"') :]
    # No review is waiting (policy documents come later): no block, no placeholder.
    assert 'id="reviews"' not in html
    assert "Reviews waiting for you" not in html
    # Another caucus's workspace is not theirs.
    assert client.get(f"/caucuses/{world['feminism'].id}/workspace").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 303), (Role.participant, 403), (Role.caucus_rep, 403), (Role.secretariat, 200)],
)
def test_who_opens_a_caucus_workspace(
    client: TestClient,
    login_as: Callable[..., Any],
    world: dict[str, Any],
    role: Role | None,
    status: int,
) -> None:
    logout(client)
    if role is not None:
        login_as(role)  # a caucus_rep linked to no caucus
    response = client.get(f"/caucuses/{world['youth'].id}/workspace", follow_redirects=False)
    assert response.status_code == status


def test_reviews_waiting_appear_once_a_domain_registers_them(
    client: TestClient, db: Session, login_as: Callable[..., Any], world: dict[str, Any]
) -> None:
    youth = world["youth"]

    def drafts(db: Session, caucus_id: int, viewer: Any) -> list[caucuses.WaitingReview]:
        if caucus_id != youth.id:
            return []
        return [caucuses.WaitingReview("Policy document", "Draft on care", "/documents/1")]

    caucuses.on_reviews(drafts)
    try:
        rep = login_as(Role.caucus_rep)
        _represent(db, rep.id, youth.id)
        html = client.get(f"/caucuses/{youth.id}/workspace").text
        reviews = html[html.index('id="reviews"') : html.index('id="contributions"')]
        assert "Reviews waiting for you" in reviews
        assert '<a href="/documents/1">Draft on care</a>' in reviews
    finally:
        caucuses._review_sources.remove(drafts)


def test_an_account_without_a_caucus_is_told_where_workspaces_come_from(
    client: TestClient, login_as: Callable[..., Any]
) -> None:
    login_as(Role.participant)
    page = client.get("/me/caucus")
    assert page.status_code == 200
    assert "Your account does not represent a caucus." in page.text
