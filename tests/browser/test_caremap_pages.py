"""Care-map pages in the browser: axe-core finds no violation in es, pt and en (signed out and as
the secretariat), the evidence panels load into the session page with htmx, the map filters
work with and without JavaScript, and the ranked table says what the map shows.

The live server holds the demo: the SYNTHETIC territory, its stored run 1, and two panels of it
pinned to the "Caring Cities" session.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page

from app.i18n import LOCALES
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser


PUBLIC = [
    "/caremap",
    "/caremap/territories/{territory}",
    "/caremap/territories/{territory}/map",
    "/caremap/territories/{territory}/map?care_group=older_persons&sphere=community&metric=coverage&method=2sfca&catchment_m=1500",
    "/caremap/runs/{run}",
    "/caremap/runs/{run}/panel?care_group=children_0_5&metric=gap",
    "/caremap/runs/{run}/panel?care_group=persons_with_disabilities&metric=coverage&level=district",
    "/sessions/{session}",
]
STAFF = [
    "/caremap",
    "/caremap/territories/{territory}",
    "/caremap/territories/{territory}/edit",
    "/caremap/territories/{territory}/reports/new",
    "/caremap/runs/{run}",
    "/caremap/pins/new?target_kind=session&target_id={session}",
    "/sessions/{session}",
]


@pytest.fixture(scope="module")
def visitor(visitor_context: BrowserContext) -> Iterator[Page]:
    page = visitor_context.new_page()
    yield page
    page.close()


@pytest.fixture(scope="module")
def staff(admin_context: BrowserContext) -> Iterator[Page]:
    page = admin_context.new_page()
    yield page
    page.close()


def _open(page: Page, url: str, locale: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    assert page.locator("html").get_attribute("lang") == locale


@pytest.mark.parametrize("path", PUBLIC)
@pytest.mark.parametrize("locale", LOCALES)
def test_public_caremap_page_is_accessible(
    visitor: Page, live_server: str, demo_ids: dict[str, int], locale: str, path: str
) -> None:
    sep = "&" if "?" in path else "?"
    _open(visitor, f"{live_server}{path.format(**demo_ids)}{sep}lang={locale}", locale)
    if path.startswith("/sessions/"):
        # The pinned panels are one line each; opened, htmx loads them in place. Only the pins'
        # own disclosures: a loaded panel has <details> of its own, and `.all()` gives
        # positional locators resolved at each use, so "#evidence details" once picked a
        # disclosure inside the first panel instead of the second pin (1 run in 5).
        pins = visitor.locator("#evidence .caremap-pin > details")
        assert pins.count() == 2
        for details in pins.all():
            details.locator(":scope > summary").click()
            details.locator(".caremap-panel").wait_for()
    assert_accessible(visitor)


@pytest.mark.parametrize(
    ("locale", "path"), [(LOCALES[i % len(LOCALES)], p) for i, p in enumerate(STAFF)]
)
def test_staff_caremap_page_is_accessible(
    staff: Page, live_server: str, demo_ids: dict[str, int], locale: str, path: str
) -> None:
    sep = "&" if "?" in path else "?"
    _open(staff, f"{live_server}{path.format(**demo_ids)}{sep}lang={locale}", locale)
    assert staff.locator(".whoami").count() == 1
    for summary in staff.locator("details.add-form > summary").all():
        summary.click()  # the secretariat's forms, opened, must be accessible too
    assert_accessible(staff)


@pytest.mark.parametrize("locale", LOCALES)
def test_failed_upload_and_run_forms_are_accessible(
    staff: Page, live_server: str, demo_ids: dict[str, int], locale: str
) -> None:
    url = f"{live_server}/caremap/territories/{demo_ids['territory']}?lang={locale}"
    _open(staff, url, locale)
    upload = staff.locator("form[enctype='multipart/form-data']")
    staff.locator("#datasets details.add-form > summary").click()
    upload.locator("#f-up-file").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"id,lon\nx,abc\n"}]
    )
    upload.locator("#f-up-source").fill("Test")
    upload.locator("#f-up-licence").fill("CC0")
    upload.locator("button[type=submit]").click()
    staff.wait_for_load_state()
    summary = staff.locator("#datasets .error-summary")
    assert summary.is_visible()
    assert "bad.csv" in summary.inner_text()
    assert_accessible(staff)


def test_session_page_loads_the_pinned_panels_and_their_table(
    visitor: Page, live_server: str, demo_ids: dict[str, int]
) -> None:
    _open(visitor, f"{live_server}/sessions/{demo_ids['session']}?lang=es", "es")
    visitor.locator("#evidence details > summary").first.click()
    panel = visitor.locator("#evidence .caremap-panel").first
    panel.wait_for()
    assert panel.locator("svg.choropleth").count() == 1
    assert panel.locator("h3").first.inner_text().startswith("Brecha")
    table = panel.locator("table.caremap-table")
    assert "unidades del nivel Zona" in table.locator("caption").inner_text()
    assert table.locator("tbody th[scope=row]").count() == 16
    assert panel.locator("a[download]").count() >= 3


def test_panel_link_works_without_javascript(
    new_context: object, live_server: str, demo_ids: dict[str, int]
) -> None:
    context = new_context(java_script_enabled=False)  # type: ignore[operator]
    page = context.new_page()
    _open(page, f"{live_server}/sessions/{demo_ids['session']}?lang=pt", "pt")
    page.locator("#evidence details > summary").first.click()  # opens without JavaScript
    link = page.locator("#evidence details a").first
    link.click()
    page.wait_for_load_state()
    assert "/panel?" in page.url
    assert page.locator("h1").inner_text().startswith("Lacuna")
    assert page.locator("table.caremap-table tbody tr").count() == 16


def test_map_filters_recompute_in_place_with_htmx(
    visitor: Page, live_server: str, demo_ids: dict[str, int]
) -> None:
    _open(visitor, f"{live_server}/caremap/territories/{demo_ids['territory']}/map?lang=en", "en")
    visitor.locator("#f-care_group").select_option("older_persons")
    visitor.locator("#f-metric").select_option("coverage")
    visitor.locator("form.caremap-filters button[type=submit]").click()
    visitor.wait_for_function(
        "() => document.querySelector('#map-result h2').textContent.includes('Older persons')"
    )
    assert "care_group=older_persons" in visitor.url  # the address follows the filters
    # The plain-language summary is announced; the timing waits in the method's details.
    assert "older persons" in visitor.locator("#map-result [role=status]").inner_text()
    timing = visitor.locator("#map-result details.method-details").text_content() or ""
    assert "Recomputed in" in timing
