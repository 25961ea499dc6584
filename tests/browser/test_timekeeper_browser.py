"""The timekeeper in Chromium: on a phone (390 px) with touch, by keyboard alone, without
JavaScript, and checked by axe in es, pt and en. Each test times a session of its own, added
to the demo database, so that the demo's sessions keep their state for the other tests."""

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.models.forums import Forum, SegmentCreate, SessionCreate
from app.models.speakers import SpeakerCreate
from app.models.users import User
from app.services import sessions, speakers
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_keyboard import PHONE, is_focused, tab_to

pytestmark = pytest.mark.browser


@pytest.fixture
def agenda(demo_database: str) -> dict[str, Any]:
    """A fresh session with two segments: Ana and Rosa open, Sri closes."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        with open_session(engine, write=True) as db:
            actor = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum).order_by(col(Forum.id))).scalars().first()
            assert forum is not None
            session = sessions.create_session(
                db,
                actor=actor,
                data=SessionCreate.model_validate(
                    {
                        "forum_id": forum.id,
                        "title": {"en": f"Timed session {tag}", "es": f"Sesión {tag}"},
                        "type": "workshop",
                        "format": "online",
                        "starts_at": datetime(2025, 5, 3, 15, 0),
                        "timezone": "UTC",
                        "duration_minutes": 60,
                        "online_url": "https://meet.example.org/t",
                    }
                ),
            )
            names = [f"Ana {tag}", f"Rosa {tag}", f"Sri {tag}"]
            people = [
                speakers.create_speaker(
                    db, actor=actor, data=SpeakerCreate.model_validate({"name": name})
                )
                for name in names
            ]
            for title, minutes, who in (("Opening", 10, people[:2]), ("Closing", 5, people[2:])):
                sessions.add_segment(
                    db,
                    actor=actor,
                    session=session,
                    data=SegmentCreate.model_validate(
                        {
                            "title": {"en": title, "es": title, "pt": title},
                            "planned_minutes": minutes,
                            "speakers": [{"speaker_id": p.id, "role": "panelist"} for p in who],
                        }
                    ),
                )
            return {"id": session.id, "names": names}
    finally:
        engine.dispose()


def _phone(new_context: Callable[..., BrowserContext], **options: Any) -> Page:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, **options)
    return context.new_page()


def _fits(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"scrolls sideways: {widths}"


def test_the_timekeeper_on_a_phone(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
    agenda: dict[str, Any],
) -> None:
    page = _phone(new_context)
    log_in_as_admin(page)
    page.goto(f"{live_server}/sessions/{agenda['id']}/timekeeper")
    assert_accessible(page)
    _fits(page)

    start = page.locator("#tk-start-next")
    expect(start).to_have_text("Start: Opening")
    box = start.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= PHONE["width"] - 40  # the full width of the phone, less the margins
    start.tap()
    expect(page.locator("#tk-said")).to_have_text("Segment started.")
    assert page.url.endswith("/timekeeper"), "htmx swapped the panel in place"
    expect(page.locator("#tk-end-segment")).to_be_visible()
    expect(page.locator("#tk-clock .tk-elapsed").first).to_have_text(re.compile(r"^0:0\d$"))

    ana, rosa, _ = agenda["names"]
    page.get_by_role("button", name=ana).tap()
    expect(page.locator("#timekeeper")).to_contain_text(f"Speaking now: {ana}")
    page.wait_for_timeout(700)  # taps are ignored just after a swap: a double tap's second
    page.get_by_role("button", name=rosa).tap()
    expect(page.locator("#timekeeper")).to_contain_text(f"Speaking now: {rosa}")
    assert_accessible(page)
    _fits(page)

    # Ending a segment that never started is refused, in words, without leaving the page.
    page.wait_for_timeout(700)
    page.locator("#tk-start-next").tap()  # Closing starts, Opening ends
    expect(page.locator("#tk-said")).to_have_text("Segment started.")
    expect(page.locator("#tk-segment-" + str(_first_segment(page)))).to_contain_text("Ended")
    page.goto(f"{live_server}/sessions/{agenda['id']}")
    expect(page.locator("#timing-title")).to_be_visible()
    assert_accessible(page)
    _fits(page)


def _first_segment(page: Page) -> int:
    first = page.locator(".tk-agenda li").first.get_attribute("id") or ""
    return int(first.removeprefix("tk-segment-"))


def test_the_timekeeper_by_keyboard(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
    agenda: dict[str, Any],
) -> None:
    page = new_context().new_page()
    log_in_as_admin(page)
    page.goto(f"{live_server}/sessions/{agenda['id']}/timekeeper")
    start = page.locator("#tk-start-next")
    tab_to(page, start)
    page.keyboard.press("Enter")
    expect(page.locator("#tk-said")).to_have_text("Segment started.")
    # The speaker's button is reached with Tab from where focus was kept.
    ana = page.get_by_role("button", name=agenda["names"][0])
    tab_to(page, ana, backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("#timekeeper")).to_contain_text(f"Speaking now: {agenda['names'][0]}")
    end_turn = page.locator("#tk-end-turn")
    tab_to(page, end_turn, backwards=True)
    assert is_focused(end_turn)
    page.keyboard.press("Enter")
    expect(page.locator("#timekeeper")).not_to_contain_text("Speaking now")


def test_the_timekeeper_without_javascript(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
    agenda: dict[str, Any],
) -> None:
    page = _phone(new_context, java_script_enabled=False)
    log_in_as_admin(page)
    url = f"{live_server}/sessions/{agenda['id']}/timekeeper"
    page.goto(url)
    page.locator("#tk-start-next").click()
    page.wait_for_url(url)
    expect(page.locator(".notice[role=status]").first).to_have_text("Segment started.")
    page.get_by_label("Another speaker").select_option(label=agenda["names"][2])
    page.locator("#tk-other-give").click()
    page.wait_for_url(url)
    expect(page.locator("#timekeeper")).to_contain_text(f"Speaking now: {agenda['names'][2]}")
    page.locator("#tk-end-segment").click()
    page.wait_for_url(url)
    expect(page.locator("#timekeeper")).to_contain_text("No segment is under way.")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_timekeeper_is_accessible_in_each_language(
    admin_context: BrowserContext, live_server: str, agenda: dict[str, Any], locale: str
) -> None:
    page = admin_context.new_page()
    try:
        base = f"{live_server}/sessions/{agenda['id']}/timekeeper"
        page.goto(f"{base}?lang={locale}")
        assert page.locator("html").get_attribute("lang") == locale
        assert_accessible(page)
        page.locator("#tk-start-next").click()
        expect(page.locator("#tk-end-segment")).to_be_visible()
        page.wait_for_timeout(700)
        # An error as the timekeeper shows it: a turn for nobody.
        page.locator("#tk-other-give").click()
        expect(page.locator("#tk-error .error-summary")).to_be_visible()
        assert_accessible(page)
    finally:
        page.close()


def test_a_double_tap_gives_the_floor_once(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
    agenda: dict[str, Any],
) -> None:
    """Just after a step, the panel htmx swapped in takes no tap for a moment, so the second
    tap of a double tap cannot press whatever button now sits where the first one was."""
    page = _phone(new_context)
    log_in_as_admin(page)
    page.goto(f"{live_server}/sessions/{agenda['id']}/timekeeper")
    page.locator("#tk-start-next").tap()
    expect(page.locator("#tk-end-segment")).to_be_visible()
    page.wait_for_timeout(1500)
    box = page.get_by_role("button", name=agenda["names"][0]).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    in_panel = f"() => !!document.elementFromPoint({x}, {y}).closest('#timekeeper')"
    page.touchscreen.tap(x, y)
    expect(page.locator("#tk-end-turn")).to_be_visible()
    assert not page.evaluate(in_panel), "the fresh panel takes taps at once"
    page.touchscreen.tap(x, y)  # the second tap of the double tap
    page.wait_for_timeout(1500)
    assert page.evaluate(in_panel), "the panel takes taps again a moment later"
    state = page.request.get(f"{live_server}/api/v1/sessions/{agenda['id']}/timekeeping").json()
    assert len(state["turns"]) == 1, state
    assert state["current_turn"] is not None
