"""A reader from a shared link sees a session's times in the session's zone first, then in
their own without reloading (static/js/townhall.js), in the page's language."""

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.models.contributions import Channel, Contribution

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chat_session_id(demo_database: str) -> int:
    """The demo session whose live chat took place on 1 February 2022 in Madrid."""
    engine = make_engine(demo_database)
    try:
        with open_session(engine, write=False) as db:
            found = db.execute(
                select(col(Contribution.session_id)).where(
                    col(Contribution.channel) == Channel.live
                )
            ).scalars()
            return int(next(s for s in found if s))
    finally:
        engine.dispose()


def test_a_reader_in_montevideo_sees_the_madrid_time_and_then_their_own_without_reload(
    new_context: Callable[..., BrowserContext], live_server: str, chat_session_id: int
) -> None:
    context = new_context(timezone_id="America/Montevideo", locale="pt-BR")
    page = context.new_page()
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.goto(f"{live_server}/sessions/{chat_session_id}/live?lang=pt")
    first = page.locator("#live-feed time[data-zone]").first
    # The server wrote the session's zone, labelled, with the date (never bare UTC).
    expect(first).to_contain_text("de fev. de 2022")
    expect(first).to_contain_text("(Madri, UTC+1)")
    mine = page.locator("#live-feed .reader-time").first
    expect(mine).to_contain_text("Seu horário:")
    expect(mine).to_contain_text("(Montevideo, UTC-3)")
    expect(mine).to_contain_text("fev. de 2022")
    assert len(navigations) == 1, navigations  # no reload
    assert any(
        c["name"] == "th_tz" and c["value"] == "America/Montevideo" for c in context.cookies()
    )


def test_a_stale_zone_cookie_is_corrected_in_the_browser(
    new_context: Callable[..., BrowserContext], live_server: str, chat_session_id: int
) -> None:
    """A reader who travelled: the server wrote Seoul from the old cookie; the page says the
    zone they are in now."""
    context = new_context(timezone_id="America/Sao_Paulo", locale="en-GB")
    context.add_cookies([{"name": "th_tz", "value": "Asia/Seoul", "url": live_server}])
    page = context.new_page()
    page.goto(f"{live_server}/sessions/{chat_session_id}?lang=en")
    when = page.locator("main time[data-zone]").first
    expect(when).to_contain_text("(Madrid, UTC+1)")
    reader = page.locator("main .reader-time").first
    expect(reader).to_contain_text("(Sao Paulo, UTC-3)")
    expect(reader).not_to_contain_text("Seoul")
    expect(reader).to_have_attribute("data-reader-zone", "America/Sao_Paulo")


def test_a_reader_in_the_sessions_own_zone_is_told_the_time_once(
    new_context: Callable[..., BrowserContext], live_server: str, chat_session_id: int
) -> None:
    context = new_context(timezone_id="Europe/Madrid", locale="es-ES")
    page = context.new_page()
    page.goto(f"{live_server}/sessions/{chat_session_id}/live?lang=es")
    expect(page.locator("#live-feed time[data-zone]").first).to_contain_text("(Madrid, UTC+1)")
    expect(page.locator(".reader-time")).to_have_count(0)
