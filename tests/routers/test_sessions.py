"""The session page participants read, and the secretariat's session and agenda forms."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import i18n
from app.models.users import Role
from app.services import targets
from app.services.errors import NotFound
from tests import factories
from tests.conftest import form_token


def test_session_page_shows_everything_a_participant_needs(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    gender = factories.theme(db, forum, "3")
    axis = factories.theme(db, forum, "A", kind="axis")
    session = factories.session(
        db,
        forum,
        theme_ids=[gender.id, axis.id],
        objectives={"en": "- Share experiences\n- Build alliances"},
        expected_outcomes={"en": "Strategic alliances"},
    )
    speaker = factories.speaker(db, organisation_id=factories.organisation(db).id)
    factories.segment(db, session, "Institutional welcome", 10, [speaker.id])
    factories.segment(db, session, "Panel of experiences", 45)

    html = client.get(f"/sessions/{session.id}").text

    assert "Caring Cities" in html
    assert "Parallel alliance session" in html
    assert "90 minutes" in html
    assert "Antel Arena" in html
    assert "Saturday, May 3, 2025" in html
    assert "3:00" in html
    assert "Spanish" in html
    assert "Portuguese" in html
    assert "No interpretation" in html
    assert "Theme 3" in html
    assert "Theme A" in html
    assert "Background" in html
    assert "Care policies at the local level." in html
    assert "<li>Share experiences</li>" in html
    agenda = html[html.index('id="agenda"') :]
    assert agenda.index("Institutional welcome") < agenda.index("Panel of experiences")
    assert "Rosa Pavanelli" in agenda
    assert "Mercociudades" in agenda
    assert "Panellist" in agenda
    assert "55 minutes planned" in agenda
    # The second segment starts when the first ends: 15:00 + 10 minutes.
    assert "3:10" in agenda


def test_session_time_is_also_shown_in_the_readers_time_zone(
    client: TestClient, db: Session
) -> None:
    session = factories.session(db, factories.forum(db))
    client.cookies.set("th_tz", "Asia/Seoul")
    html = client.get(f"/sessions/{session.id}").text
    # 15:00 in Montevideo (UTC-3) is 03:00 the next day in Seoul (UTC+9).
    assert "Your time:" in html
    assert "Sunday, May 4, 2025" in html


def test_session_page_in_spanish_uses_spanish_dates_and_content(
    client: TestClient, db: Session
) -> None:
    session = factories.session(db, factories.forum(db))
    html = client.get(f"/sessions/{session.id}?lang=es").text
    assert '<html lang="es">' in html
    assert "Ciudades que cuidan" in html
    assert "sábado, 3 de mayo de 2025" in html


def test_content_missing_in_the_readers_language_falls_back_visibly(
    client: TestClient, db: Session
) -> None:
    session = factories.session(db, factories.forum(db))  # background only in English
    html = client.get(f"/sessions/{session.id}?lang=pt").text
    assert re.search(r'<div lang="en"><p>Care policies at the local level.</p></div>', html)
    assert 'class="fallback"' in html


def test_hybrid_session_needs_a_venue_and_a_link(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.secretariat)
    payload = {
        "forum_id": forum.id,
        "title": {"en": "Hybrid dialogue"},
        "type": "dialogue",
        "format": "hybrid",
        "starts_at": "2025-05-03T15:00:00",
        "timezone": "America/Montevideo",
        "duration_minutes": 90,
        "venue": "Antel Arena",
    }
    rejected = client.post("/api/v1/sessions", json=payload)
    assert rejected.status_code == 422
    assert "online link" in rejected.text
    created = client.post(
        "/api/v1/sessions", json=payload | {"online_url": "https://meet.example.org/x"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    # A naive time is read in the session's zone: 15:00 in Montevideo is 18:00 UTC.
    assert body["starts_at"].startswith("2025-05-03T18:00:00")
    assert body["ends_at"].startswith("2025-05-03T19:30:00")


def test_secretariat_creates_a_session_through_the_form(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    theme = factories.theme(db, forum, "4")
    login_as(Role.secretariat)
    token = form_token(client, f"/forums/{forum.id}/sessions/new")
    form = {
        "csrf_token": token,
        "title.en": "Closing synthesis",
        "title.es": "Síntesis final",
        "type": "dialogue",
        "format": "in_person",
        "starts_at": "2025-05-03T16:30",
        "timezone": "America/Montevideo",
        "duration_minutes": "30",
        "venue": "Antel Arena",
        "languages": ["es", "pt"],
        "theme_ids": [str(theme.id)],
    }
    response = client.post(f"/forums/{forum.id}/sessions/new", data=form, follow_redirects=False)
    assert response.status_code == 303
    html = client.get(response.headers["location"]).text
    assert "Closing synthesis" in html
    assert "Theme 4" in html
    assert "4:30" in html


def test_session_form_errors_are_shown_inline_and_nothing_typed_is_lost(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.secretariat)
    token = form_token(client, f"/forums/{forum.id}/sessions/new")
    form = {
        "csrf_token": token,
        "title.es": "Sesión sin fecha",
        "type": "dialogue",
        "format": "in_person",
        "starts_at": "not a date",
        "timezone": "Mars/Olympus",
        "duration_minutes": "2",
        "venue": "Antel Arena",
    }
    response = client.post(f"/forums/{forum.id}/sessions/new?lang=es", data=form)
    assert response.status_code == 422
    html = response.text
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert "Sesión sin fecha" in html  # what was typed comes back
    assert 'href="#f-starts_at"' in html
    assert 'href="#f-timezone"' in html
    assert 'href="#f-duration_minutes"' in html


def test_agenda_segments_can_be_reordered_with_buttons(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    session = factories.session(db, factories.forum(db))
    first = factories.segment(db, session, "Welcome", 10)
    factories.segment(db, session, "Framework", 20)
    login_as(Role.secretariat)
    token = form_token(client, f"/sessions/{session.id}")
    response = client.post(
        f"/sessions/{session.id}/segments/{first.id}/move?step=1",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    agenda = response.text[response.text.index('id="agenda"') :]
    assert agenda.index("Framework") < agenda.index("Welcome")


def test_agenda_via_api_with_speakers(client: TestClient, db: Session, login_as) -> None:  # type: ignore[no-untyped-def]
    session = factories.session(db, factories.forum(db))
    speaker = factories.speaker(db)
    login_as(Role.secretariat)
    created = client.post(
        f"/api/v1/sessions/{session.id}/segments",
        json={
            "title": {"en": "Panel"},
            "planned_minutes": 45,
            "speakers": [{"speaker_id": speaker.id, "role": "moderator"}],
        },
    )
    assert created.status_code == 201, created.text
    duplicate = client.post(
        f"/api/v1/sessions/{session.id}/segments",
        json={
            "title": {"en": "Twice"},
            "planned_minutes": 5,
            "speakers": [{"speaker_id": speaker.id}, {"speaker_id": speaker.id}],
        },
    )
    assert duplicate.status_code == 422
    listed = client.get(f"/api/v1/sessions/{session.id}/segments").json()
    assert listed[0]["speakers"] == [{"speaker_id": speaker.id, "role": "moderator"}]


def test_unknown_or_malformed_session_is_a_friendly_404(client: TestClient) -> None:
    for url in ("/sessions/999999", "/sessions/not-a-number"):
        response = client.get(url)
        assert response.status_code == 404
        assert "We could not find that page." in response.text
    api = client.get("/api/v1/sessions/999999")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_far_off_years_are_refused_not_crashed_on(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    login_as(Role.secretariat)
    for starts_at, tz in (("9999-12-31T23:00:00", "UTC"), ("0001-01-01T00:00:00", "Asia/Tokyo")):
        response = client.post(
            "/api/v1/sessions",
            json={
                "forum_id": forum.id,
                "title": {"en": "Edge"},
                "type": "workshop",
                "format": "online",
                "online_url": "https://meet.example.org/x",
                "starts_at": starts_at,
                "timezone": tz,
                "duration_minutes": 1440,
            },
        )
        assert response.status_code == 422, response.text
        assert "between the years 1900 and 2200" in response.text


def test_reader_time_zone_cookie_as_browsers_send_it(client: TestClient, db: Session) -> None:
    session = factories.session(db, factories.forum(db))
    client.cookies.set("th_tz", "Asia%2FSeoul")  # an older script percent-encoded it
    assert "Your time:" in client.get(f"/sessions/{session.id}").text


def test_a_single_ticked_language_survives_a_form_error(
    client: TestClient, db: Session, login_as
) -> None:  # type: ignore[no-untyped-def]
    forum = factories.forum(db)
    theme = factories.theme(db, forum, "12")
    login_as(Role.secretariat)
    token = form_token(client, f"/forums/{forum.id}/sessions/new")
    response = client.post(
        f"/forums/{forum.id}/sessions/new",
        data={
            "csrf_token": token,
            "languages": "pt",
            "theme_ids": str(theme.id),
            "type": "dialogue",
        },
    )
    assert response.status_code == 422
    assert re.search(r'value="pt" checked', response.text)
    assert re.search(rf'value="{theme.id}" checked', response.text)


# -- a session as a target others point to ----------------------------------------------------


@pytest.fixture
def pointers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """A pointing domain of the test's own: records what the registry tells it is deleted."""
    told: list[tuple[str, int]] = []

    def remover(db: Any, kind: str, target_id: int) -> int:
        told.append((kind, target_id))
        return 0

    monkeypatch.setitem(targets._removers, "test_pointer", remover)
    return told


def test_a_session_is_a_target_with_its_address_and_title_in_the_readers_language(
    client: TestClient, db: Session
) -> None:
    session = factories.session(db, factories.forum(db))
    i18n.set_locale("es")
    try:
        found = targets.resolve(db, kind="session", target_id=session.id, viewer=None)
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
    assert (found.url, found.title) == (f"/sessions/{session.id}", "Ciudades que cuidan")
    with pytest.raises(NotFound):
        targets.resolve(db, kind="session", target_id=session.id + 1, viewer=None)


def test_deleting_a_session_tells_what_points_at_it(
    client: TestClient, db: Session, login_as: Any, pointers: list[tuple[str, int]]
) -> None:
    forum = factories.forum(db)
    kept, gone = factories.session(db, forum), factories.session(db, forum)
    login_as(Role.secretariat)
    assert client.delete(f"/api/v1/sessions/{gone.id}").status_code == 204
    assert pointers == [("session", gone.id)]
    token = form_token(client, f"/sessions/{kept.id}")
    deleted = client.post(
        f"/sessions/{kept.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert pointers == [("session", gone.id), ("session", kept.id)]


def test_deleting_a_forum_tells_what_points_at_its_sessions(
    client: TestClient, db: Session, login_as: Any, pointers: list[tuple[str, int]]
) -> None:
    forum = factories.forum(db)
    first, second = factories.session(db, forum), factories.session(db, forum)
    other = factories.session(db, factories.forum(db))
    login_as(Role.secretariat)
    assert client.delete(f"/api/v1/forums/{forum.id}").status_code == 204
    assert sorted(pointers) == sorted([("session", first.id), ("session", second.id)])
    assert client.get(f"/api/v1/sessions/{other.id}").status_code == 200
