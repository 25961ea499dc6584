"""A policy section's history in Chromium: the history, the diff between two revisions, blame,
the document's history and the restore page have no axe violation in es, pt and en; the diff
says in words what was inserted and deleted (and marks it by line, not only colour); and with
JavaScript off the Compare form leads to the diff and a revision is restored. Each test makes
a document of its own in the demo database, so the demo's records keep their state."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate
from app.models.users import User
from app.services import policy
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

FIRST = [
    "Care is a right of every person, at every age.",
    "Public authorities fund care services.",
    "The caucuses review this text.",
]


@pytest.fixture
def section(demo_database: str) -> dict[str, Any]:
    """A section with three revisions: a word changed, then a paragraph removed and one added."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        with open_session(engine, write=True) as db:
            actor = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum).order_by(col(Forum.id))).scalars().first()
            assert forum is not None
            document = policy.create_document(
                db,
                actor=actor,
                data=DocumentCreate.model_validate(
                    {"forum_id": forum.id, "title": {"en": f"History {tag}"}, "language": "en"}
                ),
            )
            made = policy.create_section(
                db,
                actor=actor,
                document=document,
                data=SectionCreate(title="Care as a right", body="\n\n".join(FIRST)),
            )
            second = [FIRST[0].replace("every person", "every single person"), *FIRST[1:]]
            policy.save_section(
                db,
                actor=actor,
                section=made,
                base_version=1,
                body="\n\n".join(second),
                note="Stronger wording",
            )
            third = [second[0], second[2], "Zebras juggle quietly in the square."]
            policy.save_section(
                db,
                actor=actor,
                section=policy.get_section(db, made.id or 0),
                base_version=2,
                body="\n\n".join(third),
            )
            return {"id": made.id, "document_id": document.id}
    finally:
        engine.dispose()


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Page:
    return admin_context.new_page()


@pytest.mark.parametrize("locale", LOCALES)
def test_history_pages_are_accessible(
    staff_page: Page, live_server: str, section: dict[str, Any], locale: str
) -> None:
    sid = section["id"]
    for path in (
        f"/sections/{sid}/history",
        f"/sections/{sid}/diff?from=1&to=3",
        f"/sections/{sid}/blame",
        f"/documents/{section['document_id']}/history",
        f"/sections/{sid}/revert?revision=1",
        f"/sections/{sid}/diff?from=3&to=1",  # the error page, with the form to choose again
    ):
        staff_page.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={locale}")
        assert staff_page.locator("html").get_attribute("lang") == locale
        expect(staff_page.locator("h1")).to_be_visible()
        assert_accessible(staff_page)
    staff_page.close()


def test_the_diff_is_readable_without_colour(
    staff_page: Page, live_server: str, section: dict[str, Any]
) -> None:
    staff_page.goto(f"{live_server}/sections/{section['id']}/diff?from=1&to=3&lang=en")
    inserted = staff_page.locator("ins").first
    deleted = staff_page.locator("del").first
    expect(inserted).to_contain_text("inserted:")
    expect(deleted).to_contain_text("deleted:")
    lines = staff_page.evaluate(
        "() => ['ins', 'del'].map(t => getComputedStyle(document.querySelector(t))"
        ".textDecorationLine)"
    )
    assert lines == ["underline", "line-through"]
    expect(staff_page.get_by_text("Paragraph added")).to_be_visible()
    expect(staff_page.get_by_text("Paragraph removed")).to_be_visible()
    # The markers are for screen readers; a sighted reader sees the words struck or underlined.
    box = inserted.locator(".visually-hidden").bounding_box()
    assert box is not None
    assert box["width"] <= 1
    staff_page.close()


def test_compare_and_restore_without_javascript(
    browser: Browser,
    live_server: str,
    log_in_as_admin: Callable[[Page], Any],
    section: dict[str, Any],
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_as_admin(page)
    sid = section["id"]
    page.goto(f"{live_server}/sections/{sid}/history?lang=en")
    page.get_by_label("From revision").select_option("1")
    page.get_by_label("To revision").select_option("2")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Changes from revision 1 to revision 2"
    )
    expect(page.locator("ins")).to_contain_text("single")
    page.goto(f"{live_server}/sections/{sid}/history?lang=en")
    page.get_by_role("link", name="Restore revision 1…").click()
    page.get_by_label("Note for the history (optional)").fill("Back to the first text")
    page.get_by_role("button", name="Restore revision 1").click()
    expect(page.get_by_text("Revision 1 restored")).to_be_visible()
    expect(page.get_by_text("revert of revision 1")).to_be_visible()
    context.close()
