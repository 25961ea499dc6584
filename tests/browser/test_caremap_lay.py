"""The care map for lay readers on a 390 px phone, as a person uses it: the map page and the
crowd-report form pass axe in es, pt and en without scrolling sideways; tapping a zone jumps to
its row; tapping the report form's map fills in the point, and the form is sent as it came; with
JavaScript off the coordinate fields do the same job; a pinned panel beside a session is one
line that opens.

The live server holds the demo (the SYNTHETIC Montevideo territory and its panels pinned to the
"Caring Cities" session).
"""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from app.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD
from app.i18n import LOCALES
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
LAPTOP: ViewportSize = {"width": 1366, "height": 900}


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="pt-BR")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#f-email").fill(DEMO_ADMIN_EMAIL)
    page.locator("#f-password").fill(DEMO_ADMIN_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_map_page_on_a_phone_is_accessible_and_a_zone_jumps_to_its_row(
    phone: BrowserContext,
    live_server: str,
    demo_ids: dict[str, int],
    locale: str,
) -> None:
    page = phone.new_page()
    url = f"{live_server}/caremap/territories/{demo_ids['territory']}/map?lang={locale}"
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == locale
    assert page.locator(".caremap-summary li").count() >= 1
    assert page.locator(".map-legend li").count() >= 3
    assert not page.locator("details.method-details").get_attribute("open")
    _no_sideways_scroll(page)
    assert_accessible(page)
    zone = page.locator("svg.choropleth a.map-zone").nth(7)
    target = zone.get_attribute("href")
    assert target
    zone.click()
    page.wait_for_url(lambda u: u.endswith(target))
    row = page.locator(target)
    assert row.is_visible()
    assert row.evaluate("r => r.matches(':target')")
    page.close()


def test_the_map_page_on_a_laptop(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    demo_ids: dict[str, int],
) -> None:
    page = new_context(viewport=LAPTOP, locale="pt-BR").new_page()
    page.goto(f"{live_server}/caremap/territories/{demo_ids['territory']}/map?lang=pt")
    _no_sideways_scroll(page)
    assert_accessible(page)
    page.goto(f"{live_server}/caremap/runs/{demo_ids['run']}/panel?care_group=children_0_5&lang=pt")
    assert_accessible(page)


def test_a_report_is_placed_by_tapping_the_map_and_sent_as_the_form_came(
    phone: BrowserContext,
    live_server: str,
    demo_ids: dict[str, int],
) -> None:
    page = phone.new_page()
    _log_in(page, live_server)
    page.goto(f"{live_server}/caremap/territories/{demo_ids['territory']}/reports/new?lang=pt")
    picker = page.locator("[data-map-picker]")
    assert picker.is_visible()
    # A need is chosen: the facility's fields are out of the way.
    assert page.locator("[data-for-kind=facility]").is_hidden()
    assert page.locator("#f-persons").is_visible()
    _no_sideways_scroll(page)
    assert_accessible(page)
    box = picker.locator("svg").bounding_box()
    assert box is not None
    middle = {"x": box["width"] * 0.5, "y": box["height"] * 0.5}
    picker.locator("svg").click(position=middle)  # a tap in the middle of the territory
    lon = float(page.locator("#f-lon").input_value())
    lat = float(page.locator("#f-lat").input_value())
    assert -56.5 < lon < -55.9  # the demo's synthetic Montevideo
    assert -35.0 < lat < -34.6
    assert "longitude" in picker.locator("[data-picker-status]").inner_text()
    assert picker.locator(".map-marker").get_attribute("cx") != "-30"
    # Choosing a facility shows its fields and hides the need's.
    page.locator("#f-kind-facility").check()
    assert page.locator("#f-sphere").is_visible()
    assert page.locator("[data-for-kind=need]").is_hidden()
    page.locator("#f-kind-need").check()
    page.locator("form[data-report-form] button[type=submit]").click()
    page.wait_for_url(lambda u: u.endswith("#reports"))
    assert page.locator("#reports .caremap-reports li").count() >= 1
    page.close()


def test_without_javascript_the_coordinates_do_the_job(
    new_context: Callable[..., BrowserContext],
    live_server: str,
    demo_ids: dict[str, int],
) -> None:
    context = new_context(viewport=PHONE, java_script_enabled=False, locale="es-ES")
    page = context.new_page()
    _log_in(page, live_server)
    page.goto(f"{live_server}/caremap/territories/{demo_ids['territory']}/reports/new?lang=es")
    assert page.locator("[data-map-picker]").is_hidden()  # a map that cannot be used is not shown
    assert page.locator("[data-for-kind=facility]").is_visible()  # both groups, each labelled
    page.locator("#f-lon").fill("-56.17")
    page.locator("#f-lat").fill("-34.86")
    page.locator("form[data-report-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert "#reports" in page.url
    assert page.locator("#reports .caremap-reports li").count() >= 1


def test_a_pinned_panel_is_one_line_that_opens(
    phone: BrowserContext,
    live_server: str,
    demo_ids: dict[str, int],
) -> None:
    page = phone.new_page()
    page.goto(f"{live_server}/sessions/{demo_ids['session']}?lang=pt")
    pin = page.locator("#evidence details").first
    summary = pin.locator("summary")
    assert "vagas" in summary.inner_text()
    assert summary.bounding_box()["height"] < 90  # type: ignore[index]  # two short lines at most
    assert page.locator("#evidence .caremap-panel").count() == 0  # nothing loaded yet
    summary.click()
    panel = pin.locator(".caremap-panel")
    panel.wait_for()
    assert panel.locator("svg.choropleth").count() == 1
    assert_accessible(page)
    page.close()
