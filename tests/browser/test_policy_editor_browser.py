"""The section editor in the real browser, as two members of a drafting team use it at once.

Two people in two browser contexts open the same section: each sees the other named in the
editor's live notice, and the newer-revision notice after the other saves; saves of different
paragraphs are merged (both kept), then a save of the same paragraph meets a conflict view
with both texts, and resolving it saves. The document page, the editor, the conflict view and
an editor error have no axe violation in es, pt and en; the editor works by keyboard only and
with JavaScript off."""

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.i18n import LOCALES
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate, TeamMemberIn
from app.models.users import Role, User
from app.services import policy
from tests.browser.conftest import DEMO_ADMIN_EMAIL
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_keyboard import tab_to
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser
FIRST = "Care is a right of every person, at every age."
SECOND = "Public authorities fund care services and train care workers."
THIRD = "The youth, feminism and accessibility caucuses review this text."
POLL_MS = 25_000  # the editor polls every 10 s; a write lands within 15 s of the last


@pytest.fixture
def paper(demo_database: str, feminism_caucus_id: int) -> dict[str, Any]:
    """A fresh document with one section of three paragraphs and a drafting team of two: an
    editor (Ana) and the feminism caucus's representative (Bea)."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        ana = make_user(engine, Role.participant, f"ana-{tag}@example.org", display_name="Ana")
        bea = make_user(engine, Role.caucus_rep, f"bea-{tag}@example.org", display_name="Bea")
        with open_session(engine, write=True) as db:
            staff = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum_id = db.execute(select(col(Forum.id)).order_by(col(Forum.id))).scalars().first()
            document = policy.create_document(
                db,
                actor=staff,
                data=DocumentCreate.model_validate(
                    {"forum_id": forum_id, "title": {"en": f"Paper {tag}"}, "language": "en"}
                ),
            )
            section = policy.create_section(
                db,
                actor=staff,
                document=document,
                data=SectionCreate(title="Care as a right", body=f"{FIRST}\n\n{SECOND}\n\n{THIRD}"),
            )
            for person, role, caucus in (
                (ana, "editor", None),
                (bea, "caucus_rep", feminism_caucus_id),
            ):
                policy.add_member(
                    db,
                    actor=staff,
                    document=document,
                    data=TeamMemberIn.model_validate(
                        {"user_id": person.id, "role": role, "caucus_id": caucus}
                    ),
                )
            return {
                "document": document.id,
                "section": section.id,
                "ana": ana.email,
                "bea": bea.email,
            }
    finally:
        engine.dispose()


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def two(new_context: Callable[..., BrowserContext]) -> Iterator[tuple[Page, Page]]:
    first, second = new_context(), new_context()
    yield first.new_page(), second.new_page()
    first.close()
    second.close()


def _body(page: Page) -> Any:
    return page.locator("#f-body")


def test_two_editors_see_each_other_merge_then_settle_a_conflict(
    two: tuple[Page, Page], live_server: str, paper: dict[str, Any]
) -> None:
    ana, bea = two
    _log_in(ana, live_server, paper["ana"])
    _log_in(bea, live_server, paper["bea"])
    editor = f"{live_server}/sections/{paper['section']}/edit?lang=en"
    ana.goto(editor)
    bea.goto(editor)
    expect(bea.locator("#presence")).to_contain_text("Ana")  # on page load
    expect(ana.locator("#presence")).to_contain_text("Bea", timeout=POLL_MS)  # by polling

    # Different paragraphs: Bea saves first, Ana is told, and Ana's save merges both.
    _body(bea).fill(_body(bea).input_value().replace("every age", "every age and place"))
    bea.get_by_role("button", name="Save").click()
    expect(bea.locator(".notice[role=status]").first).to_contain_text("Saved.")
    expect(ana.locator("#presence")).to_contain_text(
        "1 newer revision has been saved", timeout=POLL_MS
    )
    expect(ana.locator("#presence")).to_contain_text("Bea")
    _body(ana).fill(_body(ana).input_value().replace("train care workers", "train and pay them"))
    ana.get_by_role("button", name="Save").click()
    expect(ana.locator("main")).to_contain_text("Saved; merged with 1 other change.")
    expect(ana.locator("main")).to_contain_text("every age and place")
    expect(ana.locator("main")).to_contain_text("train and pay them")

    # The same paragraph: Bea meets a conflict, both texts shown, hers kept in the form.
    ana.goto(editor)
    bea.goto(editor)
    _body(ana).fill(_body(ana).input_value().replace("Care is a right", "Care is a human right"))
    _body(bea).fill(_body(bea).input_value().replace("Care is a right", "Care is a shared right"))
    ana.get_by_role("button", name="Save").click()
    expect(ana.locator("main")).to_contain_text("Care is a human right")
    bea.get_by_role("button", name="Save").click()
    conflict = bea.locator(".policy-clashes")
    expect(bea.locator(".policy-conflict")).to_be_visible()
    expect(conflict).to_contain_text("Care is a human right")
    expect(conflict).to_contain_text("Care is a shared right")
    assert "Care is a shared right" in _body(bea).input_value()
    merged = (
        _body(bea).input_value().replace("Care is a shared right", "Care is a shared human right")
    )
    _body(bea).fill(merged)
    bea.get_by_role("button", name="Save").click()
    expect(bea.locator("main")).to_contain_text("Saved.")
    text = bea.locator(".policy-text")
    expect(text).to_contain_text("Care is a shared human right")
    expect(text).to_contain_text("every age and place")
    expect(text).to_contain_text("train and pay them")


@pytest.mark.parametrize("locale", LOCALES)
def test_document_editor_conflict_and_error_are_accessible(
    two: tuple[Page, Page], live_server: str, paper: dict[str, Any], locale: str
) -> None:
    ana, bea = two
    _log_in(ana, live_server, paper["ana"])
    _log_in(bea, live_server, paper["bea"])
    ana.goto(f"{live_server}/documents/{paper['document']}?lang={locale}")
    assert ana.locator("html").get_attribute("lang") == locale
    assert_accessible(ana)
    editor = f"{live_server}/sections/{paper['section']}/edit?lang={locale}"
    ana.goto(editor)
    bea.goto(editor)
    assert_accessible(bea)
    _body(ana).fill(_body(ana).input_value().replace(FIRST, "Ana's first paragraph."))
    ana.locator("#editor button[type=submit]").click()
    ana.wait_for_load_state()
    _body(bea).fill(_body(bea).input_value().replace(FIRST, "Bea's first paragraph."))
    bea.locator("#editor button[type=submit]").click()
    expect(bea.locator(".policy-conflict")).to_be_visible()
    assert_accessible(bea)
    bea.locator("#f-title").fill("")
    bea.locator("#f-title").evaluate("el => el.removeAttribute('required')")
    bea.locator("#editor button[type=submit]").click()
    expect(bea.locator(".error-summary")).to_be_visible()
    assert "Bea's first paragraph." in _body(bea).input_value()
    assert_accessible(bea)


def test_the_editor_by_keyboard_only(
    new_context: Callable[..., BrowserContext], live_server: str, paper: dict[str, Any]
) -> None:
    context = new_context()
    page = context.new_page()
    _log_in(page, live_server, paper["ana"])
    page.goto(f"{live_server}/documents/{paper['document']}?lang=en")
    tab_to(page, page.locator(f"a[href='/sections/{paper['section']}/edit']"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit")
    tab_to(page, page.locator("#f-body"))
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nTyped by keyboard.")
    tab_to(page, page.locator("#editor button[type=submit]"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/documents/{paper['document']}*")
    expect(page.locator(".policy-text")).to_contain_text("Typed by keyboard.")
    context.close()


def test_the_editor_saves_without_javascript(
    browser: Browser, live_server: str, paper: dict[str, Any]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    _log_in(page, live_server, paper["bea"])
    page.goto(f"{live_server}/sections/{paper['section']}/edit?lang=en")
    expect(page.locator("#presence")).to_be_visible()
    _body(page).fill(_body(page).input_value() + "\n\nWritten with JavaScript off.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.locator(".policy-text")).to_contain_text("Written with JavaScript off.")
    context.close()
