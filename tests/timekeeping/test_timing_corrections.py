"""Correcting the timing afterwards, as the secretariat does when a tap was late or wrong: a
segment's times set by hand (read in the session's zone), a turn's times, a mistaken turn
removed; impossible times refused with the reason at the field, nothing typed lost; the
planned-and-actual figures follow. The JSON API does the same."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models.users import Role
from tests.timekeeping.test_timekeeper import _agenda, _events, _post, _segment, _state


def _timed(client: TestClient, db: Session, login_as: Callable[..., Any]) -> dict[str, Any]:
    a = _agenda(db)
    login_as(Role.secretariat)
    base = f"/sessions/{a['session'].id}/timekeeper"
    _post(client, f"{base}/segments/{a['opening'].id}/start")
    _post(client, f"{base}/turns", speaker_id=a["ana"].id)
    _post(client, f"{base}/turns", speaker_id=a["rosa"].id)  # meant for Ana again: a slip
    _post(client, f"{base}/segments/{a['opening'].id}/end")
    return a | {"base": base, "sid": a["session"].id}


def _form_time(moment: datetime, zone_offset_hours: int) -> str:
    """As a datetime-local field sends it: the session's wall-clock time, no zone."""
    return (moment + timedelta(hours=zone_offset_hours)).replace(tzinfo=None).isoformat()


def test_the_secretariat_corrects_a_segment_and_removes_a_mistaken_turn(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _timed(client, db, login_as)
    page = client.get(f"{a['base']}/record")
    assert page.status_code == 200
    assert "Correct the timing" in page.text
    assert 'type="datetime-local"' in page.text
    assert "Rosa Pavanelli" in page.text

    # The session is in Montevideo (UTC-3): 10:00 typed there is 13:00 UTC.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    end = start + timedelta(minutes=12)
    saved = _post(
        client,
        f"{a['base']}/segments/{a['opening'].id}/times",
        actual_start=_form_time(start, -3),
        actual_end=_form_time(end, -3),
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith(f"/record#segment-{a['opening'].id}")
    opening = _segment(_state(client, a["sid"]), a["opening"].id)
    assert opening["actual_seconds"] == 12 * 60
    assert opening["actual_start"].startswith(start.strftime("%Y-%m-%dT%H:%M:%S"))

    slip = _state(client, a["sid"])["turns"][1]
    assert _post(client, f"{a['base']}/turns/{slip['id']}/delete").status_code == 303
    turns = _state(client, a["sid"])["turns"]
    assert [t["speaker_id"] for t in turns] == [a["ana"].id]
    assert _events(db, "timekeeper.segment_correct") == 1
    assert _events(db, "timekeeper.turn_remove") == 1
    # The session page's actual minutes follow.
    assert "12" in client.get(f"/sessions/{a['sid']}").text


def test_impossible_times_are_refused_at_the_field_and_kept(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _timed(client, db, login_as)
    before = _segment(_state(client, a["sid"]), a["opening"].id)
    start = datetime.now(UTC) - timedelta(hours=2)
    typed_end = _form_time(start - timedelta(minutes=5), -3)
    refused = _post(
        client,
        f"{a['base']}/segments/{a['opening'].id}/times",
        actual_start=_form_time(start, -3),
        actual_end=typed_end,
    )
    assert refused.status_code == 422
    assert "The end must come after the start." in refused.text
    assert f'value="{typed_end}"' in refused.text
    future = _post(
        client,
        f"{a['base']}/segments/{a['opening'].id}/times",
        actual_start=_form_time(datetime.now(UTC) + timedelta(days=1), -3),
    )
    assert future.status_code == 422
    assert "still to come" in future.text
    # A segment with timed turns keeps a start; an ended turn keeps an end.
    cleared = _post(client, f"{a['base']}/segments/{a['opening'].id}/times", actual_start="")
    assert cleared.status_code == 422
    turn = _state(client, a["sid"])["turns"][0]
    reopened = _post(
        client,
        f"{a['base']}/turns/{turn['id']}/times",
        started_at=_form_time(start, -3),
        ended_at="",
    )
    assert reopened.status_code == 422
    assert "This turn has ended" in reopened.text
    garbled = _post(client, f"{a['base']}/turns/{turn['id']}/times", started_at="yesterday")
    assert garbled.status_code == 422
    assert _segment(_state(client, a["sid"]), a["opening"].id) == before


def test_the_api_corrects_and_removes_with_zoned_times(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _timed(client, db, login_as)
    api = f"/api/v1/sessions/{a['sid']}/timekeeping"
    turn = _state(client, a["sid"])["turns"][0]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    body = {
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(seconds=95)).isoformat(),
    }
    corrected = client.put(f"{api}/turns/{turn['id']}", json=body)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["turns"][0]["seconds"] == 95
    wrong = client.put(
        f"{api}/segments/{a['opening'].id}",
        json={"actual_end": start.isoformat()},
    )
    assert wrong.status_code == 422
    assert "Give the start too" in wrong.text
    # Leaving the end empty while another segment runs would make two run at once.
    client.post(f"{api}/segments/{a['talks'].id}/start")
    reopen = client.put(
        f"{api}/segments/{a['opening'].id}", json={"actual_start": start.isoformat()}
    )
    assert reopen.status_code == 409
    removed = client.delete(f"{api}/turns/{turn['id']}")
    assert removed.status_code == 200
    assert all(t["id"] != turn["id"] for t in removed.json()["turns"])
    assert client.delete(f"{api}/turns/{turn['id']}").status_code == 404


def test_only_the_secretariat_corrects(
    client: TestClient, db: Session, login_as: Callable[..., Any]
) -> None:
    a = _timed(client, db, login_as)
    login_as(Role.participant)
    assert client.get(f"{a['base']}/record").status_code == 403
    api = f"/api/v1/sessions/{a['sid']}/timekeeping"
    turn = _state(client, a["sid"])["turns"][0]
    assert client.delete(f"{api}/turns/{turn['id']}").status_code == 403
