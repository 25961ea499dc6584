"""The redesigned pages on a 390 px phone and a 1366 px laptop, in es, pt and en: no axe
violation, no sideways scrolling, a header under 64 px on the phone, a session's *Take part*
block within the first two screens; the menu and the filter drawer work without JavaScript and
with the keyboard.

With TOWNHALL_SCREENSHOTS=docs/screenshots the page checks also save a small PNG of each page at
each width (Portuguese), for people to look at: `python -m pytest -m browser
tests/browser/test_design.py -p no:xdist` with that variable set rewrites them.
"""

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from app.i18n import LOCALES
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_keyboard import focused_description, is_focused, tab_to

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
WIDTHS = {"phone": PHONE, "laptop": LAPTOP}
MAX_HEADER_PX = 64
SCREENSHOTS = os.environ.get("TOWNHALL_SCREENSHOTS")
SCREENSHOT_LOCALE = "pt"
MAX_PNG_BYTES = 150_000
# name → path; "{proposal}" is a published proposal of the demo, found through the list.
PAGES = {
    "home": "/",
    "forum": "/forums/2",
    "session": "/sessions/1",
    "session-agenda": "/sessions/2",
    "contributions": "/contributions",
    "contribution": "{proposal}",
}


def _context(browser: Browser, viewport: ViewportSize, **options: object) -> BrowserContext:
    phone = viewport["width"] < 600
    context = browser.new_context(
        viewport=viewport,
        locale="en-GB",
        is_mobile=phone,
        has_touch=phone,
        **options,  # type: ignore[arg-type]
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module", params=list(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    context = _context(browser, WIDTHS[request.param])
    page = context.new_page()
    yield request.param, page
    context.close()


@pytest.fixture(scope="module")
def proposal_path(browser: Browser, live_server: str) -> str:
    context = _context(browser, LAPTOP)
    page = context.new_page()
    page.goto(f"{live_server}/contributions?kind=proposal")
    href = page.locator("#results article.contribution h2 a").first.get_attribute("href")
    context.close()
    assert href, "the demo has no published proposal"
    return href


def _opened(
    new_context: Callable[..., BrowserContext], viewport: ViewportSize, url: str, **options: object
) -> Page:
    phone = viewport["width"] < 600
    page = new_context(viewport=viewport, is_mobile=phone, has_touch=phone, **options).new_page()
    page.goto(url)
    return page


def _open_with_keyboard(page: Page, summary: str) -> None:
    """Tab to a disclosure's summary and open it with Enter, as a keyboard user would."""
    tab_to(page, page.locator(summary))
    page.keyboard.press("Enter")


def _save_screenshot(page: Page, name: str, width: str) -> None:
    assert SCREENSHOTS
    png = page.screenshot(full_page=True)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (64, 32, 16):
        buffer = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(
            buffer, format="PNG", optimize=True
        )
        if buffer.tell() <= MAX_PNG_BYTES:
            break
    target = Path(SCREENSHOTS) / f"{name}-{WIDTHS[width]['width']}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(buffer.getvalue())


def _no_sideways_scroll(page: Page) -> None:
    scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll} > {inner}"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", list(PAGES))
def test_redesigned_page(
    sized_page: tuple[str, Page], live_server: str, proposal_path: str, name: str, locale: str
) -> None:
    width, page = sized_page
    path = PAGES[name].format(proposal=proposal_path)
    response = page.goto(f"{live_server}{path}?lang={locale}")
    assert response is not None
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == locale
    _no_sideways_scroll(page)
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    if width == "phone":
        assert header["height"] <= MAX_HEADER_PX, f"the header is {header['height']} px high"
        assert not page.locator("header nav[aria-label] ul.nav").is_visible(), "menu not folded"
    else:
        assert page.locator("header ul.nav a[href='/forums']").is_visible()
        assert not page.locator("details.menu > summary").is_visible()
    if name.startswith("session"):
        take_part = page.locator("#participate").bounding_box()
        assert take_part is not None
        screens = (take_part["y"] + take_part["height"]) / page.viewport_size["height"]  # type: ignore[index]
        assert screens <= 2, f"Take part ends {screens:.1f} screens down"
    assert_accessible(page)
    if SCREENSHOTS and locale == SCREENSHOT_LOCALE:
        _save_screenshot(page, name, width)


def test_styleguide_is_accessible_and_fits(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
) -> None:
    for viewport in (PHONE, LAPTOP):
        page = new_context(viewport=viewport).new_page()
        log_in_as_admin(page)
        page.goto(f"{live_server}/styleguide?lang=es")
        assert page.get_by_role("heading", level=1).is_visible()
        _no_sideways_scroll(page)
        assert_accessible(page)
        if SCREENSHOTS:
            _save_screenshot(page, "styleguide", "phone" if viewport is PHONE else "laptop")


def test_phone_menu_opens_without_javascript(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    page = _opened(new_context, PHONE, f"{live_server}/?lang=pt", java_script_enabled=False)
    forums = page.locator("header ul.nav a[href='/forums']")
    assert not forums.is_visible()
    page.locator("details.menu > summary").click()
    assert forums.is_visible()
    assert page.locator("header .account a[href='/login']").is_visible()
    forums.click()
    page.wait_for_url("**/forums")
    assert page.get_by_role("heading", level=1).is_visible()


def test_phone_menu_with_the_keyboard(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    page = _opened(new_context, PHONE, f"{live_server}/?lang=es")
    _open_with_keyboard(page, "details.menu > summary")
    contributions = page.locator("header ul.nav a[href='/contributions']")
    assert contributions.is_visible()
    tab_to(page, contributions)
    page.keyboard.press("Enter")
    page.wait_for_url("**/contributions")
    assert page.locator("html").get_attribute("lang") == "es"


def test_signed_in_phone_menu_links_to_the_account(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    log_in_as_admin: Callable[[Page], None],
) -> None:
    page = _opened(new_context, PHONE, f"{live_server}/")
    log_in_as_admin(page)
    page.locator("details.menu > summary").click()
    account = page.locator("header .account a.whoami[href='/account']")
    assert account.is_visible()
    account.click()
    page.wait_for_url("**/account")


def test_filter_drawer_without_javascript(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    url = f"{live_server}/contributions?lang=pt"
    page = _opened(new_context, PHONE, url, java_script_enabled=False)
    search = page.get_by_role("searchbox")
    assert search.is_visible(), "the search box is in sight without opening anything"
    language = page.locator("#f-language")
    assert not language.is_visible()
    page.locator("details.filter-drawer > summary").click()
    assert language.is_visible()
    language.select_option("es")
    page.locator("details.filter-drawer button[type=submit]").click()
    page.wait_for_url("**language=es**")
    assert page.locator("details.filter-drawer[open]").count() == 1, "a set filter stays in view"
    assert page.locator("#f-language").input_value() == "es"
    assert page.locator("#results article.contribution").count() >= 1
    _no_sideways_scroll(page)


def test_filter_drawer_with_the_keyboard(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    page = _opened(new_context, PHONE, f"{live_server}/contributions?lang=en")
    _open_with_keyboard(page, "details.filter-drawer > summary")
    kind = page.locator("#f-kind")
    assert kind.is_visible()
    tab_to(page, kind)
    assert is_focused(kind), focused_description(page)


def test_filters_are_open_on_a_laptop(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    url = f"{live_server}/contributions?lang=es"
    page = _opened(new_context, LAPTOP, url, java_script_enabled=False)
    assert page.locator("#f-kind").is_visible()
    assert not page.locator("details.filter-drawer > summary").is_visible()
