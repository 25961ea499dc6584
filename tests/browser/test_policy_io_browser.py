"""Importing a policy document in the real browser: the import form, the preview with its list
of what was dropped, and a refused file shown on the form have no axe violation in es, pt and
en."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.i18n import LOCALES
from tests.browser.test_accessibility import assert_accessible
from tests.policy.io_files import SECTIONS, draft_docx

pytestmark = pytest.mark.browser
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Iterator[Page]:
    page = admin_context.new_page()
    yield page
    page.close()


def _choose(page: Page, name: str, data: bytes, mime: str) -> None:
    page.locator("#f-file").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.locator("#f-forum_id").select_option(index=1)


@pytest.mark.parametrize("locale", LOCALES)
def test_import_pages_are_accessible(staff_page: Page, live_server: str, locale: str) -> None:
    staff_page.goto(f"{live_server}/documents/import?lang={locale}")
    assert staff_page.locator("html").get_attribute("lang") == locale
    assert_accessible(staff_page)
    _choose(staff_page, "notes.pdf", b"%PDF-1.4 not a draft", "application/pdf")
    staff_page.locator("form.stack button[type=submit]").click()
    expect(staff_page.locator(".error-summary")).to_be_visible()
    expect(staff_page.locator("#e-file")).to_contain_text("notes.pdf")
    assert_accessible(staff_page)
    _choose(staff_page, "draft.docx", draft_docx(), DOCX)
    staff_page.locator("form.stack button[type=submit]").click()
    expect(staff_page.locator(".import-dropped li").first).to_be_visible()
    expect(staff_page.locator(".import-sections h3")).to_have_count(len(SECTIONS))
    assert_accessible(staff_page)
