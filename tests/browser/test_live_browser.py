"""The live page in Chromium (issue 10, defect 7): links in remarks can be followed, the text
field is named after the chosen kind, and an anonymous reader's polling page swaps new remarks
in without an htmx error however many polls bring them."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL
from app.models.contributions import Kind, RemarkCreate
from app.models.forums import Forum, ForumSession
from app.services import live as live_service
from app.services import users as user_service
from tests import factories

pytestmark = pytest.mark.browser

FEED_WAIT_MS = 8_000  # the feed polls every 3 s
LINK_REL = {"nofollow", "noopener", "ugc"}
# Records htmx's error events (an out-of-band swap without a target among them) before any of
# the page's scripts run.
HTMX_ERRORS_JS = """(() => {
  window.__htmxErrors = [];
  for (const name of ["htmx:oobErrorNoTarget", "htmx:swapError", "htmx:targetError"]) {
    document.addEventListener(name, (event) => {
      const target = event.detail && event.detail.content && event.detail.content.id;
      window.__htmxErrors.push(name + " #" + (target || "?"));
    });
  }
})();"""


@dataclass
class Live:
    session_id: int
    post: Callable[[str], None]


@pytest.fixture
def live(demo_database: str, live_server: str) -> Iterator[Live]:
    """A new session of the demo forum with its live window open and no remarks yet; `post`
    adds a remark by the demo administrator, as the service stores it."""
    engine = make_engine(demo_database)
    with open_session(engine, write=True) as db:
        forum = db.get(Forum, 1)
        assert forum is not None
        admin = user_service.find_by_email(db, DEMO_ADMIN_EMAIL)
        assert admin is not None
        session = factories.session(db, forum, title={"en": f"Live {uuid.uuid4().hex[:6]}"})
        live_service.set_open(db, actor=admin, session=session, open_=True)
        session_id, admin_id = session.id, admin.id
    assert session_id is not None

    def post(body: str) -> None:
        with open_session(engine, write=True) as db:
            author = user_service.get_user(db, admin_id) if admin_id else None
            assert author is not None
            target = db.get(ForumSession, session_id)
            assert target is not None
            live_service.post_remark(
                db,
                actor=author,
                session=target,
                data=RemarkCreate(body=body, kind=Kind.remark),
                ip=f"browser-live-{uuid.uuid4().hex[:6]}",
                locale="en",
            )

    yield Live(session_id, post)
    engine.dispose()


def _watched(context: BrowserContext) -> tuple[Page, list[str]]:
    context.add_init_script(HTMX_ERRORS_JS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    return page, console


def _htmx_trouble(page: Page, console: list[str]) -> list[str]:
    logged = [line for line in console if "htmx" in line.lower()]
    return page.evaluate("() => window.__htmxErrors") + logged


def test_an_anonymous_reader_sees_remarks_arrive_poll_after_poll_without_htmx_errors(
    new_context: Callable[..., BrowserContext], live_server: str, live: Live
) -> None:
    page, console = _watched(new_context())
    page.goto(f"{live_server}/sessions/{live.session_id}/live")
    expect(page.locator("#live-empty")).to_be_visible()
    for n in range(3):
        live.post(f"Remark number {n} of the afternoon, see https://example.org/notes/{n}")
        item = page.locator("#live-feed > li").nth(n)
        expect(item).to_contain_text(f"Remark number {n}", timeout=FEED_WAIT_MS)
    expect(page.locator("#live-empty")).to_be_hidden()
    assert _htmx_trouble(page, console) == []

    # A reader who arrives once there are remarks, and polls for the next one.
    late, late_console = _watched(new_context())
    late.goto(f"{live_server}/sessions/{live.session_id}/live")
    expect(late.locator("#live-feed > li")).to_have_count(3)
    live.post("One more, for the late reader.")
    expect(late.locator("#live-feed > li").nth(3)).to_contain_text("One more", timeout=FEED_WAIT_MS)
    assert _htmx_trouble(late, late_console) == []


def test_links_in_remarks_can_be_followed_on_loading_and_when_polled(
    new_context: Callable[..., BrowserContext], live_server: str, live: Live
) -> None:
    live.post("The briefing is at https://example.org/briefing and www.example.net/care.")
    page = new_context().new_page()
    page.goto(f"{live_server}/sessions/{live.session_id}/live")
    live.post("And the data at https://example.org/data?year=2024&city=POA")
    polled = page.get_by_role("link", name="https://example.org/data?year=2024&city=POA")
    expect(polled).to_be_visible(timeout=FEED_WAIT_MS)
    for link in (
        page.get_by_role("link", name="https://example.org/briefing"),
        page.get_by_role("link", name="www.example.net/care"),
        polled,
    ):
        expect(link).to_be_visible()
        assert set((link.get_attribute("rel") or "").split()) >= LINK_REL
    assert polled.get_attribute("href") == "https://example.org/data?year=2024&city=POA"


def test_the_text_field_is_named_after_the_chosen_kind(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    live: Live,
    log_in_as_admin: Callable[[Page], None],
) -> None:
    page = new_context().new_page()
    log_in_as_admin(page)
    page.goto(f"{live_server}/sessions/{live.session_id}/live")
    expect(page.get_by_role("textbox", name="Your remark")).to_be_visible()
    page.get_by_label("This is a").select_option("question")
    field = page.get_by_role("textbox", name="Your question")
    expect(field).to_be_visible()
    page.get_by_label("This is a").select_option("remark")
    expect(page.get_by_role("textbox", name="Your remark")).to_be_visible()

    # Without JavaScript the label cannot follow the choice, so it names both.
    still = new_context(java_script_enabled=False).new_page()
    log_in_as_admin(still)
    still.goto(f"{live_server}/sessions/{live.session_id}/live")
    still.get_by_label("This is a").select_option("question")
    expect(still.get_by_role("textbox", name="Your remark or question")).to_be_visible()
