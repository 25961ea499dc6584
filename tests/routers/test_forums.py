"""Forums: the list, a forum's page with its timeline, themes and sessions, and its forms."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.forums import MilestoneCreate
from app.models.users import Role
from app.services import forums
from tests import factories
from tests.conftest import form_token


def test_forum_page_shows_timeline_themes_and_sessions(client: TestClient, db: Session) -> None:
    forum = factories.forum(db, kind="process", title={"en": "UCLG Town Halls"})
    forums.add_milestone(
        db,
        actor=factories.staff(db),
        forum=forum,
        data=MilestoneCreate(
            title={"en": "World Congress, Daejeon"},
            starts_on="2022-10-10",
            ends_on="2022-10-14",
        ),
    )
    factories.theme(db, forum, "1")
    factories.theme(db, forum, "A", kind="axis")
    factories.session(db, forum, title={"en": "Caring Systems – Thinking Big"})
    html = client.get(f"/forums/{forum.id}").text
    assert "Consultation process" in html
    timeline = html[html.index('id="timeline"') :]
    assert "World Congress, Daejeon" in timeline
    assert "October 10, 2022" in timeline
    assert "Transversal axis" in html
    assert "Caring Systems – Thinking Big" in html[html.index('id="sessions"') :]
    listing = client.get("/forums").text
    assert "UCLG Town Halls" in listing
    assert "1 session" in listing


def test_forum_form_validates_and_keeps_input(client: TestClient, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(Role.secretariat)
    token = form_token(client, "/forums/new")
    bad = client.post(
        "/forums/new?lang=es",
        data={
            "csrf_token": token,
            "kind": "event",
            "summary.es": "Resumen guardado",
            "starts_on": "2025-05-05",
            "ends_on": "2025-05-02",
            "timezone": "UTC",
            "website": "not a url",
        },
    )
    assert bad.status_code == 422
    assert "Escriba el texto en al menos un idioma." in bad.text
    assert "Resumen guardado" in bad.text
    # Rules across fields are checked once each field is valid on its own.
    dates = client.post(
        "/forums/new?lang=es",
        data={
            "csrf_token": token,
            "kind": "event",
            "title.es": "Foro",
            "timezone": "UTC",
            "starts_on": "2025-05-05",
            "ends_on": "2025-05-02",
        },
    )
    assert dates.status_code == 422
    assert "La fecha de fin es anterior a la de inicio." in dates.text
    good = client.post(
        "/forums/new",
        data={
            "csrf_token": token,
            "kind": "event",
            "title.es": "Foro Mundial",
            "timezone": "UTC",
            "country": "UY",
            "city": "Montevideo",
        },
        follow_redirects=True,
    )
    assert good.status_code == 200
    assert "Foro Mundial" in good.text
    assert "Uruguay" in good.text


def test_deleting_a_forum_removes_its_sessions(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    session = factories.session(db, forum)
    login_as(Role.admin)
    assert client.delete(f"/api/v1/forums/{forum.id}").status_code == 204
    assert client.get(f"/sessions/{session.id}").status_code == 404
    audit = client.get("/api/v1/audit").json()["items"]
    assert any(e["action"] == "delete" and e["object_type"] == "forum" for e in audit)


def test_api_lists_paginate_with_stable_cursors(client: TestClient, db: Session) -> None:
    for i in range(5):
        factories.forum(db, title={"en": f"Forum {i}"})
    first = client.get("/api/v1/forums?limit=2").json()
    second = client.get(f"/api/v1/forums?limit=2&cursor={first['next_cursor']}").json()
    factories.forum(db, title={"en": "Added meanwhile"})
    third = client.get(f"/api/v1/forums?limit=2&cursor={second['next_cursor']}").json()
    titles = [f["title"]["en"] for page in (first, second, third) for f in page["items"]]
    assert titles[:5] == [f"Forum {i}" for i in range(5)]
    assert client.get("/api/v1/forums?cursor=abc").status_code == 422
