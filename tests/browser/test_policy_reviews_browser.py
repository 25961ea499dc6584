"""Caucus sign-off in Chromium: a youth caucus representative finds their cell in the document's
matrix and gives a review by keyboard only (Tab to the link, Enter; Tab into the radio group,
arrows and Space to choose, Tab to the note and the button, Enter), is refused an objection
without a note and corrects it, with JavaScript and without; confirms a stale review with
JavaScript off (the diff since, the history); axe on the review page (with a
review given on an earlier revision, its diff and history, the form and the form sent back
with an error), the matrix on the document page and the secretariat's caucuses page, in es,
pt and en. Each test makes a document of its own in the demo database."""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from sqlmodel import col

from app.db import make_engine, open_session, write_again
from app.demo import DEMO_ADMIN_EMAIL
from app.i18n import LOCALES
from app.models.caucuses import Caucus
from app.models.forums import Forum
from app.models.policy import DocumentCreate, SectionCreate, TeamMemberIn
from app.models.policy_reviews import ReviewIn
from app.models.users import Role, User, UserCreate
from app.services import policy
from app.services import users as user_service
from app.services.policy import reviews
from tests.browser.conftest import DESKTOP, TIMEOUT_MS
from tests.browser.test_accessibility import assert_accessible
from tests.browser.test_contributions_browser import is_focused, tab_to

pytestmark = pytest.mark.browser

PASSWORD = "a long browser passphrase 7"
TEXT = [
    "Care is a right of every person, at every age.",
    "Public authorities fund care services and train care workers.",
]


@pytest.fixture
def paper(demo_database: str) -> Iterator[dict[str, Any]]:
    """A document with two sections, a youth caucus representative on its team (an account
    with a known password), and the youth caucus's endorsement of section 1 on version 1,
    after which section 1 was edited: the review is stale."""
    engine = make_engine(demo_database)
    tag = uuid.uuid4().hex[:6]
    try:
        with open_session(engine, write=True) as db:
            staff = db.execute(select(User).where(col(User.email) == DEMO_ADMIN_EMAIL)).scalar_one()
            forum = db.execute(select(Forum).order_by(col(Forum.id))).scalars().first()
            youth = db.execute(select(Caucus).where(col(Caucus.code) == "youth")).scalar_one()
            assert forum is not None
            youth_id = youth.id or 0
            rep = user_service.create_user(
                db,
                actor=staff,
                data=UserCreate(
                    email=f"youth-{tag}@example.org",
                    display_name=f"Yara {tag}",
                    password=PASSWORD,
                    role=Role.caucus_rep,
                    caucus_ids=[youth_id],
                ),
            )
            write_again(db)
            document = policy.create_document(
                db,
                actor=staff,
                data=DocumentCreate.model_validate(
                    {"forum_id": forum.id, "title": {"en": f"Sign-off {tag}"}, "language": "en"}
                ),
            )
            write_again(db)
            policy.add_member(
                db,
                actor=staff,
                document=document,
                data=TeamMemberIn(user_id=rep.id or 0, role="caucus_rep", caucus_id=youth_id),
            )
            ids: dict[str, Any] = {"document_id": document.id, "youth_id": youth_id}
            for title, body in (("Care as a right", "\n\n".join(TEXT)), ("Funding", TEXT[1])):
                write_again(db)
                made = policy.create_section(
                    db, actor=staff, document=document, data=SectionCreate(title=title, body=body)
                )
                ids.setdefault("section_ids", []).append(made.id)
            write_again(db)
            first = policy.get_section(db, ids["section_ids"][0])
            place = reviews.review_place(
                db, section_id=first.id or 0, caucus_id=youth_id, user_id=rep.id
            )
            reviews.give_review(
                db, place=place, actor=rep, data=ReviewIn.model_validate({"verdict": "endorse"})
            )
            write_again(db)
            policy.save_section(
                db,
                actor=staff,
                section=policy.get_section(db, first.id or 0),
                base_version=1,
                body="\n\n".join([TEXT[0].replace("every age", "any age"), TEXT[1]]),
            )
            ids["rep_email"] = rep.email
            yield ids
    finally:
        engine.dispose()


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def rep_context(browser: Browser, live_server: str, paper: dict[str, Any]) -> Iterator[Any]:
    def _open(**options: Any) -> BrowserContext:
        context = browser.new_context(viewport=DESKTOP, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        opened.append(context)
        _log_in(context.new_page(), live_server, paper["rep_email"])
        return context

    opened: list[BrowserContext] = []
    yield _open
    for context in opened:
        context.close()


def _matrix_cell(page: Page, section_number: str, caucus: str) -> Any:
    row = page.locator("table.review-matrix tbody tr").filter(
        has=page.locator("th[scope=row]", has_text=section_number)
    )
    headers = page.locator("table.review-matrix thead th").all_inner_texts()
    return row.locator("td").nth(headers.index(caucus) - 1)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_matrix_and_the_review_form_by_keyboard_only(
    rep_context: Any, live_server: str, paper: dict[str, Any], javascript: bool
) -> None:
    page = rep_context(java_script_enabled=javascript).new_page()
    page.goto(f"{live_server}/documents/{paper['document_id']}?lang=en")
    stale = _matrix_cell(page, "1", "Youth caucus")
    expect(stale).to_contain_text("Endorsed")
    expect(stale).to_contain_text("given on an earlier revision")
    link = page.get_by_role("link", name="Give your review of section 2 for the Youth caucus")
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/sections/{paper['section_ids'][1]}/reviews/{paper['youth_id']}**")
    first = page.get_by_role("radio", name="Endorse", exact=True)
    tab_to(page, first)
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    objection = page.get_by_role("radio", name="Object")
    expect(objection).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send the review"))
    page.keyboard.press("Enter")  # an objection without a note: refused, what was chosen kept
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert is_focused(summary)
    expect(page.get_by_role("radio", name="Object")).to_be_checked()
    note = page.get_by_label("Note")
    tab_to(page, note)
    page.keyboard.type("Name young carers who study.")
    page.keyboard.press("Shift+Tab")  # back to the radio group, then up to concerns
    assert is_focused(page.get_by_role("radio", name="Object"))
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("radio", name="Endorse with concerns")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send the review"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/documents/{paper['document_id']}#reviews")
    expect(page.locator(".notice[role=status]")).to_contain_text(
        "Your caucus's review of section 2 is recorded: Endorsed with concerns."
    )
    expect(_matrix_cell(page, "2", "Youth caucus")).to_contain_text("Endorsed with concerns")


def test_confirming_a_stale_review_without_javascript(
    rep_context: Any, live_server: str, paper: dict[str, Any]
) -> None:
    page = rep_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server}/documents/{paper['document_id']}?lang=en")
    page.get_by_role(
        "link", name="Confirm or change your review of section 1 for the Youth caucus"
    ).click()
    changes = page.locator("section.policy-review-changes")
    expect(changes).to_contain_text("What changed since the review (version 1 to 2)")
    expect(changes.locator("ins", has_text="any")).to_have_count(1)
    assert "inserted:" in changes.inner_text()
    expect(page.get_by_role("radio", name="Endorse", exact=True)).to_be_checked()
    page.get_by_role("radio", name="Endorse with concerns").check()
    page.get_by_role("button", name="Send the review").click()  # no note: refused
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_role("radio", name="Endorse with concerns")).to_be_checked()
    page.get_by_label("Note").fill("Say who funds respite care.")
    page.get_by_role("button", name="Send the review").click()
    page.wait_for_url(f"**/documents/{paper['document_id']}#reviews")
    cell = _matrix_cell(page, "1", "Youth caucus")
    expect(cell).to_contain_text("Endorsed with concerns")
    expect(cell).not_to_contain_text("earlier revision")
    page.goto(f"{live_server}/sections/{paper['section_ids'][0]}/reviews/{paper['youth_id']}")
    history = page.locator("section[aria-labelledby=history-h] li")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Changed to “Endorsed with concerns”, on version 2")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_sign_off_pages_are_accessible(
    rep_context: Any,
    admin_context: BrowserContext,
    live_server: str,
    paper: dict[str, Any],
    locale: str,
) -> None:
    page = rep_context().new_page()
    first, second = paper["section_ids"]
    youth = paper["youth_id"]
    page.goto(f"{live_server}/documents/{paper['document_id']}?lang={locale}")
    assert page.locator("html").get_attribute("lang") == locale
    expect(page.locator("table.review-matrix caption")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/sections/{first}/reviews/{youth}?lang={locale}")
    expect(page.locator("section.policy-review-changes del").first).to_be_attached()
    assert_accessible(page)
    page.goto(f"{live_server}/sections/{second}/reviews/{youth}?lang={locale}")
    page.locator("#f-verdict-object").check()
    page.locator("#review-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    staff = admin_context.new_page()
    staff.goto(f"{live_server}/documents/{paper['document_id']}/caucuses?lang={locale}")
    expect(staff.locator("fieldset input[type=checkbox]").first).to_be_visible()
    assert_accessible(staff)
    staff.goto(f"{live_server}/documents/{paper['document_id']}?lang={locale}")
    assert_accessible(staff)
    staff.close()
