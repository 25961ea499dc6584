"""The timekeeper's view, as the secretariat uses it during a session: start and end segments
and turns, with plain forms (no JavaScript) and with htmx; double taps change nothing; illegal
steps are refused with a clear message; the JSON API does the same."""

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.models.audit import AuditEvent
from app.models.forums import AgendaSegment
from app.models.timekeeping import SpeakerTurn
from app.models.users import Role
from tests import factories
from tests.conftest import form_token


def _agenda(db: Session) -> dict[str, Any]:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    ana = factories.speaker(db, "Ana Falú", email="ana@example.org")
    rosa = factories.speaker(db, "Rosa Pavanelli", email="rosa@example.org")
    opening = factories.segment(db, session, "Opening", 10, [ana.id])
    talks = factories.segment(db, session, "Inspiring talks", 20, [ana.id, rosa.id])
    return {"session": session, "ana": ana, "rosa": rosa, "opening": opening, "talks": talks}


def _post(client: TestClient, url: str, **data: Any) -> Any:
    token = form_token(client, url.split("/timekeeper")[0] + "/timekeeper")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _state(client: TestClient, session_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/sessions/{session_id}/timekeeping")
    assert response.status_code == 200
    return dict(response.json())


def _segment(state: dict[str, Any], segment_id: int) -> dict[str, Any]:
    return next(s for s in state["segments"] if s["id"] == segment_id)


def _events(db: Session, action: str) -> int:
    db.commit()
    found = db.execute(select(AuditEvent).where(col(AuditEvent.action) == action)).all()
    db.commit()
    return len(found)


def test_a_session_timed_with_plain_forms(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _agenda(db)
    sid, opening, talks = a["session"].id, a["opening"].id, a["talks"].id
    login_as(Role.secretariat)
    base = f"/sessions/{sid}/timekeeper"

    page = client.get(base)
    assert page.status_code == 200
    assert "No segment is under way." in page.text
    assert "Start: Opening" in page.text  # the next segment, as the big button

    started = _post(client, f"{base}/segments/{opening}/start")
    assert started.status_code == 303
    assert started.headers["location"] == base
    page = client.get(base)
    assert "Segment started." in page.text
    assert "End this segment" in page.text
    assert "Start: Inspiring talks" in page.text
    # The running segment's speakers get a big button each.
    assert re.search(rf'id="tk-speaker-{a["ana"].id}"', page.text)

    assert _post(client, f"{base}/turns", speaker_id=a["ana"].id).status_code == 303
    state = _state(client, sid)
    assert state["running_segment_id"] == opening
    assert state["current_turn"]["speaker_id"] == a["ana"].id
    assert "Speaking now: Ana Falú" in client.get(base).text

    # Starting the next segment ends the one under way and its turn.
    assert _post(client, f"{base}/segments/{talks}/start").status_code == 303
    assert _post(client, f"{base}/turns", speaker_id=a["rosa"].id).status_code == 303
    # Rosa's turn ends when Ana takes the floor again.
    assert _post(client, f"{base}/turns", speaker_id=a["ana"].id).status_code == 303
    state = _state(client, sid)
    assert _segment(state, opening)["actual_end"] is not None
    assert state["running_segment_id"] == talks
    turns = state["turns"]
    assert [t["speaker_id"] for t in turns] == [a["ana"].id, a["rosa"].id, a["ana"].id]
    assert [t["segment_id"] for t in turns] == [opening, talks, talks]
    assert all(t["ended_at"] for t in turns[:2])
    assert turns[2]["ended_at"] is None
    assert state["current_turn"]["id"] == turns[2]["id"]

    turn_id = turns[2]["id"]
    assert _post(client, f"{base}/turns/{turn_id}/end").status_code == 303
    assert _state(client, sid)["current_turn"] is None
    assert _post(client, f"{base}/segments/{talks}/end").status_code == 303
    state = _state(client, sid)
    assert state["running_segment_id"] is None
    assert all(s["actual_start"] and s["actual_end"] for s in state["segments"])
    assert "No segment is under way." in client.get(base).text
    # Each tap is one row in the action log: starting the second item ended the first.
    assert _events(db, "timekeeper.segment_start") == 1
    assert _events(db, "timekeeper.segment_next") == 1
    assert _events(db, "timekeeper.segment_end") == 1
    assert _events(db, "timekeeper.turn_start") == 3


def test_double_taps_change_nothing(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _agenda(db)
    sid, opening = a["session"].id, a["opening"].id
    login_as(Role.secretariat)
    base = f"/sessions/{sid}/timekeeper"
    for _ in range(2):
        assert _post(client, f"{base}/segments/{opening}/start").status_code == 303
    first_start = _segment(_state(client, sid), opening)["actual_start"]
    for _ in range(2):
        assert _post(client, f"{base}/turns", speaker_id=a["ana"].id).status_code == 303
    state = _state(client, sid)
    assert len(state["turns"]) == 1
    assert _segment(state, opening)["actual_start"] == first_start
    turn_id = state["turns"][0]["id"]
    for _ in range(2):
        assert _post(client, f"{base}/turns/{turn_id}/end").status_code == 303
    ended_at = _state(client, sid)["turns"][0]["ended_at"]
    for _ in range(2):
        assert _post(client, f"{base}/segments/{opening}/end").status_code == 303
    state = _state(client, sid)
    assert state["turns"][0]["ended_at"] == ended_at
    assert _events(db, "timekeeper.segment_start") == 1
    assert _events(db, "timekeeper.turn_start") == 1
    assert _events(db, "timekeeper.turn_end") == 1
    assert _events(db, "timekeeper.segment_end") == 1
    # The API answers a repeated turn with 200 and the same state.
    api = f"/api/v1/sessions/{sid}/timekeeping"
    assert client.post(f"{api}/segments/{a['talks'].id}/start").status_code == 200
    assert client.post(f"{api}/turns", json={"speaker_id": a["rosa"].id}).status_code == 201
    again = client.post(f"{api}/turns", json={"speaker_id": a["rosa"].id})
    assert again.status_code == 200
    assert len(again.json()["turns"]) == 2


def test_illegal_steps_are_refused_with_a_reason(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _agenda(db)
    sid, opening, talks = a["session"].id, a["opening"].id, a["talks"].id
    login_as(Role.secretariat)
    base = f"/sessions/{sid}/timekeeper"
    api = f"/api/v1/sessions/{sid}/timekeeping"

    never = _post(client, f"{base}/segments/{opening}/end")
    assert never.status_code == 409
    assert "This segment has not started: start it before ending it." in never.text
    assert 'role="alert"' in never.text
    problem = client.post(f"{api}/segments/{opening}/end")
    assert problem.status_code == 409
    assert "has not started" in problem.json()["detail"]

    no_segment = _post(client, f"{base}/turns", speaker_id=a["ana"].id)
    assert no_segment.status_code == 409
    assert "No segment is under way: start a segment before a speaker" in no_segment.text
    assert client.post(f"{api}/turns", json={"speaker_id": a["ana"].id}).status_code == 409

    assert _post(client, f"{base}/segments/{opening}/start").status_code == 303
    assert _post(client, f"{base}/segments/{talks}/start").status_code == 303
    restart = _post(client, f"{base}/segments/{opening}/start")
    assert restart.status_code == 409
    assert "This segment has already ended." in restart.text

    nobody = _post(client, f"{base}/turns", speaker_id="")
    assert nobody.status_code == 422
    assert "Choose a speaker." in nobody.text
    unknown = client.post(f"{api}/turns", json={"speaker_id": 99999})
    assert unknown.status_code == 422
    assert "speaker_id" in unknown.json()["errors"]

    # A segment or a turn of another session is not found through this one.
    other = factories.session(db, factories.forum(db))
    other_segment = factories.segment(db, other, "Elsewhere")
    assert _post(client, f"{base}/segments/{other_segment.id}/start").status_code == 404
    assert client.post(f"/api/v1/sessions/{other.id}/timekeeping/turns/1/end").status_code == 404


def test_errors_are_in_the_readers_language(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _agenda(db)
    login_as(Role.secretariat)
    url = f"/api/v1/sessions/{a['session'].id}/timekeeping/segments/{a['opening'].id}/end"
    detail = client.post(url, headers={"Accept-Language": "es"}).json()["detail"]
    assert "no ha comenzado" in detail
    detail = client.post(url, headers={"Accept-Language": "pt"}).json()["detail"]
    assert "não começou" in detail


def test_htmx_swaps_the_panel_and_says_what_happened(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _agenda(db)
    sid, opening = a["session"].id, a["opening"].id
    login_as(Role.secretariat)
    base = f"/sessions/{sid}/timekeeper"
    token = form_token(client, base)
    htmx = {"HX-Request": "true"}
    done = client.post(f"{base}/segments/{opening}/start", data={"csrf_token": token}, headers=htmx)
    assert done.status_code == 200
    assert done.text.lstrip().startswith('<div id="timekeeper"')
    assert "<html" not in done.text
    assert re.search(
        r'id="tk-said" hx-swap-oob="innerHTML"><p class="notice">Segment started', done.text
    )
    # An illegal step still swaps (htmx ignores 4xx answers), with the reason in the alert.
    refused = client.post(
        f"{base}/segments/{a['talks'].id}/end", data={"csrf_token": token}, headers=htmx
    )
    assert refused.status_code == 200
    assert re.search(
        r'id="tk-error" hx-swap-oob="innerHTML"><p class="error-summary">'
        r"This segment has not started",
        refused.text,
    )
    # The clock that htmx polls holds the elapsed times and no buttons.
    clock = client.get(f"{base}/clock", headers=htmx)
    assert clock.status_code == 200
    assert 'id="tk-clock"' in clock.text
    assert "<button" not in clock.text
    assert "of 10 minutes planned" in clock.text


def test_elapsed_time_against_planned(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    from datetime import timedelta

    from app.models.types import utcnow
    from app.services import timekeeping

    a = _agenda(db)
    staff = factories.staff(db)
    # The opening (10 minutes planned) began 12 minutes ago; Ana has spoken for 4.
    timekeeping.start_segment(
        db,
        actor=staff,
        session=a["session"],
        segment=a["opening"],
        at=utcnow() - timedelta(minutes=12),
    )
    timekeeping.start_turn(
        db,
        actor=staff,
        session=a["session"],
        speaker_id=a["ana"].id,
        at=utcnow() - timedelta(minutes=4),
    )
    login_as(Role.secretariat)
    page = client.get(f"/sessions/{a['session'].id}/timekeeper").text
    assert re.search(r'<time class="tk-elapsed" datetime="PT12M\d+S">12:\d\d</time>', page)
    assert re.search(r'<strong class="tk-over">2:\d\d over</strong>', page)
    assert re.search(r'datetime="PT4M\d+S">4:\d\d</time>', page)


def test_turns_and_segments_rows(db: Session, client: TestClient) -> None:
    """Two open turns or two running segments in one session cannot both be stored."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from app.models.types import utcnow

    a = _agenda(db)
    sid = a["session"].id
    now = utcnow()
    db.add(
        SpeakerTurn(
            session_id=sid, segment_id=a["opening"].id, speaker_id=a["ana"].id, started_at=now
        )
    )
    db.add(
        SpeakerTurn(
            session_id=sid, segment_id=a["opening"].id, speaker_id=a["rosa"].id, started_at=now
        )
    )
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    for seg in (a["opening"], a["talks"]):
        row = db.get(AgendaSegment, seg.id)
        assert row is not None
        row.actual_start = now
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
