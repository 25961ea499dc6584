"""The pre-filled draft, through the API as the secretariat creates it: one block per agenda
segment in order with its speakers as empty turns, the remarks marked for the minutes under the
segment during which they were posted (actual times where recorded, else planned), attendees
from the agenda, headings from the themes; nothing invented."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests import factories
from tests.minutes.helpers import START, meeting


def test_the_draft_lays_out_the_agenda_speakers_remarks_and_attendees(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    world = meeting(db)
    login_as(Role.secretariat)
    response = client.post(f"/api/v1/sessions/{world.session.id}/minutes", json={})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert body["language"] == "es"  # the session's first language
    titles = [b["title"] for b in body["blocks"]]
    assert titles[:3] == ["Opening", "Inspiring talk", "Closing"]
    assert len(titles) == 4  # and the free block for what fell outside every segment
    speakers = [[t["speaker_name"] for t in b["turns"]] for b in body["blocks"]]
    assert speakers == [["Rosa Pavanelli"], ["Gerald Leitner", "Rosa Pavanelli"], [], []]
    assert all(t["points"] == [] and t["quote"] == "" for b in body["blocks"] for t in b["turns"])
    texts = [[e["text"] for e in b["excerpts"]] for b in body["blocks"]]
    assert texts == [["Welcome, everyone"], ["See the PSI briefing"], [], ["Thanks, see you"]]
    source = body["blocks"][0]["excerpts"][0]["source"]
    assert source["url"] == f"/contributions/{world.remarks['opening'].id}"
    attendees = [(a["name"], a["organisation_id"]) for a in body["attendees"]]
    assert attendees == [("Rosa Pavanelli", world.org.id), ("Gerald Leitner", None)]
    assert [h["title"] for h in body["key_points"]] == ["Tema 1"]
    assert body["key_points"][0]["points"] == []
    assert body["decisions"] == []
    assert body["action_items"] == []


def test_a_second_draft_for_the_same_session_is_refused(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    world = meeting(db)
    login_as(Role.secretariat)
    assert client.post(f"/api/v1/sessions/{world.session.id}/minutes").status_code == 201
    again = client.post(f"/api/v1/sessions/{world.session.id}/minutes", json={"language": "en"})
    assert again.status_code == 409
    assert "already has minutes" in again.json()["detail"]


def test_recorded_actual_times_place_remarks_where_they_were_posted(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    world = meeting(db)
    opening, talk, _ = world.segments
    # The opening overran: it really ran 18:00-18:15, the talk 18:15-18:40.
    opening.actual_start, opening.actual_end = START, START + timedelta(minutes=15)
    talk.actual_start, talk.actual_end = (
        START + timedelta(minutes=15),
        START + timedelta(minutes=40),
    )
    db.add(opening)
    db.add(talk)
    db.commit()
    login_as(Role.secretariat)
    body = client.post(f"/api/v1/sessions/{world.session.id}/minutes").json()
    texts = [[e["text"] for e in b["excerpts"]] for b in body["blocks"]]
    # Posted at 18:12: during the opening by the actual times (planned, it was the talk's).
    assert texts[0] == ["Welcome, everyone", "See the PSI briefing"]
    assert texts[1] == []


def test_only_the_secretariat_starts_minutes_and_the_draft_stays_with_them(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    world = meeting(db)
    sid = world.session.id
    login_as(Role.participant)
    assert client.post(f"/api/v1/sessions/{sid}/minutes").status_code == 403
    login_as(Role.secretariat)
    assert client.post(f"/api/v1/sessions/{sid}/minutes").status_code == 201
    assert client.get(f"/sessions/{sid}/minutes").status_code == 200
    login_as(Role.participant)
    assert client.get(f"/api/v1/sessions/{sid}/minutes").status_code == 404
    assert client.get(f"/sessions/{sid}/minutes").status_code == 404
    factories.reload(db, world.session)


def test_attending_speakers_are_linked_to_their_confirmed_accounts(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    """Gerald's speaker record has his e-mail; his confirmed account becomes the attendee's, so
    he is told when the minutes circulate and may propose corrections. An unconfirmed account
    with a speaker's address gets nothing: anyone may type an address at registration."""
    from sqlalchemy import select
    from sqlmodel import col

    from app.models.minutes import MinutesAttendee
    from app.models.types import utcnow
    from app.models.users import User

    world = meeting(db)
    gerald = User(
        email="Gerald@Example.org",
        display_name="Gerald",
        role=Role.participant,
        email_confirmed_at=utcnow(),
    )
    db.add(gerald)
    world.speakers[0].email = "rosa@example.org"
    db.add(world.speakers[0])
    db.add(User(email="rosa@example.org", display_name="Not Rosa", role=Role.participant))
    db.commit()
    login_as(Role.secretariat)
    body = client.post(f"/api/v1/sessions/{world.session.id}/minutes").json()
    rows = factories.query(db, select(MinutesAttendee).order_by(col(MinutesAttendee.position)))
    assert [(a.name, a.user_id) for a in rows] == [
        ("Rosa Pavanelli", None),
        ("Gerald Leitner", gerald.id),
    ]
    # The account is not shown in the API (an attendee's account is theirs), but it counts.
    assert "user_id" not in body["attendees"][0]


def test_chat_excerpts_read_between_the_turns_they_were_posted_between(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    """The talk's two speakers were timed: Gerald from 18:10, Rosa from 18:13. A remark posted
    at 18:12 reads before Rosa's turn, as the seed minutes put the chat among the speakers; the
    secretariat can move it after both, and only among turns of its own block."""
    from app.models.timekeeping import SpeakerTurn

    world = meeting(db)
    opening, talk, _ = world.segments
    rosa, gerald = world.speakers
    opening.actual_start, opening.actual_end = START, START + timedelta(minutes=10)
    talk.actual_start, talk.actual_end = (
        START + timedelta(minutes=10),
        START + timedelta(minutes=30),
    )
    db.add(opening)
    db.add(talk)
    for who, minute, end in ((gerald, 10, 13), (rosa, 13, 30)):
        db.add(
            SpeakerTurn(
                session_id=world.session.id or 0,
                segment_id=talk.id or 0,
                speaker_id=who.id,
                started_at=START + timedelta(minutes=minute),
                ended_at=START + timedelta(minutes=end),
            )
        )
    db.commit()
    login_as(Role.secretariat)
    body = client.post(f"/api/v1/sessions/{world.session.id}/minutes").json()
    talk_block = body["blocks"][1]
    gerald_turn, rosa_turn = talk_block["turns"]
    (remark,) = talk_block["excerpts"]
    assert remark["text"] == "See the PSI briefing"
    assert remark["before_turn_id"] == rosa_turn["id"]
    # No timed turn in the opening: its remark reads after its turns, as before.
    assert body["blocks"][0]["excerpts"][0]["before_turn_id"] is None

    page = client.get(f"/sessions/{world.session.id}/minutes").text
    assert page.index("Gerald Leitner") < page.index("See the PSI briefing")
    assert page.index("See the PSI briefing") < page.rindex("Rosa Pavanelli")

    url = f"/api/v1/minutes/{body['id']}/items/excerpt/{remark['id']}"
    moved = client.put(url, json={"base_version": body["version"], "before_turn_id": None})
    assert moved.status_code == 200, moved.text
    assert moved.json()["blocks"][1]["excerpts"][0]["before_turn_id"] is None
    elsewhere = body["blocks"][0]["turns"][0]["id"]
    wrong = client.put(
        url, json={"base_version": moved.json()["version"], "before_turn_id": elsewhere}
    )
    assert wrong.status_code == 422
    assert "before_turn_id" in wrong.text
    assert gerald_turn["speaker_name"] == "Gerald Leitner"
