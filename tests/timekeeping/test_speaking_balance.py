"""Afterwards: planned against actual minutes, and the speaking balance by organisation type,
caucus and world region, computed from the times the timekeeper recorded."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.lib.regions import region_of
from app.models.users import Role
from app.services import caucuses, timekeeping
from tests import factories

T0 = datetime(2025, 5, 3, 18, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _timed_session(db: Session) -> Any:
    """Two segments (8 and 20 minutes planned) that took 10 and 12; five turns, 20 minutes."""
    staff = factories.staff(db)
    forum = factories.forum(db)
    session = factories.session(db, forum)
    network = factories.organisation(db, "Mercociudades", "network")  # in UY
    union = factories.organisation(db, "Public Services International", "civil_society")
    union.country = "FR"
    db.add(union)
    db.commit()
    ana = factories.speaker(db, "Ana", organisation_id=network.id, country="AR", email=None)
    rosa = factories.speaker(db, "Rosa", organisation_id=union.id, email=None)  # no country
    sri = factories.speaker(db, "Sri", country="ID", email=None)  # no organisation
    guest = factories.speaker(db, "Guest", email=None)  # nothing known
    feminism, youth = factories.caucus(db, "feminism"), factories.caucus(db, "youth")
    for caucus, speaker in ((feminism, ana), (feminism, rosa), (youth, rosa)):
        caucuses.set_member(
            db, actor=staff, caucus=caucus, speaker_id=speaker.id, is_representative=False
        )
    first = factories.segment(db, session, "Opening", 8)
    second = factories.segment(db, session, "Round of introductions", 20)
    third = factories.segment(db, session, "Closing", 5)  # never timed

    def turn(speaker: Any, second_: int) -> None:
        timekeeping.start_turn(
            db, actor=staff, session=session, speaker_id=speaker.id, at=at(second_)
        )

    timekeeping.start_segment(db, actor=staff, session=session, segment=first, at=at(0))
    turn(ana, 0)  # 300 s
    turn(rosa, 300)  # 180 s, ended at 480
    db.refresh(first)
    db.commit()
    current = timekeeping.timing(db, session).current_turn
    assert current is not None
    timekeeping.end_turn(db, actor=staff, session=session, turn=current, at=at(480))
    timekeeping.start_segment(db, actor=staff, session=session, segment=second, at=at(600))
    turn(sri, 600)  # 600 s
    turn(ana, 1200)  # 90 s
    turn(guest, 1290)  # 30 s, ended with the segment
    db.refresh(second)
    db.commit()
    timekeeping.end_segment(db, actor=staff, session=session, segment=second, at=at(1320))
    db.commit()
    return session, third


def _rows(rows: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    return [(r["key"], r["seconds"], r["turns"]) for r in rows]


def test_the_balance_adds_up_the_recorded_turns(client: TestClient, db: Session) -> None:
    session, _ = _timed_session(db)
    balance = client.get(f"/api/v1/sessions/{session.id}/timekeeping/balance").json()
    assert balance["total_seconds"] == 1200
    assert balance["total_turns"] == 5
    # Most time first; what is not known last.
    assert _rows(balance["by_organisation_type"]) == [
        ("network", 390, 2),
        ("civil_society", 180, 1),
        ("unknown", 630, 2),
    ]
    # Rosa is in two caucuses and counts in each.
    assert _rows(balance["by_caucus"]) == [
        ("feminism", 570, 3),
        ("youth", 180, 1),
        ("unknown", 630, 2),
    ]
    # Ana from Argentina, Rosa through her organisation in France, Sri from Indonesia.
    assert _rows(balance["by_region"]) == [
        ("142", 600, 1),
        ("419", 390, 2),
        ("150", 180, 1),
        ("unknown", 30, 1),
    ]
    labels = [r["label"] for r in balance["by_region"]]
    assert labels == ["Asia", "Latin America", "Europe", "Not given"]
    spanish = client.get(
        f"/api/v1/sessions/{session.id}/timekeeping/balance", headers={"Accept-Language": "es"}
    ).json()
    assert spanish["by_organisation_type"][0]["label"] == "Red"


def test_planned_and_actual_state(client: TestClient, db: Session) -> None:
    session, _ = _timed_session(db)
    state = client.get(f"/api/v1/sessions/{session.id}/timekeeping").json()
    assert [s["actual_seconds"] for s in state["segments"]] == [600, 720, None]
    assert [s["planned_minutes"] for s in state["segments"]] == [8, 20, 5]
    assert state["running_segment_id"] is None
    assert state["current_turn"] is None
    assert [t["seconds"] for t in state["turns"]] == [300, 180, 600, 90, 30]


def test_the_session_page_shows_both_tables_and_charts(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    session, _ = _timed_session(db)
    page = client.get(f"/sessions/{session.id}").text
    assert "Planned and actual times" in page
    # Opening: 8 planned, 10 actual, 2 over; the round: 20 planned, 12 actual; closing untimed.
    assert '<td>8.0 min</td><td>10.0 min</td><td class="tk-over">+2.0 min</td>' in page
    assert "<td>20.0 min</td><td>12.0 min</td><td>−8.0 min</td>" in page
    assert "<td>5.0 min</td><td>Not timed</td><td>—</td>" in page
    assert "5 speaking turns, 20.0 min in all." in page
    for title in ("type of organisation", "caucus", "world region"):
        assert f"Speaking time by {title}" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 3
    # Sri's 10 minutes are half of all speaking time.
    assert '<th scope="row">Asia</th><td>10.0 min</td><td>50%</td><td>1</td>' in page
    assert "Timekeeper</a>" not in page  # the link is for the secretariat
    spanish = client.get(f"/sessions/{session.id}", headers={"Accept-Language": "es"}).text
    assert '<th scope="row">Asia</th><td>10,0 min</td><td>50\u00a0%</td><td>1</td>' in spanish
    login_as(Role.secretariat)
    assert f'href="/sessions/{session.id}/timekeeper"' in client.get(f"/sessions/{session.id}").text


def test_nothing_is_shown_before_timing_begins(client: TestClient, db: Session) -> None:
    forum = factories.forum(db)
    session = factories.session(db, forum)
    factories.segment(db, session, "Opening", 8)
    assert "Planned and actual times" not in client.get(f"/sessions/{session.id}").text
    balance = client.get(f"/api/v1/sessions/{session.id}/timekeeping/balance").json()
    assert balance["total_seconds"] == 0
    assert balance["by_region"] == []


def test_countries_map_to_m49_regions() -> None:
    expected = {"UY": "419", "MX": "419", "US": "021", "CA": "021", "KE": "002", "EG": "002"}
    expected |= {"TR": "142", "IN": "142", "GB": "150", "RU": "150", "AU": "009", "FJ": "009"}
    assert {code: region_of(code) for code in expected} == expected
    assert region_of("AQ") is None
    assert region_of(None) is None
