"""The demo's minutes and timing: the 2022 Caring Systems Town Hall published with the seed's
key-point headings, its speakers in the seed's order and its chat remarks quoted and linked;
the 2025 Caring Cities dialogue's minutes a draft nobody outside the secretariat can find; and
the Town Hall's recorded times feeding planned vs actual and the speaking balance."""

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.demo import load
from app.demo.minutes_text import KEY_POINTS
from app.services import minutes as minutes_service

TOWN_HALL, CARING_CITIES = 2, 1  # session ids (demo/sessions.py loads them in this order)

HEADINGS = [
    "The concept of care",
    "The urban space",
    "Gender and social inequalities",
    "Rebuilding the social contract",
    "Participatory governance & collaboration",
    "Service provision",
    "Economy",
    "Technology for transparency and accessibility",
]
# The seed minutes' order of speakers, from the opening to the closing.
SPEAKERS = [
    "Emilia Saiz",
    "Fátima Fernández",
    "Greg Munro",
    "Jorge Pérez Jaramillo",
    "Emilia Saiz",
    "Rosa Pavanelli",
    "Gerald Leitner",
    "Colin Rajah",
    "Gabriela Cuevas Barron",
    "Sri Sofjan",
    "Victor Pineda",
    "Elana Wong",
    "Camila Cociña",
    "Olga Segovia",
    "Gissela Chalá",
    "Emilia Saiz",
]


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_town_hall_minutes_are_published_and_read_anonymously(
    client: TestClient, db: Session
) -> None:
    load(db)
    page = client.get(f"/sessions/{TOWN_HALL}/minutes")
    assert page.status_code == 200, page.text
    text = _text(page.text)
    assert "Key points raised" in text
    positions = [text.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    proceedings = text[text.index("Proceedings") :]
    at = 0
    for name in SPEAKERS:  # each speaker's turn, in the seed's order
        at = proceedings.index(name, at) + len(name)
    assert "Another meeting of the Town Hall can be held if needed." in text
    assert "townhall@uclg.org" in text

    minutes = client.get(f"/api/v1/sessions/{TOWN_HALL}/minutes")
    assert minutes.status_code == 200, minutes.text
    data = minutes.json()
    assert data["status"] == "published"
    assert [h["title"] for h in data["key_points"]] == HEADINGS
    assert [t["speaker_name"] for b in data["blocks"] for t in b["turns"]] == SPEAKERS
    assert all(t["points"] for b in data["blocks"] for t in b["turns"])
    # Every key point says what it summarises, and those are turns and excerpts of these
    # minutes.
    turns = {t["id"] for b in data["blocks"] for t in b["turns"]}
    excerpts = {x["id"] for b in data["blocks"] for x in b["excerpts"]}
    points = [p for h in data["key_points"] for p in h["points"]]
    assert len(points) == sum(len(ps) for _, ps in KEY_POINTS)
    for point in points:
        assert point["turn_ids"] or point["excerpt_ids"], point
        assert set(point["turn_ids"]) <= turns
        assert set(point["excerpt_ids"]) <= excerpts
    # The five chat remarks typed on the platform, quoted in the round of introductions after
    # Rosa Pavanelli's turn and linked to their originals, and the two the seed adds.
    round_ = data["blocks"][4]
    assert round_["turns"][0]["speaker_name"] == "Rosa Pavanelli"
    linked = [x for x in round_["excerpts"] if x["source"]]
    assert len(linked) == 5
    assert all(x["source"]["url"].startswith("/contributions/") for x in linked)
    assert len(round_["excerpts"]) == 7
    assert "csactioncommittee.org" in round_["excerpts"][3]["text"]
    assert "GOLD VI" in round_["excerpts"][6]["text"]
    names = [a["name"] for a in data["attendees"]]
    assert names == [*dict.fromkeys(SPEAKERS), "Daria Cibrario"]
    # An original remark's page says where the published minutes cite it.
    remark = client.get(linked[0]["source"]["url"])
    assert remark.status_code == 200
    assert f"/sessions/{TOWN_HALL}/minutes#excerpt-{linked[0]['id']}" in remark.text


def test_the_caring_cities_minutes_are_a_draft_from_its_live_remarks(
    client: TestClient, db: Session
) -> None:
    load(db)
    found = minutes_service.of_session(db, CARING_CITIES)
    assert found is not None
    assert found.status == "draft"
    contents = minutes_service.contents(db, found)
    # Its three remarks, each under the segment it was typed in (by the planned times, as
    # nobody timed this dialogue): the framework, the panel, the closing.
    placed = [len(b.excerpts) for b in contents.blocks]
    assert placed == [0, 1, 1, 1, 0]
    assert contents.headings  # from the session's themes
    # Invisible to anyone outside the secretariat: no page, no API, no list.
    assert client.get(f"/sessions/{CARING_CITIES}/minutes").status_code == 404
    assert client.get(f"/api/v1/sessions/{CARING_CITIES}/minutes").status_code == 404
    assert client.get(f"/api/v1/minutes/{found.id}").status_code == 404


def test_the_town_hall_has_timing_and_a_speaking_balance(client: TestClient, db: Session) -> None:
    load(db)
    state = client.get(f"/api/v1/sessions/{TOWN_HALL}/timekeeping")
    assert state.status_code == 200, state.text
    assert state.json()["running_segment_id"] is None
    assert [s["actual_seconds"] // 60 for s in state.json()["segments"]] == [5, 4, 4, 6, 68, 14]
    balance = client.get(f"/api/v1/sessions/{TOWN_HALL}/timekeeping/balance")
    assert balance.status_code == 200, balance.text
    figures = balance.json()
    assert figures["total_turns"] == 16
    # 15:00 to 16:40, less a minute between two turns of the round and one before the closing.
    assert figures["total_seconds"] == 98 * 60
    for grouping in ("by_organisation_type", "by_caucus", "by_region"):
        assert sum(r["seconds"] for r in figures[grouping]) >= figures["total_seconds"]
        assert all(r["seconds"] > 0 for r in figures[grouping])
    session_page = _text(client.get(f"/sessions/{TOWN_HALL}").text)
    assert "Planned and actual times" in session_page
    assert "Speaking balance" in session_page
    assert "98.0 min" in session_page
    # The other sessions were not timed: nobody kept time at them.
    other = client.get(f"/api/v1/sessions/{CARING_CITIES}/timekeeping/balance").json()
    assert other["total_turns"] == 0


def test_loading_again_changes_no_minutes_or_timing(client: TestClient, db: Session) -> None:
    load(db)
    before = client.get(f"/api/v1/sessions/{TOWN_HALL}/minutes").json()
    balance = client.get(f"/api/v1/sessions/{TOWN_HALL}/timekeeping/balance").json()
    load(db)
    assert client.get(f"/api/v1/sessions/{TOWN_HALL}/minutes").json() == before
    assert client.get(f"/api/v1/sessions/{TOWN_HALL}/timekeeping/balance").json() == balance
