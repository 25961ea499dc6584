"""Paths a person takes with the keyboard alone, on a phone, without JavaScript, and offline.

Keyboard tests move with Tab and act with Enter, as a keyboard user would: they never click and
never jump focus with a selector, so an unreachable control fails the test.
"""

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Request, ViewportSize

from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD

pytestmark = pytest.mark.browser

ADMIN_NAME = "Demo administrator"
PHONE: ViewportSize = {"width": 390, "height": 844}
MAX_TABS = 80


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def focused_description(page: Page) -> str:
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? `${e.tagName.toLowerCase()}#${e.id} ${e.textContent.trim()}` : 'none'; }"
        )
    )


def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Presses Tab (or Shift+Tab) until the target has focus, as a person would."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if is_focused(target):
            return
    pytest.fail(f"{target} is not reachable with {key}; focus ended on {focused_description(page)}")


def test_skip_link_is_first_and_moves_focus_to_main(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert is_focused(skip), f"first Tab focused {focused_description(page)}"
    assert skip.is_visible()
    box = skip.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["width"] > 0
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none", "the focused skip link shows no focus indicator"

    page.keyboard.press("Enter")
    main = page.locator("main#main")
    assert is_focused(main), f"Enter on the skip link focused {focused_description(page)}"
    assert page.url.endswith("#main")


def test_log_in_with_the_keyboard(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    tab_to(page, page.locator(".account a[href='/login']"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")

    tab_to(page, page.get_by_label("E-mail address"))
    page.keyboard.type(DEMO_ADMIN_EMAIL)
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Password", exact=False))
    page.keyboard.type(DEMO_ADMIN_PASSWORD)
    page.keyboard.press("Enter")

    page.wait_for_url(lambda url: not url.endswith("/login"))
    assert page.locator(".site-header .whoami").inner_text() == ADMIN_NAME


def test_switch_language_with_the_keyboard(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/forums")
    assert page.locator("html").get_attribute("lang") == "en"
    tab_to(page, page.locator(".languages a[hreflang='es']"))
    page.keyboard.press("Enter")
    page.wait_for_url("**lang=es*")

    assert page.locator("html").get_attribute("lang") == "es"
    main_nav = page.locator("header ul.nav")
    assert main_nav.get_by_role("link", name="Foros", exact=True).is_visible()
    # The choice is remembered: the next page, without ?lang=, is still in Spanish.
    page.goto(f"{live_server}/speakers")
    assert page.locator("html").get_attribute("lang") == "es"


def test_create_a_forum_with_the_keyboard(
    page: Page, live_server: str, log_in_as_admin: Callable[[Page], None]
) -> None:
    log_in_as_admin(page)
    page.goto(f"{live_server}/forums/new")
    save = page.locator("main form.stack button[type=submit]")

    # Send the form empty: it comes back with an error summary that names the problem.
    tab_to(page, save)
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert summary.get_by_role("heading").is_visible()
    problem = summary.locator("a[href='#f-title']")
    assert problem.count() == 1, summary.inner_text()
    assert problem.inner_text().strip()
    title_fieldset = page.locator("fieldset#f-title")
    assert title_fieldset.locator(".field-error").is_visible()

    # The summary takes focus, so the next Tab reaches its first link; following the link puts
    # the next Tab in the title fields.
    assert is_focused(summary), f"after sending, focus is on {focused_description(page)}"
    page.keyboard.press("Tab")
    assert is_focused(problem), f"Tab from the summary focused {focused_description(page)}"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert bool(title_fieldset.evaluate("fieldset => fieldset.contains(document.activeElement)")), (
        f"after the error link, Tab focused {focused_description(page)}"
    )
    english_title = page.locator("#f-title-en")
    if not is_focused(english_title):
        tab_to(page, english_title)
    title = f"Keyboard forum {uuid.uuid4().hex[:6]}"
    page.keyboard.type(title)

    tab_to(page, save)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/forums/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert page.locator(".notice[role=status]").is_visible()


def test_session_page_fits_a_phone(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
    page = context.new_page()
    page.goto(f"{live_server}/sessions/2")

    agenda = page.locator("#agenda ol.agenda")
    assert agenda.is_visible()
    assert agenda.locator("> li").count() > 0
    speakers = agenda.locator(".speakers a")
    assert speakers.count() > 0
    for index in range(speakers.count()):
        speaker = speakers.nth(index)
        speaker.scroll_into_view_if_needed()
        assert speaker.is_visible()
        box = speaker.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"] + 0.5, speaker.inner_text()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]",
    )
    assert widths[0] <= widths[1], f"scrolls sideways: scrollWidth {widths[0]} > {widths[1]}"


def test_pages_work_without_javascript(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail address").fill(DEMO_ADMIN_EMAIL)
    page.get_by_label("Password", exact=False).fill(DEMO_ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))
    assert page.locator(".site-header .whoami").inner_text() == ADMIN_NAME

    response = page.goto(f"{live_server}/sessions/1")
    assert response is not None
    assert response.status == 200
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.locator("#agenda").is_visible()
    assert page.get_by_role("link", name="Edit session").is_visible()

    page.locator(".site-header form[action='/logout'] button").click()
    page.wait_for_load_state()
    assert page.locator(".site-header .whoami").count() == 0


def test_no_request_leaves_the_server(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    feminism_caucus_id: int,
) -> None:
    context = new_context()
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    context.on("request", record)
    page = context.new_page()
    walk = [
        "/",
        "/forums",
        "/forums/1",
        "/forums/2",
        "/sessions/1",
        "/sessions/2",
        "/speakers",
        "/speakers/1",
        "/organisations",
        "/caucuses",
        f"/caucuses/{feminism_caucus_id}",
        "/register",
        "/no-such-page?lang=es",
        "/login?lang=pt",
    ]
    for path in walk:
        page.goto(f"{live_server}{path}")  # waits for the load event: styles and scripts
    page.locator("#f-email").fill(DEMO_ADMIN_EMAIL)  # the page is in Portuguese
    page.locator("#f-password").fill(DEMO_ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    for path in ("/forums/new", "/sessions/1/edit", "/users"):
        page.goto(f"{live_server}{path}")
    page.wait_for_load_state("networkidle")

    assert any(url.endswith(".css") for url in requested), "stylesheet never requested"
    assert any(url.endswith(".js") for url in requested), "scripts never requested"
    outside = sorted({url for url in requested if not url.startswith(f"{live_server}/")})
    assert not outside, f"requests left the server: {outside}"
