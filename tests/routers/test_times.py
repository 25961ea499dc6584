"""Every time a page shows says its zone, has its date, and sits in a <time datetime>; the
reader's own zone is added when the server knows it (the th_tz cookie)."""

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app import i18n
from app.models.users import Role
from tests import factories

MADRID = "Europe/Madrid"
# 2022-02-01 14:20 UTC is 15:20 in Madrid (UTC+1) and 11:20 in Montevideo (UTC-3).
REMARK_AT = datetime(2022, 2, 1, 14, 20, tzinfo=UTC)


def _plain(text: str) -> str:
    """CLDR puts a narrow no-break space before AM/PM; the tests read it as a space."""
    return text.replace("\u202f", " ")


def _times(html: str) -> list[tuple[str, str]]:
    """(datetime attribute, text) of every <time> element."""
    return re.findall(r'<time datetime="([^"]+)"[^>]*>([^<]*)</time>', _plain(html))


@pytest.mark.parametrize(
    ("locale", "zone", "style", "expected"),
    [
        ("en", MADRID, "datetime", "Feb 1, 2022, 3:20 PM (Madrid, UTC+1)"),
        ("es", MADRID, "datetime", "1 feb 2022, 15:20 (Madrid, UTC+1)"),
        ("pt", MADRID, "datetime", "1 de fev. de 2022 15:20 (Madri, UTC+1)"),
        ("en", "America/Montevideo", "time", "11:20 AM (Montevideo, UTC-3)"),
        ("en", "Asia/Kolkata", "datetime", "Feb 1, 2022, 7:50 PM (Kolkata, UTC+5:30)"),
        ("en", None, "datetime", "Feb 1, 2022, 2:20 PM (UTC)"),
        ("es", MADRID, "full", "martes, 1 de febrero de 2022, 15:20 (Madrid, UTC+1)"),
        ("en", MADRID, "date", "Feb 1, 2022"),
    ],
)
def test_a_moment_reads_in_its_zone_with_the_zone_said(
    locale: str, zone: str | None, style: str, expected: str
) -> None:
    i18n.set_locale(locale)
    try:
        assert _plain(i18n.format_when(REMARK_AT, zone, style)) == expected
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)


def _live_session(db: Session) -> tuple[object, object]:
    forum = factories.forum(db, timezone=MADRID)
    session = factories.session(db, forum, starts_at=datetime(2022, 2, 1, 15, 0), timezone=MADRID)
    factories.contribution(
        db,
        forum,
        session_id=session.id,
        kind="remark",
        channel="live",
        title="",
        body="Care needs budgets.",
        created_at=REMARK_AT,
    )
    return forum, session


def test_a_live_remark_shows_its_date_and_the_sessions_zone_not_bare_utc(
    client: TestClient, db: Session
) -> None:
    _forum, session = _live_session(db)
    html = client.get(f"/sessions/{session.id}/live").text  # type: ignore[attr-defined]
    assert ("2022-02-01T14:20:00Z", "Feb 1, 2022, 3:20 PM (Madrid, UTC+1)") in _times(html)
    assert "reader-time" not in html  # the server does not know the reader's zone yet
    assert 'data-zone="Europe/Madrid"' in html  # the script adds the reader's from here


def test_the_readers_zone_from_the_cookie_is_shown_beside_the_sessions(
    client: TestClient, db: Session
) -> None:
    _forum, session = _live_session(db)
    client.cookies.set("th_tz", "America/Montevideo")
    html = _plain(client.get(f"/sessions/{session.id}/live").text)  # type: ignore[attr-defined]
    assert re.search(
        r"\(Madrid, UTC\+1\)</time> <small class=\"reader-time\" "
        r'data-reader-zone="America/Montevideo">Your time: Feb 1, 2022, 11:20 AM '
        r"\(Montevideo, UTC-3\)</small>",
        html,
    )
    # A reader in the session's own zone is not told the same time twice.
    client.cookies.set("th_tz", MADRID)
    html = client.get(f"/sessions/{session.id}/live").text  # type: ignore[attr-defined]
    assert "reader-time" not in html


def test_the_session_page_says_the_weekday_date_time_and_zone(
    client: TestClient, db: Session
) -> None:
    session = factories.session(db, factories.forum(db))
    html = client.get(f"/sessions/{session.id}").text
    # 15:00 in Montevideo on 3 May 2025 is 18:00 UTC.
    assert (
        "2025-05-03T18:00:00Z",
        "Saturday, May 3, 2025, 3:00 PM (Montevideo, UTC-3)",
    ) in _times(html)
    # The agenda says the zone of its times too.
    assert "+0100" not in html
    assert "-0300" not in html


def test_the_forum_page_no_longer_shows_a_raw_offset(client: TestClient, db: Session) -> None:
    forum = factories.forum(db, timezone=MADRID)
    factories.session(db, forum, starts_at=datetime(2022, 2, 1, 15, 0), timezone=MADRID)
    html = _plain(client.get(f"/forums/{forum.id}").text)
    assert "15:00:00 +0100" not in html
    assert "3:00:00 PM +0100" not in html
    assert "Tuesday, February 1, 2022, 3:00 PM (Madrid, UTC+1)" in html


def test_contribution_and_email_dates_say_their_zone(
    client: TestClient, db: Session, login_as: object
) -> None:
    forum = factories.forum(db, timezone=MADRID)
    item = factories.contribution(
        db,
        forum,
        channel="email",
        author_email="a@example.org",
        created_at=REMARK_AT,
        received_at=datetime(2022, 1, 31, 23, 30, tzinfo=UTC),
    )
    html = client.get(f"/contributions/{item.id}").text
    times = _times(html)
    assert ("2022-02-01T14:20:00Z", "Feb 1, 2022, 3:20 PM (Madrid, UTC+1)") in times
    # Sent at 23:30 UTC on 31 January: already 1 February in Madrid.
    assert ("2022-01-31T23:30:00Z", "Feb 1, 2022, 12:30 AM (Madrid, UTC+1)") in times
    login_as(Role.secretariat)  # type: ignore[operator]
    queue = _plain(client.get("/moderation?status=published").text)
    assert "Feb 1, 2022, 3:20 PM (Madrid, UTC+1)" in queue


def test_every_time_element_carries_a_machine_readable_moment(
    client: TestClient, db: Session
) -> None:
    _forum, session = _live_session(db)
    for page in (f"/sessions/{session.id}", f"/sessions/{session.id}/live", "/contributions"):  # type: ignore[attr-defined]
        html = client.get(page).text
        for element in re.findall(r"<time\b[^>]*>", html):
            assert re.search(r'datetime="\d{4}-\d\d-\d\d', element), (page, element)
