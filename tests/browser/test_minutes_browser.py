"""Minutes in the real browser: the secretariat starts the minutes of a demo session, then the
editor, the reading page and an editor form sent back with an error have no axe violation in
es, pt and en; with JavaScript off the editor still saves a point; with it, a pause in typing
saves; and the editor works by keyboard only."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.i18n import LOCALES
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_keyboard import tab_to

pytestmark = pytest.mark.browser
SESSION = 1  # the demo's Caring Cities dialogue: draft minutes from its live remarks
PUBLISHED = 2  # the demo's Caring Systems Town Hall: published minutes


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Iterator[Page]:
    page = admin_context.new_page()
    yield page
    page.close()


def _started(page: Page, base: str) -> str:
    """The editor's address, starting the minutes if the session has none yet."""
    page.goto(f"{base}/sessions/{SESSION}/minutes?lang=en")
    start = page.get_by_role("button", name="Start the minutes")
    if start.count():
        start.click()
    else:
        page.get_by_role("link", name="Edit the minutes").click()
    page.wait_for_url("**/minutes/*/edit**")
    return page.url.split("?")[0].split("#")[0]


@pytest.mark.parametrize("locale", LOCALES)
def test_minutes_pages_are_accessible(staff_page: Page, live_server: str, locale: str) -> None:
    editor = _started(staff_page, live_server)
    staff_page.goto(f"{editor}?lang={locale}")
    assert staff_page.locator("html").get_attribute("lang") == locale
    assert_accessible(staff_page)
    staff_page.locator("#new-decision- button[type=submit]").click()  # empty: an error
    expect(staff_page.locator(".error-summary, .field-error").first).to_be_visible()
    assert_accessible(staff_page)
    staff_page.goto(f"{live_server}/sessions/{SESSION}/minutes?lang={locale}")
    assert_accessible(staff_page)
    staff_page.goto(f"{live_server}/sessions/{PUBLISHED}/minutes?lang={locale}")
    expect(staff_page.get_by_role("heading", name="The concept of care")).to_be_visible()
    assert_accessible(staff_page)


def test_the_editor_saves_without_javascript(
    browser: Browser, live_server: str, log_in_as_admin: Callable[[Page], Any]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_as_admin(page)
    editor = _started(page, live_server)
    page.goto(editor)
    page.locator("#f-new-decision-text").fill("Meet again in March")
    page.locator("#new-decision- button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("textarea", has_text="Meet again in March").count() == 1
    context.close()


def test_the_editor_autosaves_while_typing(staff_page: Page, live_server: str) -> None:
    """A pause in typing saves the chat excerpt; the next pause saves again on the new version
    (no false conflict with oneself); a reload shows what was typed."""
    editor = _started(staff_page, live_server)
    staff_page.goto(editor)
    excerpt = staff_page.locator("form[hx-post*='/items/excerpt/']").first
    text = excerpt.locator("textarea[name=text]")
    status = excerpt.locator(".autosave")
    base = excerpt.locator("input[name=base_version]")
    opened = int(base.input_value())
    text.fill("Care is work")
    expect(status).to_contain_text("Saved automatically", timeout=10_000)
    saved = int(base.input_value())
    assert saved > opened, "the form now carries the version it saved"
    text.press("End")
    text.type(" and a right")
    expect(base).not_to_have_value(str(saved), timeout=10_000)
    expect(status).to_contain_text("Saved automatically")
    staff_page.reload()
    again = staff_page.locator("form[hx-post*='/items/excerpt/']").first
    expect(again.locator("textarea[name=text]")).to_have_value("Care is work and a right")


def test_the_editor_by_keyboard_only(staff_page: Page, live_server: str) -> None:
    """From the top of the editor, the in-page links take the keyboard to the decisions; Tab
    reaches the new decision's field and its Save button; Enter saves."""
    editor = _started(staff_page, live_server)
    staff_page.goto(editor)
    jump = staff_page.get_by_role("navigation", name="Parts of the minutes").get_by_role(
        "link", name="Decisions"
    )
    tab_to(staff_page, jump)
    staff_page.keyboard.press("Enter")
    field = staff_page.locator("[id^='f-new-decision-'][name=text]").first
    tab_to(staff_page, field)
    staff_page.keyboard.type("Share the draft with partners")
    save = staff_page.locator("#new-decision- button[type=submit]")
    tab_to(staff_page, save)
    with staff_page.expect_navigation():
        staff_page.keyboard.press("Enter")
    expect(staff_page.locator("textarea", has_text="Share the draft with partners")).to_have_count(
        1
    )
