"""Minutes in the real browser: the secretariat starts the minutes of a demo session, then the
editor, the reading page and an editor form sent back with an error have no axe violation in
es, pt and en; with JavaScript off the editor still saves a point."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from app.i18n import LOCALES
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
SESSION = 2  # the demo's second session (its first may get minutes from another test)


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
    assert staff_page.locator(".error-summary, .field-error").count() >= 1
    assert_accessible(staff_page)
    staff_page.goto(f"{live_server}/sessions/{SESSION}/minutes?lang={locale}")
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
