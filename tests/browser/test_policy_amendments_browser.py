"""Amendments in Chromium: the amendment form (and the form sent back with an error), an
outdated amendment's page (tracked changes, the change since its base, the decision, update
and merge forms) and a document's amendments have no axe violation in es, pt and en; with
JavaScript off the form sends an amendment and its page shows the tracked changes in words.
Each test makes a document of its own in the demo database."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session, write_again
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate
from app.models.policy_amendments import AmendmentCreate
from app.models.users import User
from app.services import policy
from app.services.policy import amendments
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

TEXT = [
    "Care is a right of every person, at every age.",
    "Public authorities fund care services and train care workers.",
]


@pytest.fixture
def paper(demo_database: str) -> dict[str, Any]:
    """A document whose first paragraph has two pending amendments, one of them outdated (the
    paragraph was edited after it was proposed)."""
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
                    {"forum_id": forum.id, "title": {"en": f"Amendments {tag}"}, "language": "en"}
                ),
            )
            write_again(db)
            section = policy.create_section(
                db,
                actor=actor,
                document=document,
                data=SectionCreate(title="Care as a right", body="\n\n".join(TEXT)),
            )
            ids = {"document_id": document.id, "section_id": section.id}
            write_again(db)
            first = policy.current_paragraphs(db, ids["section_id"])[0]
            ids["paragraph_id"] = first.id
            old = amendments.propose(
                db,
                actor=actor,
                paragraph=first,
                data=AmendmentCreate(
                    replacement="Care is a universal right of every person.", rationale="Clearer."
                ),
            )
            ids["outdated_id"] = old.id
            write_again(db)
            policy.save_section(
                db,
                actor=actor,
                section=policy.get_section(db, ids["section_id"]),
                base_version=1,
                body="\n\n".join([TEXT[0].replace("every age", "any age"), TEXT[1]]),
            )
            write_again(db)
            amendments.propose(
                db,
                actor=actor,
                paragraph=policy.current_paragraphs(db, ids["section_id"])[0],
                data=AmendmentCreate(replacement="Care is a right at any age.", rationale="Short."),
            )
            return ids
    finally:
        engine.dispose()


@pytest.fixture
def staff_page(admin_context: BrowserContext) -> Page:
    return admin_context.new_page()


@pytest.mark.parametrize("locale", LOCALES)
def test_amendment_pages_are_accessible(
    staff_page: Page, live_server: str, paper: dict[str, Any], locale: str
) -> None:
    page = staff_page
    page.goto(f"{live_server}/paragraphs/{paper['paragraph_id']}/amendments/new?lang={locale}")
    assert page.locator("html").get_attribute("lang") == locale
    assert_accessible(page)
    page.locator("#f-replacement").fill(" ")
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator(".error-summary, .field-error").first).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/amendments/{paper['outdated_id']}?lang={locale}")
    expect(page.locator("del").first).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/documents/{paper['document_id']}/amendments?lang={locale}")
    assert_accessible(page)


def test_the_amendment_form_works_without_javascript(
    browser: Browser,
    live_server: str,
    log_in_as_admin: Callable[[Page], Any],
    paper: dict[str, Any],
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_as_admin(page)
    page.goto(f"{live_server}/paragraphs/{paper['paragraph_id']}/amendments/new?lang=en")
    field = page.get_by_label("Your text for this paragraph")
    assert "any age" in field.input_value()
    page.get_by_label("Why (your rationale)").fill("The law says so.")
    field.fill(" ")  # only a blank: the browser sends it, the server refuses it
    page.get_by_role("button", name="Send the amendment").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.get_by_label("Why (your rationale)").input_value() == "The law says so."
    page.get_by_label("Your text for this paragraph").fill("Care is a human right at any age.")
    page.get_by_role("button", name="Send the amendment").click()
    page.wait_for_url("**/amendments/*")
    changes = page.locator("section[aria-labelledby=changes-h] .diff-text")
    expect(changes.locator("ins", has_text="human")).to_have_count(1)
    assert "inserted:" in changes.inner_text()
    context.close()
