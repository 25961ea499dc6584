"""Caucuses: the three built-in ones, members and representatives, sessions where they spoke."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from app.services import caucuses, users
from tests import factories
from tests.conftest import form_token


def test_youth_feminism_and_accessibility_exist_out_of_the_box(client: TestClient) -> None:
    codes = {c["code"] for c in client.get("/api/v1/caucuses").json()}
    assert {"youth", "feminism", "accessibility"} <= codes
    assert "Caucus de accesibilidad" in client.get("/caucuses?lang=es").text
    assert "Caucus da juventude" in client.get("/caucuses?lang=pt").text


def test_caucus_page_lists_members_representatives_and_sessions(
    client: TestClient, db: Session
) -> None:
    feminism = factories.caucus(db, "feminism")
    sri = factories.speaker(db, "Sri Sofjan")
    session = factories.session(db, factories.forum(db), title={"en": "Caring Systems"})
    factories.segment(db, session, "Round of introductions", 60, [sri.id])
    caucuses.set_member(
        db, actor=factories.staff(db), caucus=feminism, speaker_id=sri.id, is_representative=True
    )
    html = client.get(f"/caucuses/{feminism.id}").text
    members = html[html.index('id="members"') :]
    assert "Sri Sofjan" in members
    assert "Representative" in members
    assert "Caring Systems" in html[html.index("Sessions where the caucus spoke") :]
    speaker_page = client.get(f"/speakers/{sri.id}").text
    assert "Feminist caucus" in speaker_page
    assert "(representative)" in speaker_page


def test_secretariat_adds_a_member_with_the_form(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    youth = factories.caucus(db, "youth")
    elana = factories.speaker(db, "Elana Wong")
    login_as(Role.secretariat)
    token = form_token(client, f"/caucuses/{youth.id}")
    done = client.post(
        f"/caucuses/{youth.id}/members",
        data={
            "csrf_token": token,
            "speaker_id": str(elana.id),
            "is_representative": "true",
        },
        follow_redirects=True,
    )
    assert "Elana Wong" in done.text
    refused = client.post(
        f"/caucuses/{youth.id}/members", data={"csrf_token": token, "speaker_id": "999999"}
    )
    assert refused.status_code == 422
    assert "Choose a speaker from the list." in refused.text


def test_caucus_codes_are_unique(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.secretariat)
    response = client.post("/api/v1/caucuses", json={"code": "youth", "name": {"en": "Again"}})
    assert response.status_code == 422
    assert response.json()["errors"] == {"code": ["Another caucus already uses this code."]}


def test_the_caucuses_a_representative_speaks_for(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    youth, feminism = factories.caucus(db, "youth"), factories.caucus(db, "feminism")
    login_as(Role.secretariat)
    made = client.post(
        "/api/v1/users",
        json={
            "email": "rep@example.org",
            "display_name": "Rep",
            "password": "long enough password",
            "role": "caucus_rep",
            "caucus_ids": [youth.id, feminism.id],
        },
    )
    assert made.status_code == 201, made.text
    rep = users.get_user(db, made.json()["id"])
    assert users.represented_caucuses(db, rep) == {youth.id, feminism.id}
    assert users.represented_caucuses(db, None) == frozenset()
    db.commit()


def test_only_the_secretariat_gets_the_list_of_speakers_to_add(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    youth = factories.caucus(db, "youth")
    factories.speaker(db, "Elana Wong")
    assert "Elana Wong" not in client.get(f"/caucuses/{youth.id}").text
    login_as(Role.participant)
    assert "Elana Wong" not in client.get(f"/caucuses/{youth.id}").text
    login_as(Role.secretariat)
    assert "Elana Wong" in client.get(f"/caucuses/{youth.id}").text
